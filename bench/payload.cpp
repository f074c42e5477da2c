#include "payload.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace imchat::bench {

std::string EncodePayload(const Stamp& stamp, size_t size) {
  char head[64];
  int n = std::snprintf(head, sizeof head, "%" PRIu64 " %" PRId64 " ", stamp.seq, stamp.sent_ns);
  std::string out(head, static_cast<size_t>(n));
  if (out.size() < size) out.append(size - out.size(), 'x');
  return out;
}

std::optional<Stamp> DecodePayload(const char* data, int len) {
  // Copy: the payload is not NUL-terminated as far as strtoull is concerned.
  std::string text(data, static_cast<size_t>(len > 48 ? 48 : len));
  char* end = nullptr;
  Stamp s;
  s.seq = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != ' ') return std::nullopt;
  const char* next = end + 1;
  s.sent_ns = std::strtoll(next, &end, 10);
  if (end == next || *end != ' ') return std::nullopt;
  return s;
}

}  // namespace imchat::bench
