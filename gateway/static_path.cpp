#include "static_path.h"

#include <system_error>

namespace imchat::gateway {
namespace fs = std::filesystem;
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when `inner` is `root` or lies below it; both canonical.
bool Inside(const fs::path& root, const fs::path& inner) {
  auto r = root.begin();
  auto i = inner.begin();
  for (; r != root.end(); ++r, ++i) {
    if (i == inner.end() || *r != *i) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = HexValue(text[i + 1]);
    int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

ResolvedPath ResolveStaticPath(const fs::path& root, std::string_view target) {
  auto fail = [](PathError e) { return ResolvedPath{{}, e}; };
  // Only origin-form targets ("/path?query"); absolute-form and '*' are not for files.
  std::size_t q = target.find_first_of("?#");
  std::string_view raw = target.substr(0, q);
  if (raw.empty() || raw.front() != '/') return fail(PathError::kBadRequest);
  auto decoded = PercentDecode(raw);
  if (!decoded) return fail(PathError::kBadRequest);
  std::string path = decoded->substr(1);
  if (path.empty() || path.back() == '/') path += "index.html";
  // Decoding can produce what the raw target hid: "%2e%2e", "%2F", "%00", "%5C".
  if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) {
    return fail(PathError::kBadRequest);
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view seg(path.data() + start, end - start);
    // An empty segment is "//" (an absolute path once joined) or a leading '/'.
    if (seg.empty() || seg == "." || seg == "..") return fail(PathError::kBadRequest);
    start = end + 1;
  }
  std::error_code ec;
  fs::path real = fs::canonical(root / fs::path(path), ec);
  if (ec || !Inside(root, real)) return fail(PathError::kNotFound);
  if (!fs::is_regular_file(real, ec) || ec) return fail(PathError::kNotFound);
  return ResolvedPath{real, std::nullopt};
}

std::string_view ContentTypeFor(const fs::path& file) {
  struct Entry {
    const char* ext;
    const char* type;
  };
  static constexpr Entry kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json"},
  };
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const auto& e : kTypes) {
    if (ext == e.ext) return e.type;
  }
  return "application/octet-stream";
}

}  // namespace imchat::gateway
