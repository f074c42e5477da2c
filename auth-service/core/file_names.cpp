#include "file_names.h"

#include <cstdio>

#include "file_topics.h"

namespace imchat {

namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

constexpr std::string_view kFilePrefix = "sent a file: ";
constexpr std::string_view kIdTag = " [file ";

}  // namespace

std::string HumanSize(std::int64_t bytes) {
  if (bytes < 1000) return std::to_string(bytes) + " B";
  static const char* const kUnits[] = {"kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes) / 1000.0;
  int unit = 0;
  while (v >= 999.95 && unit < 3) {
    v /= 1000.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

bool IsValidFileName(std::string_view name) {
  if (name.empty() || name.size() > kMaxFileNameBytes) return false;
  for (char c : name) {
    if (IsControl(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string TruncateUtf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  // Back up over continuation bytes so the cut falls before a lead byte.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

std::string ShortenFileName(std::string_view name, std::size_t max) {
  if (name.size() <= max) return std::string(name);
  std::string_view ext;
  const std::size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0 && name.size() - dot <= 16 &&
      name.size() - dot < max) {
    ext = name.substr(dot);
  }
  return TruncateUtf8(name.substr(0, name.size() - ext.size()), max - ext.size()) +
         std::string(ext);
}

std::string SafeFileName(std::string_view name, std::string_view fallback, std::size_t max) {
  const std::size_t cut = name.find_last_of("/\\");
  if (cut != std::string_view::npos) name = name.substr(cut + 1);
  std::string out;
  for (char c : name) {
    if (!IsControl(static_cast<unsigned char>(c))) out += c;
  }
  out = ShortenFileName(out, max);
  if (out.empty() || out == "." || out == "..") return std::string(fallback);
  if (out[0] == '.') out[0] = '_';
  return out;
}

std::string FileMessageText(std::string_view name, std::int64_t size, std::string_view id) {
  return std::string(kFilePrefix) + std::string(name) + " (" + HumanSize(size) + ")" +
         std::string(kIdTag) + std::string(id) + "]";
}

std::optional<std::string> FileIdOfText(std::string_view text) {
  if (text.substr(0, kFilePrefix.size()) != kFilePrefix) return std::nullopt;
  const std::size_t tail = kIdTag.size() + kFileIdChars + 1;
  if (text.size() < kFilePrefix.size() + tail || text.back() != ']') return std::nullopt;
  std::string_view end = text.substr(text.size() - tail);
  if (end.substr(0, kIdTag.size()) != kIdTag) return std::nullopt;
  std::string_view id = end.substr(kIdTag.size(), kFileIdChars);
  if (!IsFileId(id)) return std::nullopt;
  return std::string(id);
}

}  // namespace imchat
