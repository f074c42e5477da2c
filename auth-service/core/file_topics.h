// Files (topics.md "Files"): the chunk topics, ids and the protocol's numbers.
// Upload chunks go to im/up/<me>/<upload>/<offset> (only <me> publishes, only
// the service reads); download chunks come on im/down/<me>/<file>/<offset>
// (only the service publishes, only <me> reads). The topic table
// (topic_table.h, kFileUp/kFileDown) gives the ACL its rules from the first
// three levels; the id and offset levels are parsed here.
#ifndef IMCHAT_CORE_FILE_TOPICS_H_
#define IMCHAT_CORE_FILE_TOPICS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "limits.h"
#include "topic_table.h"

namespace imchat {

// One chunk is one MQTT payload: exactly the broker's message_size_limit.
inline constexpr std::size_t kFileChunkBytes = kMaxPayloadBytes;
// Chunks in flight per transfer: the uploader sends at most this many past
// the offset the service confirmed; the service sends at most this many past
// the offset the downloader confirmed (memory never grows with file size).
inline constexpr int kFileWindowChunks = 16;
// Upload and file ids: 128 random bits as 32 lower-case hex digits.
inline constexpr std::size_t kFileIdChars = 32;
// A file's display name: 1-255 bytes of UTF-8 without control characters.
inline constexpr std::size_t kMaxFileNameBytes = 255;
// A media type such as image/png: at most this many characters.
inline constexpr std::size_t kMaxFileTypeChars = 100;
// Daemon defaults (imchat-service --file-max-size, --file-quota, --file-expiry-days).
inline constexpr std::int64_t kDefaultMaxFileBytes = 100LL * 1024 * 1024;
inline constexpr std::int64_t kDefaultFileQuotaBytes = 1024LL * 1024 * 1024;
inline constexpr int kDefaultFileExpiryDays = 30;

struct FileChunkTopic {
  TopicKind kind = TopicKind::kOther;  // kFileUp or kFileDown
  std::string owner;                   // <me>
  std::string id;                      // upload id (up) or file id (down)
  std::int64_t offset = 0;
};

// Parses im/up/<me>/<id>/<offset> or im/down/<me>/<id>/<offset>: exactly five
// levels, a valid name, a 32-hex id, a decimal offset without leading zeros
// (below 2^53). Anything else is nullopt.
std::optional<FileChunkTopic> ParseFileChunkTopic(std::string_view topic);

std::string UploadChunkTopic(std::string_view me, std::string_view upload, std::int64_t offset);
std::string DownloadChunkTopic(std::string_view me, std::string_view file, std::int64_t offset);
// im/down/<me>/<file>/+ : every chunk of one download.
std::string DownloadFilter(std::string_view me, std::string_view file);
// im/down/<me>/# : every download of <me> (the client subscribes it at login).
std::string DownloadsFilter(std::string_view me);
// im/up/+/# : what the service subscribes.
inline constexpr const char* kUploadFilter = "im/up/+/#";

// True for 32 lower-case hex digits.
bool IsFileId(std::string_view s);
// 32 lower-case hex digits from 16 bytes of OpenSSL's RAND_bytes; "" if it fails.
std::string NewFileId();
// True for 64 lower-case hex digits.
bool IsSha256Hex(std::string_view s);

}  // namespace imchat

#endif  // IMCHAT_CORE_FILE_TOPICS_H_
