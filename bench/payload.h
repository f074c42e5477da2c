// Benchmark message payloads: UTF-8 text (the stack only accepts text) carrying a sequence
// number and the monotonic send time, padded to a chat-like size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace imchat::bench {

struct Stamp {
  uint64_t seq = 0;
  int64_t sent_ns = 0;
};

// "<seq> <sent_ns> " followed by 'x' up to size bytes (at least the numbers are written).
std::string EncodePayload(const Stamp& stamp, size_t size);
// Parses what EncodePayload wrote; nullopt for anything else.
std::optional<Stamp> DecodePayload(const char* data, int len);

}  // namespace imchat::bench
