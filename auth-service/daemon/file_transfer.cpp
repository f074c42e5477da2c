// Upload chunks to disk and download chunks from disk (files.h). Neither
// direction holds more than one chunk in memory per call: an upload chunk is
// written and hashed as it arrives, a download chunk is read when it is sent.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "file_names.h"
#include "file_topics.h"
#include "files.h"
#include "hex.h"
#include "names.h"

namespace imchat {

using nlohmann::json;

namespace {

// Writes all of `data` at `offset`; errno is kept on failure.
bool WriteAt(int fd, const char* data, std::size_t n, std::int64_t offset) {
  while (n > 0) {
    const ssize_t w = pwrite(fd, data, n, offset);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
    offset += w;
  }
  return true;
}

}  // namespace

Files::Files(const ServiceEnv& env, const Rooms& rooms, const BlockSet& blocks, FileOptions options)
    : env_(env), rooms_(rooms), blocks_(blocks), options_(std::move(options)) {
  if (options_.dir.empty()) {
    open_error_ = "no file directory configured";
    return;
  }
  store_ = FileStore::Open(options_.dir, &open_error_);
  if (!store_) env_.log.Log("error: files are off: " + open_error_);
}

Files::~Files() {
  for (auto& [id, u] : uploads_) EVP_MD_CTX_free(u.sha);
}

Files::Upload* Files::Open(const FileRow& row, std::string* error) {
  auto it = uploads_.find(row.id);
  if (it != uploads_.end()) return &it->second;
  Upload u;
  u.row = row;
  u.sha = EVP_MD_CTX_new();
  if (!u.sha || EVP_DigestInit_ex(u.sha, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(u.sha);
    *error = "the server could not start a hash; try again";
    return nullptr;
  }
  // The temporary file is the resume point: hash what it already holds.
  const std::string path = store_->TempPath(row.id);
  const int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    EVP_MD_CTX_free(u.sha);
    env_.log.Log("error: upload " + row.id + ": " + path + ": " + std::strerror(errno));
    *error = "the server could not store the upload; try again later";
    return nullptr;
  }
  std::vector<char> buf(kFileChunkBytes);
  ssize_t n;
  while ((n = read(fd, buf.data(), buf.size())) > 0 && u.have + n <= row.size) {
    EVP_DigestUpdate(u.sha, buf.data(), static_cast<std::size_t>(n));
    u.have += n;
  }
  close(fd);
  // A longer file (it cannot be, but a disk can lie) is cut to what was hashed.
  if (truncate(path.c_str(), u.have) != 0) {
    env_.log.Log("error: upload " + row.id + ": truncate: " + std::strerror(errno));
  }
  return &uploads_.emplace(row.id, u).first->second;
}

void Files::Forget(const std::string& upload) {
  auto it = uploads_.find(upload);
  if (it == uploads_.end()) return;
  EVP_MD_CTX_free(it->second.sha);
  uploads_.erase(it);
  progress_due_.erase(upload);
}

void Files::Fail(const std::string& owner, const std::string& upload, std::int64_t offset,
                 const std::string& error, const std::string& correlation) {
  json j = {{"type", "upload"},
            {"upload", upload},
            {"status", "error"},
            {"error", error},
            {"text", error}};
  if (offset >= 0) j["offset"] = offset;
  progress_due_.erase(upload);  // the error says where the upload stands
  env_.out.Reply(owner, j, correlation);
}

void Files::OnChunk(const InMessage& m) {
  auto t = ParseFileChunkTopic(m.topic);
  if (!t || t->kind != TopicKind::kFileUp) {
    env_.log.Log("ignored chunk on " + Printable(m.topic, 120) + ": not an upload topic");
    return;
  }
  if (!store_) return;
  Upload* u = nullptr;
  auto it = uploads_.find(t->id);
  if (it != uploads_.end()) {
    u = &it->second;
  } else {
    auto row = store_->FindUpload(t->id);
    std::string error;
    if (row.ok() && *row && (*row)->owner == t->owner) u = Open(**row, &error);
  }
  if (!u || u->row.owner != t->owner) {
    // The broker only lets <me> publish here, so this is a finished or
    // cancelled upload of <me>'s: say so once per chunk, it is cheap.
    Fail(t->owner, t->id, -1, "no upload " + t->id + " in progress; start with upload", "");
    return;
  }
  const std::int64_t n = static_cast<std::int64_t>(m.payload.size());
  if (t->offset != u->have) {
    Fail(t->owner, t->id, u->have,
         "chunk at byte " + std::to_string(t->offset) + " refused: the service holds " +
             std::to_string(u->have) + " bytes; send from there, in order",
         u->correlation);
    return;
  }
  if (n == 0 || n > static_cast<std::int64_t>(kFileChunkBytes) || u->have + n > u->row.size) {
    Fail(t->owner, t->id, u->have,
         "chunk of " + std::to_string(n) + " bytes at byte " + std::to_string(t->offset) +
             " refused: chunks are 1-" + std::to_string(kFileChunkBytes) +
             " bytes and end at the announced size " + std::to_string(u->row.size),
         u->correlation);
    return;
  }
  const std::string path = store_->TempPath(u->row.id);
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool written = fd >= 0 && WriteAt(fd, m.payload.data(), m.payload.size(), u->have);
  const int err = errno;
  if (fd >= 0) close(fd);
  if (!written) {
    const std::string owner = u->row.owner, id = u->row.id, name = u->row.name,
                      correlation = u->correlation;
    env_.log.Log("error: upload " + id + " of " + owner + ": " + path + ": " + std::strerror(err));
    Forget(id);
    (void)store_->DropUpload(id);
    Fail(owner, id, -1,
         err == ENOSPC ? "the server's disk is full: the upload of " + name +
                             " was cancelled; try again later"
                       : "the server could not write " + name + "; the upload was cancelled",
         correlation);
    return;
  }
  EVP_DigestUpdate(u->sha, m.payload.data(), m.payload.size());
  u->have += n;
  if (u->have < u->row.size) {
    // Confirmed once per batch of chunks read together (FlushProgress, from
    // Tick): a message per chunk cost the broker and both ends more than the
    // chunk's own forwarding.
    progress_due_.insert(u->row.id);
    return;
  }
  Finish(*u);  // its Forget() drops any progress still due
}

void Files::FlushProgress() {
  for (const std::string& id : progress_due_) {
    auto it = uploads_.find(id);
    if (it == uploads_.end()) continue;
    const Upload& u = it->second;
    env_.out.Reply(
        u.row.owner,
        {{"type", "upload"}, {"upload", u.row.id}, {"status", "progress"}, {"offset", u.have}},
        u.correlation);
  }
  progress_due_.clear();
}

void Files::Finish(Upload& u) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(u.sha, digest, &len);
  const std::string sha = LowerHex(digest, len);
  const FileRow row = u.row;
  const std::string correlation = u.correlation;
  Forget(row.id);
  const std::string temp = store_->TempPath(row.id);
  if (sha != row.sha256) {
    (void)store_->DropUpload(row.id);
    env_.log.Log("upload " + row.id + " of " + row.owner + " refused: SHA-256 mismatch");
    Fail(row.owner, row.id, -1,
         "the bytes received hash to " + sha + ", not the announced " + row.sha256 +
             ": upload refused; send the file again",
         correlation);
    return;
  }
  // Content-addressed: the same bytes are stored once.
  const std::string content = store_->ContentPath(sha);
  struct stat st;
  const bool have_content = stat(content.c_str(), &st) == 0;
  int fd = open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  if (!have_content && rename(temp.c_str(), content.c_str()) != 0) {
    env_.log.Log("error: upload " + row.id + ": rename: " + std::strerror(errno));
    (void)store_->DropUpload(row.id);
    Fail(row.owner, row.id, -1, "the server could not store " + row.name + "; send it again",
         correlation);
    return;
  }
  FileRow f = row;
  f.id = NewFileId();
  f.created = env_.clock();
  f.expires = f.created + options_.expiry_ms;
  Status added = f.id.empty() ? Status::Error("no random id") : store_->AddFile(f);
  (void)store_->DropUpload(row.id);  // also removes the temp file when the content existed
  if (!added.ok()) {
    env_.log.Log("error: upload " + row.id + ": " + added.message());
    Fail(row.owner, row.id, -1, "the server could not record " + row.name + "; send it again",
         correlation);
    return;
  }
  env_.log.Log("file " + f.id + " from " + f.owner + " to " + f.conv + ": " +
               std::to_string(f.size) + " bytes");
  env_.out.Reply(row.owner,
                 {{"type", "upload"},
                  {"upload", row.id},
                  {"status", "done"},
                  {"file", f.id},
                  {"name", f.name},
                  {"mime", f.mime},
                  {"size", f.size},
                  {"sha256", f.sha256},
                  {"to", f.conv},
                  {"expires", f.expires},
                  {"text", FileMessageText(f.name, f.size, f.id)}},
                 correlation);
}

