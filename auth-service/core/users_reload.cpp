#include "users_reload.h"

#include <sys/stat.h>

#include <chrono>

namespace imchat {

Result<UserTable> FileProbe::Load(const std::string& path, std::string_view service_user) const {
  return LoadUsersFile(path, service_user);
}

namespace {

class SystemProbe : public FileProbe {
 public:
  FileStamp Stat(const std::string& path) const override {
    FileStamp s;
    struct stat st;
    if (stat(path.c_str(), &st) == 0) {
      s.exists = true;
      s.inode = st.st_ino;
      s.size = st.st_size;
      s.mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    }
    return s;
  }
  std::int64_t NowNs() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const FileProbe& SystemFileProbe() {
  static const SystemProbe probe;
  return probe;
}

UsersReloader::UsersReloader(std::string path, std::string service_user, const FileProbe& probe)
    : path_(std::move(path)), service_user_(std::move(service_user)), probe_(probe) {}

Result<UserTable> UsersReloader::Load() { return Read("start", true); }

Result<UserTable> UsersReloader::Reload(const char* why) { return Read(why, false); }

std::optional<Result<UserTable>> UsersReloader::Tick() {
  const std::int64_t now = probe_.NowNs();
  if (now - last_check_ns_ < kCheckEveryNs) return std::nullopt;
  last_check_ns_ = now;
  const FileStamp stamp = probe_.Stat(path_);
  // A missing file is not read (it may be being replaced); its return is a change.
  if (!stamp.exists || stamp == seen_) return std::nullopt;
  if (now - stamp.mtime_ns < kSettleNs) return std::nullopt;
  return Read("the file changed", false);
}

Result<UserTable> UsersReloader::Read(const char* why, bool first) {
  // Remember the version read before reading it, so a failed version is not
  // read again by every Tick(), and a write during the read is a new change.
  seen_ = probe_.Stat(path_);
  Result<UserTable> loaded = probe_.Load(path_, service_user_);
  if (first) {
    if (loaded.ok()) users_ = loaded->size();
    return loaded;
  }
  const std::string refused =
      std::string("users file not reloaded (") + why + "), keeping the previous table: ";
  if (!loaded.ok()) return Status::Error(refused + loaded.message());  // names file and line
  if (loaded->size() == 0 && users_ > 0) {
    return Status::Error(refused + path_ + " lists no users (was it caught half-written?)");
  }
  users_ = loaded->size();
  return loaded;
}

}  // namespace imchat
