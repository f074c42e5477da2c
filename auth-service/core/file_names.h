// Files (topics.md "Files"): a file's name as shown and as written to disk,
// sizes for people, and the text of a file message.
#ifndef IMCHAT_CORE_FILE_NAMES_H_
#define IMCHAT_CORE_FILE_NAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imchat {

// "0 B", "999 B", "1.2 kB", "1.2 MB", "3.4 GB" (decimal units, one decimal).
std::string HumanSize(std::int64_t bytes);

// A display name the service accepts: 1-kMaxFileNameBytes bytes, no control
// characters (C0, DEL). The service also checks UTF-8. It is never a path.
bool IsValidFileName(std::string_view name);

// `s` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string_view s, std::size_t max);

// `name` cut to at most `max` bytes keeping its extension (".tar.gz" counts
// as ".gz"; one of at most 16 bytes is kept), the cut at a UTF-8 boundary.
std::string ShortenFileName(std::string_view name, std::size_t max);

// A name safe to create inside a chosen directory, whatever `name` says: the
// last path component ('/' and '\' both separate), control characters
// dropped, a leading '.' made '_', at most `max` bytes (ShortenFileName);
// "" , "." and ".." become `fallback`.
std::string SafeFileName(std::string_view name, std::string_view fallback,
                         std::size_t max = 200);

// The text of a file message: "sent a file: cat.jpg (1.2 MB) [file <id>]".
// It reads well in mosquitto_sub and keeps the id when a replay or history
// carries the text without the message's user properties.
std::string FileMessageText(std::string_view name, std::int64_t size, std::string_view id);
// The file id of a text made by FileMessageText, or nullopt.
std::optional<std::string> FileIdOfText(std::string_view text);

}  // namespace imchat

#endif  // IMCHAT_CORE_FILE_NAMES_H_
