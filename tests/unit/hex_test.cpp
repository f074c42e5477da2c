// Lower-case hex (core/hex.h), used for ids, digests and random client values.
#include "hex.h"

#include <catch2/catch.hpp>
#include <string>

TEST_CASE("LowerHex writes two lower-case digits per byte, in order", "[unit]") {
  struct Case {
    std::string bytes, hex;
  };
  const Case cases[] = {
      {"", ""},
      {std::string("\0", 1), "00"},
      {"\x0f", "0f"},
      {"\xf0", "f0"},
      {"\xff\xfe", "fffe"},
      {"\x3f\x1c\x9a\x0e", "3f1c9a0e"},
      {"AZaz09", "415a617a3039"},
  };
  for (const Case& c : cases) {
    INFO(c.hex);
    CHECK(imchat::LowerHex(c.bytes) == c.hex);
    CHECK(imchat::LowerHex(reinterpret_cast<const unsigned char*>(c.bytes.data()),
                           c.bytes.size()) == c.hex);
  }
  // Every byte value: two digits from 0-9a-f, and decoding gives the byte back.
  for (int b = 0; b < 256; ++b) {
    const std::string hex = imchat::LowerHex(std::string(1, static_cast<char>(b)));
    REQUIRE(hex.size() == 2);
    CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(std::stoi(hex, nullptr, 16) == b);
  }
}