void Files::Pump(const DownloadKey& key, Download& d) {
  const std::int64_t window = static_cast<std::int64_t>(kFileWindowChunks) * kFileChunkBytes;
  if (d.done) return;
  const int fd = open(d.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    env_.log.Log("error: download " + key.second + " for " + key.first + ": " + d.path + ": " +
                 std::strerror(errno));
    env_.out.Reply(key.first,
                   {{"type", "fetch"},
                    {"file", key.second},
                    {"status", "error"},
                    {"text", "the server could not read the file; try again later"}},
                   d.correlation);
    downloads_.erase(key);
    return;
  }
  std::string chunk;
  while (d.sent < d.size && d.sent < d.acked + window) {
    chunk.resize(
        static_cast<std::size_t>(std::min<std::int64_t>(kFileChunkBytes, d.size - d.sent)));
    const ssize_t n = pread(fd, chunk.data(), chunk.size(), d.sent);
    if (n <= 0) break;
    chunk.resize(static_cast<std::size_t>(n));
    env_.out.link().Publish(DownloadChunkTopic(key.first, key.second, d.sent), chunk, 1, false, {},
                            0, {});
    d.sent += n;
  }
  close(fd);
  if (d.sent >= d.size) {
    d.done = true;  // kept until confirmed, so late fetch-acks are no error
    env_.out.Reply(key.first,
                   {{"type", "fetch"},
                    {"file", key.second},
                    {"status", "done"},
                    {"size", d.size},
                    {"sha256", d.sha256}},
                   d.correlation);
  }
}

void Files::Tick(std::int64_t now) {
  FlushProgress();
  if (!store_ || now < next_sweep_) return;
  next_sweep_ = now + 60000;
  // A download nobody confirmed for two minutes is over; fetch resumes it.
  for (auto it = downloads_.begin(); it != downloads_.end();) {
    it = now - it->second.touched > 120000 ? downloads_.erase(it) : std::next(it);
  }
  // Uploads untouched for a day lose their temporary file.
  std::vector<std::string> idle;
  for (const auto& [id, u] : uploads_) {
    if (now - u.row.created > 86400000) idle.push_back(id);
  }
  for (const std::string& id : idle) Forget(id);
  auto gone = store_->Sweep(now, now - 86400000);
  if (!gone.ok()) {
    env_.log.Log("error: file sweep: " + gone.message());
  } else if (*gone > 0) {
    env_.log.Log("file sweep: " + std::to_string(*gone) +
                 " expired files or stale uploads removed");
  }
}

}  // namespace imchat
