#include "gateway_state.h"

#include <cstdio>

#include "core/limits.h"

namespace imchat::gateway {

std::size_t MaxClientMessageBytes() {
  // Our topics are short (names are at most kMaxNameChars), so 16 KiB of slack covers
  // the header and properties of any PUBLISH the broker would accept.
  return imchat::kMaxPayloadBytes + 16 * 1024;
}

void Log(const std::string& line) {
  // One fprintf per line so lines from one process never interleave.
  std::fprintf(stderr, "imchat-gateway: %s\n", line.c_str());
}

}  // namespace imchat::gateway
