// Display lines and escaping of untrusted text (render.h).
#include "render.h"

#include <cstdio>
#include <ctime>

namespace imchat::client {

namespace {

// ANSI SGR sequences; only ever emitted by us, never copied from input.
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kMagenta = "\x1b[35m";
constexpr const char* kCyan = "\x1b[36m";

// Decodes one well-formed UTF-8 sequence (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF) at the start of `s`. Returns its length
// and sets *cp, or returns 0 when the first byte does not start one.
std::size_t DecodeUtf8(std::string_view s, char32_t* cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  unsigned c = p[0];
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;
  char32_t value = 0;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 1, value = c & 0x1F;
  } else if (c == 0xE0) {
    n = 2, lo = 0xA0, value = c & 0x0F;
  } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    n = 2, value = c & 0x0F;
  } else if (c == 0xED) {
    n = 2, hi = 0x9F, value = c & 0x0F;
  } else if (c == 0xF0) {
    n = 3, lo = 0x90, value = c & 0x07;
  } else if (c >= 0xF1 && c <= 0xF3) {
    n = 3, value = c & 0x07;
  } else if (c == 0xF4) {
    n = 3, hi = 0x8F, value = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n + 1) return 0;
  for (std::size_t k = 1; k <= n; ++k) {
    unsigned b = p[k];
    unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  *cp = value;
  return n + 1;
}

// Code points a terminal would act on rather than show: C1 controls, bidi
// embeddings/overrides/isolates and marks (they reorder what follows, so a
// sender could make a line read differently), and line/paragraph separators.
bool IsDangerous(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
         cp == 0x2029;
}

void AppendByteEscape(std::string* out, unsigned char c) {
  switch (c) {
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      *out += buf;
    }
  }
}

std::string Paint(const char* color, const std::string& text, bool on) {
  if (!on) return text;
  return std::string(color) + text + kReset;
}

}  // namespace

std::string EscapeForTerminal(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    char32_t cp = 0;
    std::size_t n = DecodeUtf8(bytes, &cp);
    if (n == 0) {  // invalid UTF-8: show the byte, resynchronise on the next one
      AppendByteEscape(&out, static_cast<unsigned char>(bytes.front()));
      bytes.remove_prefix(1);
      continue;
    }
    if (cp < 0x20 || cp == 0x7F) {
      AppendByteEscape(&out, static_cast<unsigned char>(cp));
    } else if (IsDangerous(cp)) {
      char buf[12];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(bytes.data(), n);
    }
    bytes.remove_prefix(n);
  }
  return out;
}

std::string Snippet(std::string_view text, std::size_t max) {
  std::size_t chars = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (chars == max) return std::string(text.substr(0, pos)) + "...";
    char32_t cp = 0;
    std::size_t n = DecodeUtf8(text.substr(pos), &cp);
    pos += n == 0 ? 1 : n;
    ++chars;
  }
  return std::string(text);
}

std::string FormatTime(std::int64_t ts_ms, const RenderOptions& options) {
  auto to_tm = [&](std::int64_t ms, std::tm* tm) {
    // Floor division: times before 1970 still land on the right second.
    std::time_t t = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
    return options.utc ? gmtime_r(&t, tm) != nullptr : localtime_r(&t, tm) != nullptr;
  };
  std::tm tm{};
  if (!to_tm(ts_ms, &tm)) return "--:--:--";
  char buf[32];
  std::tm now{};
  bool same_day = options.now_ms == 0 || (to_tm(options.now_ms, &now) &&
                                          now.tm_year == tm.tm_year && now.tm_yday == tm.tm_yday);
  if (same_day) {
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  } else {
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  }
  return buf;
}

std::string Render(const Line& line, const RenderOptions& options) {
  const bool c = options.color;
  std::string out = Paint(kDim, FormatTime(line.ts_ms, options), c) + " ";
  if (line.away) out += Paint(kYellow, "[away]", c) + " ";
  if (line.elsewhere) out += Paint(kDim, "[other device]", c) + " ";
  if (!line.context.empty())
    out += Paint(kCyan, "[" + EscapeForTerminal(line.context) + "]", c) + " ";
  const std::string from = EscapeForTerminal(line.from);
  const std::string text = EscapeForTerminal(line.text);
  std::string who = from;
  if (!line.display.empty()) who += " (" + EscapeForTerminal(line.display) + ")";
  switch (line.kind) {
    case Line::Kind::kBroadcast:
      out += Paint(kBold, "<" + who + ">", c) + " " + text;
      break;
    case Line::Kind::kPrivateIn:
      out += Paint(kMagenta, "*" + who + "*", c) + " " + text;
      break;
    case Line::Kind::kPrivateOut:
      out += Paint(kMagenta, "-> *" + EscapeForTerminal(line.to) + "*", c) + " " + text;
      break;
    case Line::Kind::kStatus:
      out += Paint(kCyan, "-- " + text, c);
      break;
    case Line::Kind::kJoin:
      out += Paint(kGreen, "-- " + from + " joined", c);
      break;
    case Line::Kind::kLeave:
      out += Paint(kYellow, "-- " + from + " left (" + text + ")", c);
      break;
    case Line::Kind::kInfo:
      out += Paint(kCyan, "-- " + text, c);
      break;
    case Line::Kind::kError:
      out += Paint(kRed, "-- error: " + text, c);
      break;
  }
  return out;
}

Line MakeLine(Line::Kind kind, std::int64_t ts_ms, std::string text) {
  Line line;
  line.kind = kind;
  line.ts_ms = ts_ms;
  line.text = std::move(text);
  return line;
}

}  // namespace imchat::client
