// The users.txt reload policy, shared by the broker plugin and the daemon so
// both hold the same table:
//   - Reload() (SIGHUP) reads the file at once.
//   - Tick() (call often) stats the file at most four times a second; when it
//     has changed (inode, size or mtime) and has then been still for a
//     second, it reads it (so within about 1.25 s of the last write). A file written in place may
//     be caught half-way, and a prefix cut at a line end is valid yet lacks users, hence the wait.
//   - A file that cannot be read or parsed (LoadUsersFile) keeps the old
//     table; so does a file listing nobody when the old table had users
//     (removing every user is never what a reload means).
// The file system and the clock sit behind FileProbe so tests drive time.
#ifndef IMCHAT_CORE_USERS_RELOAD_H_
#define IMCHAT_CORE_USERS_RELOAD_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "status.h"
#include "users_file.h"

namespace imchat {

// What identifies one version of a file; `exists` false when stat() failed.
struct FileStamp {
  bool exists = false;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp& o) const {
    return exists == o.exists && inode == o.inode && size == o.size && mtime_ns == o.mtime_ns;
  }
  bool operator!=(const FileStamp& o) const { return !(*this == o); }
};

// The reload policy's view of the world.
class FileProbe {
 public:
  virtual ~FileProbe() = default;
  virtual FileStamp Stat(const std::string& path) const = 0;
  // Wall-clock time in ns since the epoch (the clock file mtimes use).
  virtual std::int64_t NowNs() const = 0;
  // Reads and parses users.txt (LoadUsersFile).
  virtual Result<UserTable> Load(const std::string& path, std::string_view service_user) const;
};

// stat(2), the system clock and LoadUsersFile.
const FileProbe& SystemFileProbe();

class UsersReloader {
 public:
  // How long a changed file must be still before Tick() reads it, and how
  // often Tick() looks.
  static constexpr std::int64_t kSettleNs = 1'000'000'000;
  static constexpr std::int64_t kCheckEveryNs = 250'000'000;

  // `probe` must outlive the reloader.
  UsersReloader(std::string path, std::string service_user,
                const FileProbe& probe = SystemFileProbe());

  // The first load (start-up): any error is returned; an empty table is allowed.
  Result<UserTable> Load();

  // Reads the file now (`why`: "SIGHUP", for the message). The new table, or
  // an error saying why the old one is kept ("users file not reloaded (SIGHUP),
  // keeping the previous table: users.txt:3: ...").
  Result<UserTable> Reload(const char* why);

  // nullopt when there is nothing to read yet; otherwise Reload("the file changed").
  std::optional<Result<UserTable>> Tick();

  const std::string& path() const { return path_; }

 private:
  Result<UserTable> Read(const char* why, bool first);

  std::string path_;
  std::string service_user_;
  const FileProbe& probe_;
  FileStamp seen_;  // the version last read (or found unreadable)
  std::int64_t last_check_ns_ = 0;
  std::size_t users_ = 0;  // size of the table last accepted
};

}  // namespace imchat

#endif  // IMCHAT_CORE_USERS_RELOAD_H_
