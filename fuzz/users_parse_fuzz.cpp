// Fuzzes the users.txt parser (ParseUsers) and the $7$ hash decoder: never crashes, and
// what it accepts obeys the contract: every name valid, the service account never a
// chat user, no empty password, errors labelled "<file>:<line>: ...".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "names.h"
#include "password.h"
#include "users_file.h"

namespace {

void Check(bool ok, const char* what, std::string_view detail) {
  if (ok) return;
  std::fprintf(stderr, "users_parse: %s: '%s'\n", what, imchat::Printable(detail, 300).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = imchat::ParseUsers(text, "users.txt", "imchat-service");
  if (!r.ok()) {
    Check(r.message().rfind("users.txt:", 0) == 0, "error without file:line", r.message());
    return 0;
  }
  Check(r.message().empty(), "table with an error", r.message());
  Check(!r->Contains("imchat-service"), "service account became a user", text);
  const bool may_hash = text.find('$') != std::string_view::npos;
  for (const std::string& name : r->Names()) {
    Check(imchat::IsValidUserName(name), "invalid name accepted", name);
    Check(r->Contains(name), "Names() and Contains() disagree", name);
    // Hash checks cost PBKDF2 rounds; plain-only tables are cheap to verify.
    if (!may_hash) Check(!r->Verify(name, ""), "empty password accepted", name);
  }
  std::string why;
  if (auto hash = imchat::ParsePbkdf2Hash(text, &why)) {
    Check(hash->iterations > 0, "hash with no iterations", text);
  } else {
    Check(!why.empty(), "hash refused without a reason", text);
  }
  return 0;
}
