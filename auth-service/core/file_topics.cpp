#include "file_topics.h"

#include <openssl/rand.h>

#include "hex.h"
#include "names.h"
#include "topics.h"

namespace imchat {

namespace {

bool IsLowerHex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Offsets are byte positions; 2^53 keeps them exact in JSON numbers too.
std::optional<std::int64_t> ParseOffset(std::string_view s) {
  if (s.empty() || s.size() > 16 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v >= (1LL << 53)) return std::nullopt;
  return v;
}

std::string ChunkTopic(TopicKind kind, std::string_view me, std::string_view id,
                       std::int64_t offset) {
  std::string t = BuildTopic(kind, me);  // im/up/<me>/# -> cut the '#'
  t.resize(t.size() - 1);
  t += id;
  t += '/';
  t += std::to_string(offset);
  return t;
}

}  // namespace

std::optional<FileChunkTopic> ParseFileChunkTopic(std::string_view topic) {
  auto levels = SplitLevels(topic);
  if (levels.size() != 5 || levels[0] != "im") return std::nullopt;
  FileChunkTopic out;
  if (levels[1] == "up") {
    out.kind = TopicKind::kFileUp;
  } else if (levels[1] == "down") {
    out.kind = TopicKind::kFileDown;
  } else {
    return std::nullopt;
  }
  if (!IsValidUserName(levels[2]) || !IsFileId(levels[3])) return std::nullopt;
  auto offset = ParseOffset(levels[4]);
  if (!offset) return std::nullopt;
  out.owner = std::string(levels[2]);
  out.id = std::string(levels[3]);
  out.offset = *offset;
  return out;
}

std::string UploadChunkTopic(std::string_view me, std::string_view upload, std::int64_t offset) {
  return ChunkTopic(TopicKind::kFileUp, me, upload, offset);
}

std::string DownloadChunkTopic(std::string_view me, std::string_view file, std::int64_t offset) {
  return ChunkTopic(TopicKind::kFileDown, me, file, offset);
}

std::string DownloadFilter(std::string_view me, std::string_view file) {
  std::string t = BuildTopic(TopicKind::kFileDown, me);
  t.resize(t.size() - 1);
  return t + std::string(file) + "/+";
}

std::string DownloadsFilter(std::string_view me) { return BuildTopic(TopicKind::kFileDown, me); }

bool IsFileId(std::string_view s) { return IsLowerHex(s, kFileIdChars); }
bool IsSha256Hex(std::string_view s) { return IsLowerHex(s, 64); }

std::string NewFileId() {
  unsigned char bytes[kFileIdChars / 2];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "";
  return LowerHex(bytes, sizeof bytes);
}

}  // namespace imchat
