// Fuzzes the archive stream decoder (the service's reading of im/archive batches): never
// crashes, and whatever it accepts is within the encoding's rules (valid names, a
// recipient exactly on direct messages, an id on chat records only) and survives
// re-encoding unchanged, so nothing is lost or altered between plugin and service.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "archive_stream.h"
#include "names.h"

namespace {
void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "archive_stream: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view batch(reinterpret_cast<const char*>(data), size);
  std::vector<imchat::ArchiveRecord> records;
  std::string error;
  const bool ok = imchat::DecodeArchiveBatch(batch, &records, &error);
  Check(ok == error.empty(), "error text disagrees with the result");
  std::string again;
  for (const imchat::ArchiveRecord& r : records) {
    using Kind = imchat::ArchiveRecord::Kind;
    Check(imchat::IsValidUserName(r.from), "bad sender accepted");
    const bool has_to = r.kind == Kind::kDirect || r.kind == Kind::kRoom;
    Check(has_to ? imchat::IsValidUserName(r.to) : r.to.empty(), "bad recipient accepted");
    Check(r.kind == Kind::kCommand ? r.id.empty() : !r.id.empty(), "bad id accepted");
    Check(r.id.find(' ') == std::string::npos, "space in an id");
    imchat::AppendArchiveRecord(&again, r);
  }
  if (ok && !records.empty()) {
    std::vector<imchat::ArchiveRecord> twice;
    Check(imchat::DecodeArchiveBatch(again, &twice, &error), "re-encoded batch refused");
    Check(twice == records, "re-encoded batch differs");
  }
  return 0;
}
