// BASIC_AUTH: users.txt passwords, the service account, lockout and client-id
// ownership. Every refusal returns MOSQ_ERR_AUTH (they look alike to the
// client) and logs the specific reason.
#include "imchat_plugin.h"
#include "names.h"
#include "password.h"
#include "topics.h"

namespace imchat::plugin {

namespace {

int Refuse(const mosquitto* client, const std::string& user, const std::string& why) {
  const char* client_id = mosquitto_client_id(client);
  const std::string peer = PeerAddress(client);
  mosquitto_log_printf(MOSQ_LOG_NOTICE,
                       "imchat: refused login of '%s' (client id '%s') from %s: %s",
                       Printable(user).c_str(), Printable(client_id ? client_id : "").c_str(),
                       peer.c_str(), why.c_str());
  // The service writes refusals and lockouts to server.log. A name that cannot be a topic
  // level (or none at all) stays in the broker's log only.
  if (IsValidUserName(user)) {
    PublishJson(nullptr, LoginTopic(user),
                {{"event", "refused"},
                 {"user", user},
                 {"client_id", Printable(client_id ? client_id : "", 64)},
                 {"ts", NowMs()},
                 {"reason", why},
                 {"peer", peer}});
  }
  return MOSQ_ERR_AUTH;
}

// The user owning `client_id` if it is not `user`: a live connection of another
// user, or another user's persistent session.
std::string ClientIdOwner(const State& state, const std::string& client_id,
                          const std::string& user) {
  for (const auto& entry : state.connections) {
    if (entry.second.client_id == client_id && entry.second.user != user &&
        entry.second.logout_reason.empty()) {
      return entry.second.user;
    }
  }
  const SessionOwners::Entry* session = state.session_owners.Find(client_id);
  if (session && session->user != user) return session->user;
  return "";
}

}  // namespace

int OnBasicAuth(int event, void* event_data, void* userdata) {
  (void)event;
  auto* ed = static_cast<mosquitto_evt_basic_auth*>(event_data);
  State& state = *static_cast<State*>(userdata);
  const char* id = mosquitto_client_id(ed->client);
  const std::string client_id = id ? id : "";
  if (!ed->username || !*ed->username) return Refuse(ed->client, "", "no user name (anonymous)");
  const std::string user = ed->username;
  if (!ed->password || !*ed->password) return Refuse(ed->client, user, "empty password");
  const std::string_view password = ed->password;
  const bool service = user == state.options.service_user;
  if (!service) {
    std::string why = NameError(user);
    if (!why.empty()) return Refuse(ed->client, user, "invalid user name: " + why);
  }
  if (service) {
    // No lockout for the service: its secret is not guessable, and a lockout would let
    // anyone keep the service out with three bad tries.
    if (!ConstantTimeEquals(state.service_password, password)) {
      return Refuse(ed->client, user, "bad service password");
    }
  } else if (state.lockout->IsLocked(user)) {
    return Refuse(ed->client, user, "the name is locked after repeated bad passwords");
  }
  if (!service && !state.users.Verify(user, password)) {
    if (!state.users.Contains(user)) {
      // Unknown names are counted too, so a lockout does not reveal which names exist;
      // they have their own bounded table, so a flood of them cannot push a real lock out.
      state.lockout->RecordFailure(user, false);
      return Refuse(ed->client, user, "unknown user");
    }
    bool locked = state.lockout->RecordFailure(user);
    return Refuse(ed->client, user,
                  locked ? "bad password; the name is now locked" : "bad password");
  }
  state.lockout->RecordSuccess(user);
  // The service's client id (the daemon's default is its user name) is reserved even when
  // the plugin has not seen the service yet, e.g. right after a broker restart.
  if (!service && client_id == state.options.service_user) {
    return Refuse(ed->client, user,
                  "client id '" + Printable(client_id) + "' is reserved for the service");
  }
  std::string owner = ClientIdOwner(state, client_id, user);
  if (!owner.empty()) {
    return Refuse(ed->client, user,
                  "client id '" + Printable(client_id) + "' belongs to user '" + owner + "'");
  }
  if (!service && !mosquitto_client_clean_session(ed->client) &&
      !state.session_owners.CanClaim(client_id, user)) {
    return Refuse(ed->client, user,
                  "already " + std::to_string(state.session_owners.max_per_user()) +
                      " persistent sessions; reuse one of their client ids, or connect once "
                      "with a clean session to end one");
  }
  AddConnection(state, ed->client, user, service);
  mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: %s '%s' logged in (client id '%s')",
                       service ? "service" : "user", user.c_str(), Printable(client_id).c_str());
  return MOSQ_ERR_SUCCESS;
}

}  // namespace imchat::plugin
