#include "password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <vector>

namespace imchat {

namespace {
// Bounds keep a hostile users.txt from making every login take minutes.
constexpr long kMaxIterations = 10'000'000;
}  // namespace

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || (c == '=' && i + 2 >= text.size());
    if (!ok) return std::nullopt;
  }
  std::vector<unsigned char> out(text.size() / 4 * 3 + 1);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes.
  std::size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n) - pad);
}

std::optional<Pbkdf2Hash> ParsePbkdf2Hash(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<Pbkdf2Hash> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (text.substr(0, 3) != "$7$") return fail("the hash does not start with $7$");
  text.remove_prefix(3);
  std::size_t d1 = text.find('$');
  if (d1 == std::string_view::npos) return fail("the hash is truncated (no salt)");
  std::string_view iter_text = text.substr(0, d1);
  std::string_view rest = text.substr(d1 + 1);
  std::size_t d2 = rest.find('$');
  if (d2 == std::string_view::npos) return fail("the hash is truncated (no hash after the salt)");
  std::string_view salt_text = rest.substr(0, d2);
  std::string_view hash_text = rest.substr(d2 + 1);
  if (iter_text.empty() || iter_text.size() > 9) return fail("the iteration count is invalid");
  long iterations = 0;
  for (char c : iter_text) {
    if (c < '0' || c > '9') return fail("the iteration count is not a number");
    iterations = iterations * 10 + (c - '0');
  }
  if (iterations < 1 || iterations > kMaxIterations)
    return fail("the iteration count is out of range");
  auto salt = Base64Decode(salt_text);
  if (!salt || salt->empty()) return fail("the salt is not valid base64");
  auto hash = Base64Decode(hash_text);
  if (!hash) return fail("the hash is not valid base64");
  if (hash->size() != 64) return fail("the hash is truncated (a SHA-512 hash has 64 bytes)");
  Pbkdf2Hash out;
  out.iterations = static_cast<int>(iterations);
  out.salt = *salt;
  out.hash = *hash;
  return out;
}

bool VerifyPbkdf2(const Pbkdf2Hash& stored, std::string_view password) {
  std::string derived(stored.hash.size(), '\0');
  int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                             reinterpret_cast<const unsigned char*>(stored.salt.data()),
                             static_cast<int>(stored.salt.size()), stored.iterations, EVP_sha512(),
                             static_cast<int>(derived.size()),
                             reinterpret_cast<unsigned char*>(derived.data()));
  return ok == 1 && ConstantTimeEquals(derived, stored.hash);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace imchat
