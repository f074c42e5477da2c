// RELOAD (SIGHUP) and TICK: users.txt is re-read by the shared reload policy
// (core/users_reload.h: at once on SIGHUP; on TICK once the changed file has
// been still for a second; a bad or empty file keeps the old table). Users no
// longer listed are disconnected (reason kicked).
#include <set>

#include "imchat_plugin.h"

namespace imchat::plugin {

bool ApplyUsers(State& state, Result<UserTable> loaded, const char* why) {
  if (!loaded.ok()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: %s", loaded.message().c_str());
    return false;
  }
  std::set<std::string> removed;
  for (const auto& entry : state.connections) {
    if (!entry.second.service && !loaded->Contains(entry.second.user)) {
      removed.insert(entry.second.user);
    }
  }
  state.users = std::move(*loaded);
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "imchat: users file reloaded (%s): %zu users", why,
                       state.users.size());
  for (const std::string& user : removed) KickUser(state, user, "kicked");
  return true;
}

int OnReload(int event, void* event_data, void* userdata) {
  (void)event;
  (void)event_data;
  State& state = *static_cast<State*>(userdata);
  ApplyUsers(state, state.users_reloader->Reload("SIGHUP"), "SIGHUP");
  return MOSQ_ERR_SUCCESS;
}

int OnTick(int event, void* event_data, void* userdata) {
  (void)event;
  (void)event_data;
  State& state = *static_cast<State*>(userdata);
  if (auto loaded = state.users_reloader->Tick()) {
    ApplyUsers(state, std::move(*loaded), "the file changed");
  }
  return MOSQ_ERR_SUCCESS;
}

}  // namespace imchat::plugin
