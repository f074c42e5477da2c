// Files on the service's disk (topics.md "Files"): the directory
// <data>/files holds the content, one file per SHA-256 (<sha256>), uploads in
// progress under tmp/<upload id>.part, and the metadata in files.db (SQLite,
// its own connection in autocommit mode, so a file's row never waits for the
// chat store's batch). Names are metadata only: no path is ever made from one.
//
// Not thread-safe: the service's thread owns it.
#ifndef IMCHAT_DAEMON_FILE_STORE_H_
#define IMCHAT_DAEMON_FILE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "status.h"

struct sqlite3;

namespace imchat {

// A stored file, or an upload in progress (then `id` is the upload id and
// `expires` is unused).
struct FileRow {
  std::string id;
  std::string owner;
  std::string conv;  // "@<user>" (a DM to <user>), "#<room>" or "all"
  std::string name;  // as the uploader gave it; display only
  std::string mime;
  std::int64_t size = 0;
  std::string sha256;        // 64 lower-case hex digits
  std::int64_t created = 0;  // ms since the epoch
  std::int64_t expires = 0;  // ms since the epoch
};

class FileStore {
 public:
  // Opens (creating) `dir`, dir/tmp and dir/files.db; nullptr and `*error` on failure.
  static std::unique_ptr<FileStore> Open(const std::string& dir, std::string* error);
  ~FileStore();
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  const std::string& dir() const { return dir_; }
  std::string TempPath(const std::string& upload) const;
  std::string ContentPath(const std::string& sha256) const;

  Status AddUpload(const FileRow& u);
  Result<std::optional<FileRow>> FindUpload(const std::string& id);
  // An unfinished upload of `owner` with the same target, size, hash and name.
  Result<std::optional<FileRow>> FindResumable(const FileRow& like);
  // Deletes the row and the temporary file.
  Status DropUpload(const std::string& id);

  Status AddFile(const FileRow& f);
  Result<std::optional<FileRow>> FindFile(const std::string& id);
  // The newest `limit` files created after `since`, newest first.
  Result<std::vector<FileRow>> Recent(std::int64_t since, int limit);

  // How many unfinished uploads `owner` has.
  Result<std::int64_t> UploadCount(const std::string& owner);
  // Bytes counted against `owner`'s quota: unexpired files and unfinished uploads.
  Result<std::int64_t> UsedBytes(const std::string& owner, std::int64_t now);

  // Deletes content no unexpired file refers to (rows stay, so an expired id
  // says "expired") and uploads untouched since `stale_before` (row and
  // temporary file). Returns how many content files and uploads went.
  Result<int> Sweep(std::int64_t now, std::int64_t stale_before);

 private:
  FileStore(std::string dir, sqlite3* db) : dir_(std::move(dir)), db_(db) {}
  std::string dir_;
  sqlite3* db_;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_FILE_STORE_H_
