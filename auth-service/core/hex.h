// Lower-case hexadecimal, the one encoding of bytes as text the protocol uses:
// file and upload ids (32 digits, file_topics.h), SHA-256 digests (64 digits,
// topics.md "Files"), and the random parts of client ids and a client's
// correlation data.
#ifndef IMCHAT_CORE_HEX_H_
#define IMCHAT_CORE_HEX_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace imchat {

// Two lower-case hex digits per byte, most significant first:
// {0x3f, 0x1c} -> "3f1c"; no bytes -> "".
std::string LowerHex(const unsigned char* bytes, std::size_t n);
inline std::string LowerHex(std::string_view bytes) {
  return LowerHex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

}  // namespace imchat

#endif  // IMCHAT_CORE_HEX_H_
