// Password checks: plain text (constant-time compare) and mosquitto_passwd's
// "$7$<iterations>$<base64 salt>$<base64 hash>" PBKDF2-SHA512 hashes.
#ifndef IMCHAT_CORE_PASSWORD_H_
#define IMCHAT_CORE_PASSWORD_H_

#include <optional>
#include <string>
#include <string_view>

namespace imchat {

// A decoded $7$ hash.
struct Pbkdf2Hash {
  int iterations = 0;
  std::string salt;  // raw bytes
  std::string hash;  // raw bytes
};

// Parses "$7$..."; on failure returns nullopt and sets *error to a reason.
std::optional<Pbkdf2Hash> ParsePbkdf2Hash(std::string_view text, std::string* error);

// True when `password` hashes to `stored` (PBKDF2-HMAC-SHA512).
bool VerifyPbkdf2(const Pbkdf2Hash& stored, std::string_view password);

// Compares in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Standard base64 (with padding); nullopt on invalid input.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace imchat

#endif  // IMCHAT_CORE_PASSWORD_H_
