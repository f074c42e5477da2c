// Maps a request target to a file inside the web root, refusing everything that could
// leave it: percent-escapes are decoded first, then `..`/`.`/empty segments, NUL,
// backslashes and absolute paths are refused, and the file's canonical path (symlinks
// resolved) must lie inside the canonical web root.
#ifndef IMCHAT_GATEWAY_STATIC_PATH_H_
#define IMCHAT_GATEWAY_STATIC_PATH_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace imchat::gateway {

// Decodes %XX escapes; nullopt for a malformed escape. '+' stays '+' (a path, not a form).
std::optional<std::string> PercentDecode(std::string_view text);

enum class PathError { kBadRequest, kNotFound };

struct ResolvedPath {
  std::filesystem::path file;  // canonical, a regular file inside the root
  std::optional<PathError> error;
};

// root must be canonical (std::filesystem::canonical of the --web-root). "/" and any
// target ending in '/' mean its index.html. The query (`?...`) is ignored.
ResolvedPath ResolveStaticPath(const std::filesystem::path& root, std::string_view target);

// The Content-Type for a file name, by extension; application/octet-stream if unknown.
std::string_view ContentTypeFor(const std::filesystem::path& file);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_STATIC_PATH_H_
