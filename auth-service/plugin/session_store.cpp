// The owners of persistent sessions, kept in a small JSON file in the broker's data
// directory (plugin_opt_sessions_file), so that after a restart no other user can resume
// or discard a session the broker restored from its persistence file.
//
// The file is rewritten whole (temp file, fsync, rename) from TICK, at most once a second
// and only after a change, and at shutdown. It holds one line per persistent client id
// (bounded by users x SessionOwners::Limits::max_per_user), so a write is small and
// bounded; the broker thread never waits on anything else. A change is therefore on disk
// within about a second; the broker itself saves its sessions only every autosave_interval
// and at exit, so a session the file has not seen yet is not restored after a crash either.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "imchat_plugin.h"

namespace imchat::plugin {

namespace {

bool WriteAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Writes `text` to `path` atomically; on failure returns the reason.
std::string WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  bool ok = WriteAll(fd, text) && fsync(fd) == 0;
  int saved_errno = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    saved_errno = errno;
  }
  if (!ok) {
    unlink(tmp.c_str());
    return "cannot write " + tmp + ": " + std::strerror(saved_errno);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    saved_errno = errno;
    unlink(tmp.c_str());
    return "cannot rename " + tmp + ": " + std::strerror(saved_errno);
  }
  // The rename itself reaches the disk with the directory.
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  if (dir.empty()) dir = ".";
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return "";
}

SessionOwners::Limits LimitsOf(const Options& options) {
  SessionOwners::Limits limits;
  limits.keep_seconds = static_cast<std::int64_t>(options.session_owner_days * 86400);
  return limits;
}

}  // namespace

bool LoadSessionOwners(State& state) {
  const std::string& path = state.options.sessions_file;
  state.session_owners = SessionOwners(LimitsOf(state.options));
  if (path.empty()) {
    mosquitto_log_printf(MOSQ_LOG_WARNING,
                         "imchat: plugin_opt_sessions_file is not set; after a restart the "
                         "owners of persistent sessions are unknown and any user may take "
                         "one over");
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) {
      mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: no session owners file yet (%s)", path.c_str());
      return true;
    }
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: cannot read the session owners file %s: %s",
                         path.c_str(), std::strerror(errno));
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string error;
  auto loaded = SessionOwners::Parse(text.str(), LimitsOf(state.options), NowMs() / 1000, &error);
  if (!loaded) {
    // Starting without it would hand restored sessions to whoever asks first.
    mosquitto_log_printf(MOSQ_LOG_ERR,
                         "imchat: invalid session owners file %s: %s (it is only ever replaced "
                         "whole; remove it to start with no owners, and any user may then "
                         "take over a restored persistent session)",
                         path.c_str(), error.c_str());
    return false;
  }
  state.session_owners = std::move(*loaded);
  mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: %zu persistent session owners from %s",
                       state.session_owners.size(), path.c_str());
  return true;
}

void SaveSessionOwners(State& state, bool now) {
  const std::time_t t = std::time(nullptr);
  if (t - state.sessions_expired >= 60) {
    state.sessions_expired = t;
    state.session_owners.Expire(t);
  }
  if (state.options.sessions_file.empty() || !state.session_owners.dirty()) return;
  if (!now && t == state.sessions_saved) return;
  state.sessions_saved = t;
  std::string error =
      WriteFileAtomically(state.options.sessions_file, state.session_owners.Serialize());
  if (error.empty()) {
    state.session_owners.ClearDirty();
    return;
  }
  // Stays dirty: retried on the next tick. Logged once a minute, not every second.
  if (now || t - state.sessions_error_logged >= 60) {
    state.sessions_error_logged = t;
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: cannot save the session owners: %s", error.c_str());
  }
}

int OnSessionsTick(int event, void* event_data, void* userdata) {
  (void)event;
  (void)event_data;
  SaveSessionOwners(*static_cast<State*>(userdata), false);
  return MOSQ_ERR_SUCCESS;
}

}  // namespace imchat::plugin
