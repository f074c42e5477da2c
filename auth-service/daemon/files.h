// Files in conversations (topics.md "Files"): the service side of uploads and
// downloads. Commands on im/cmd/<me> (upload, fetch, fetch-ack, files) are
// answered on im/svc/<me>; upload chunks arrive on im/up/<me>/<upload>/<offset>
// and download chunks leave on im/down/<me>/<file>/<offset> (file_topics.h).
//
// Uploads: the limits (size, quota, free disk, names) are checked at
// `upload`, before any byte. Chunks are appended only at the offset the
// service holds (anything else is refused with the offset to resume from),
// streamed to tmp/<upload>.part with the SHA-256 updated as they come, and
// the file becomes visible only when the hash matches (renamed to its
// content address, row in files.db). The temporary file is the resume
// point: after a reconnect or a daemon restart, `upload` with the same
// target, size, hash and name answers with the same upload id and the
// offset held (the hash of that prefix is recomputed once after a restart).
//
// Downloads: at most kFileWindowChunks chunks past the offset the requester
// confirmed (fetch-ack) are in flight; each is read from disk when sent.
//
// Access (checked at every fetch): the uploader, the recipient of a DM, the
// members of the room now, everyone for `all`. A file someone may not fetch
// is "no such file", like an unknown id.
//
// Several devices: a command's correlation data is echoed on its reply and
// on the follow-ups of the transfer it started or resumed (upload progress,
// done and errors; fetch done and errors); the latest `upload` or `fetch`
// of a transfer decides. Held in memory only: after a restart the
// follow-ups carry none until the transfer's next command.
//
// Implemented in file_commands.cpp (commands) and file_transfer.cpp (chunks).
#ifndef IMCHAT_DAEMON_FILES_H_
#define IMCHAT_DAEMON_FILES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "blocks.h"
#include "file_store.h"
#include "mqtt_link.h"
#include "rooms.h"
#include "service_env.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace imchat {

struct FileOptions {
  std::string dir;  // "" = files are off (commands say so)
  std::int64_t max_bytes = 0;
  std::int64_t quota_bytes = 0;
  std::int64_t expiry_ms = 0;
  // Refuse an upload that would leave less than this free on the disk.
  std::int64_t disk_reserve_bytes = 0;
};

class Files {
 public:
  Files(const ServiceEnv& env, const Rooms& rooms, const BlockSet& blocks, FileOptions options);
  ~Files();
  Files(const Files&) = delete;
  Files& operator=(const Files&) = delete;

  void SetUsers(std::set<std::string, std::less<>> users) { users_ = std::move(users); }

  // True for a command line this part answers (its first word).
  static bool Handles(std::string_view line);
  // Runs the command and publishes its reply(ies) on im/svc/<me>, with
  // `correlation` (the command's MQTT 5 Correlation Data, "" = none).
  void Run(const std::string& me, const std::string& line, const std::string& correlation = "");
  // A chunk on im/up/<me>/<upload>/<offset>.
  void OnChunk(const InMessage& m);
  // Sends the upload progress due, then the expiry sweep and idle downloads
  // (once a minute); call after each batch of messages.
  void Tick(std::int64_t now);

 private:
  struct Upload {
    FileRow row;
    std::int64_t have = 0;
    EVP_MD_CTX* sha = nullptr;
    std::string correlation;  // of the latest `upload` command for it
  };
  struct Download {
    std::string path;
    std::int64_t size = 0;
    std::int64_t sent = 0;
    std::int64_t acked = 0;
    std::int64_t touched = 0;
    std::string sha256;
    bool done = false;        // the final "done" reply went out
    std::string correlation;  // of the `fetch` that started it
  };
  using DownloadKey = std::pair<std::string, std::string>;  // user, file id

  // Commands (file_commands.cpp); each returns the reply to publish.
  nlohmann::json Begin(const std::string& me, const std::string& line,
                       const std::string& correlation);
  // An `upload` line over kMaxCommandBytes: the name error when the name is
  // what is too long, else the usual "command too long".
  static nlohmann::json TooLong(const std::string& line);
  nlohmann::json Fetch(const std::string& me, const std::string& id, const std::string& offset,
                       const std::string& correlation);
  nlohmann::json Ack(const std::string& me, const std::string& id, const std::string& offset);
  nlohmann::json List(const std::string& me);
  bool MayFetch(const std::string& me, const FileRow& f) const;

  // Transfers (file_transfer.cpp).
  // The in-memory state of upload `row`, its temporary file's size and hash
  // state rebuilt when the service does not hold it (after a restart).
  Upload* Open(const FileRow& row, std::string* error);
  void Forget(const std::string& upload);
  // The hash checked: content renamed into place and the file row added.
  void Finish(Upload& u);
  void Fail(const std::string& owner, const std::string& upload, std::int64_t offset,
            const std::string& error, const std::string& correlation);
  void Pump(const DownloadKey& key, Download& d);
  // One `progress` per upload that took chunks since the last call.
  void FlushProgress();

  ServiceEnv env_;
  const Rooms& rooms_;
  const BlockSet& blocks_;
  FileOptions options_;
  std::unique_ptr<FileStore> store_;
  std::string open_error_;
  std::set<std::string, std::less<>> users_;
  std::map<std::string, Upload> uploads_;
  std::map<DownloadKey, Download> downloads_;
  std::set<std::string> progress_due_;  // upload ids
  std::int64_t next_sweep_ = 0;
  // Downloads in progress per user at most (each holds a window in flight).
  static constexpr int kMaxDownloads = 4;
  // Unfinished uploads per user at most (each holds a temporary file, a hash
  // state and a row until it finishes or is dropped a day after it began):
  // the quota counts bytes, so without this many small uploads would pile up.
  static constexpr int kMaxUploads = 8;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_FILES_H_
