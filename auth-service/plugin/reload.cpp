// RELOAD (SIGHUP) and TICK: users.txt is re-read when it changes; a bad file
// keeps the old table; users no longer listed are disconnected (reason kicked).
// A TICK notices a change within about two seconds of the last write.
#include <sys/stat.h>

#include <set>

#include "imchat_plugin.h"

namespace imchat::plugin {

bool ReloadUsers(State& state, const char* why) {
  // Remember what we read, so the TICK check does not read it again.
  struct stat st;
  if (stat(state.options.users_file.c_str(), &st) == 0) {
    state.users_mtime = st.st_mtim.tv_sec;
    state.users_mtime_ns = st.st_mtim.tv_nsec;
    state.users_size = st.st_size;
  }
  auto loaded = LoadUsersFile(state.options.users_file, state.options.service_user);
  if (!loaded.ok()) {
    mosquitto_log_printf(MOSQ_LOG_ERR,
                         "imchat: users file not reloaded (%s), keeping the old one: %s", why,
                         loaded.error.c_str());
    return false;
  }
  if (loaded.table->size() == 0 && state.users.size() > 0) {
    // Most likely caught half-written; removing every user is never what a reload means.
    mosquitto_log_printf(
        MOSQ_LOG_ERR,
        "imchat: users file not reloaded (%s), keeping the old one: %s lists no users", why,
        state.options.users_file.c_str());
    return false;
  }
  std::set<std::string> removed;
  for (const auto& entry : state.connections) {
    if (!entry.second.service && !loaded.table->Contains(entry.second.user)) {
      removed.insert(entry.second.user);
    }
  }
  state.users = std::move(*loaded.table);
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "imchat: users file reloaded (%s): %zu users", why,
                       state.users.size());
  for (const std::string& user : removed) KickUser(state, user, "kicked");
  return true;
}

int OnReload(int event, void* event_data, void* userdata) {
  (void)event;
  (void)event_data;
  ReloadUsers(*static_cast<State*>(userdata), "SIGHUP");
  return MOSQ_ERR_SUCCESS;
}

int OnTick(int event, void* event_data, void* userdata) {
  (void)event;
  (void)event_data;
  State& state = *static_cast<State*>(userdata);
  std::time_t now = std::time(nullptr);
  if (now == state.last_users_check) return MOSQ_ERR_SUCCESS;
  state.last_users_check = now;
  struct stat st;
  if (stat(state.options.users_file.c_str(), &st) != 0) return MOSQ_ERR_SUCCESS;
  if (st.st_mtim.tv_sec == state.users_mtime && st.st_mtim.tv_nsec == state.users_mtime_ns &&
      st.st_size == state.users_size) {
    return MOSQ_ERR_SUCCESS;
  }
  // A file written in place may be caught half-way, and a prefix cut at a line end
  // is valid yet lacks users. Wait until it has been still for a second (SIGHUP
  // reloads at once).
  if (now - st.st_mtim.tv_sec < 1) return MOSQ_ERR_SUCCESS;
  state.users_mtime = st.st_mtim.tv_sec;
  state.users_mtime_ns = st.st_mtim.tv_nsec;
  state.users_size = st.st_size;
  ReloadUsers(state, "the file changed");
  return MOSQ_ERR_SUCCESS;
}

}  // namespace imchat::plugin
