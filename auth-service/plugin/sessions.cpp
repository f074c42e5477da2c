// Connections and their events: im/login/<name> (login, inbox),
// im/logout/<name> and the im/sessions snapshot for the auth-service.
#include <chrono>
#include <cstring>

#include "imchat_plugin.h"
#include "topics.h"

namespace imchat::plugin {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Base36(std::uint64_t v, std::size_t width) {
  static const char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.push_back(kDigits[v % 36]);
    v /= 36;
  } while (v || out.size() < width);
  return std::string(out.rbegin(), out.rend());
}

void* CopyForBroker(const std::string& bytes) {
  void* copy = mosquitto_malloc(bytes.size());
  if (copy) std::memcpy(copy, bytes.data(), bytes.size());
  return copy;
}

void PublishJson(const char* client_id, const std::string& topic, const nlohmann::json& body,
                 const UserProperties& properties) {
  const std::string text = body.dump();
  mosquitto_property* props = nullptr;
  for (const auto& [name, value] : properties) {
    mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, name.c_str(),
                                       value.c_str());
  }
  int rc = mosquitto_broker_publish_copy(client_id, topic.c_str(), static_cast<int>(text.size()),
                                         text.data(), 1, false, props);
  if (rc != MOSQ_ERR_SUCCESS) {
    // On failure the properties stay ours.
    mosquitto_property_free_all(&props);
    mosquitto_log_printf(MOSQ_LOG_WARNING, "imchat: cannot publish to %s: %s", topic.c_str(),
                         mosquitto_strerror(rc));
  }
}

const Connection* FindConnection(const State& state, const mosquitto* client) {
  auto it = state.connections.find(client);
  return it == state.connections.end() ? nullptr : &it->second;
}

Connection* FindConnection(State& state, const mosquitto* client) {
  auto it = state.connections.find(client);
  return it == state.connections.end() ? nullptr : &it->second;
}

const std::set<const mosquitto*>& ClientsOf(const State& state, const std::string& name) {
  static const std::set<const mosquitto*> kNone;
  auto it = state.connections_by_user.find(name);
  return it == state.connections_by_user.end() ? kNone : it->second;
}

namespace {

void Unindex(State& state, const std::string& user, const mosquitto* client) {
  auto u = state.connections_by_user.find(user);
  if (u == state.connections_by_user.end()) return;
  u->second.erase(client);
  if (u->second.empty()) state.connections_by_user.erase(u);
}

}  // namespace

int ConnectedClients(const State& state, const std::string& name) {
  int n = 0;
  for (const mosquitto* client : ClientsOf(state, name)) {
    const Connection* c = FindConnection(state, client);
    if (c && !c->service && c->logout_reason.empty()) ++n;
  }
  return n;
}

void AddConnection(State& state, mosquitto* client, const std::string& user, bool service) {
  Connection c;
  c.user = user;
  const char* id = mosquitto_client_id(client);
  c.client_id = id ? id : "";
  c.service = service;
  c.since_ms = NowMs();
  c.clean = mosquitto_client_clean_session(client);
  c.protocol = mosquitto_client_protocol_version(client);
  c.peer = PeerAddress(client);
  // The same client id still connected is about to be taken over: its logout is "lost".
  for (auto& entry : state.connections) {
    if (entry.first != client && entry.second.client_id == c.client_id &&
        entry.second.logout_reason.empty()) {
      entry.second.logout_reason = "lost";
    }
  }
  bool resumed_inbox = false;
  // The service's own persistent session is recorded too: while the daemon is away it holds
  // the service's queue, and no user may take its client id over.
  if (c.clean) {
    state.session_owners.Forget(c.client_id);
  } else {
    const SessionOwners::Entry* before = state.session_owners.Find(c.client_id);
    resumed_inbox = before && before->user == user && before->inbox;
    state.session_owners.Connected(c.client_id, user, c.since_ms / 1000);
  }
  if (!service) c.conn = state.next_conn++;
  if (const Connection* old = FindConnection(state, client)) {
    // Never expected (one BASIC_AUTH per connection), but keep the index exact.
    Unindex(state, old->user, client);
  }
  state.connections[client] = c;
  state.connections_by_user[user].insert(client);
  if (service) return;
  // Events reach the service in order with the messages accepted before them.
  FlushArchive(state);
  PublishJson(nullptr, LoginTopic(user),
              {{"event", "login"},
               {"user", user},
               {"client_id", c.client_id},
               {"conn", c.conn},
               {"ts", c.since_ms},
               {"clean", c.clean},
               {"protocol", c.protocol},
               {"peer", c.peer}});
  // A resumed session keeps its subscriptions: the inbox is in place without a SUBSCRIBE.
  if (resumed_inbox) NoteInboxSubscription(state, client);
}

void NoteInboxSubscription(State& state, const mosquitto* client) {
  Connection* c = FindConnection(state, client);
  if (!c || c->service || c->inbox) return;
  c->inbox = true;
  if (!c->clean) {
    SessionOwners::Entry* session = state.session_owners.Find(c->client_id);
    if (session && session->user == c->user) session->inbox = true;
  }
  FlushArchive(state);
  PublishJson(nullptr, LoginTopic(c->user),
              {{"event", "inbox"},
               {"user", c->user},
               {"client_id", c->client_id},
               {"conn", c->conn},
               {"ts", NowMs()}});
}

void KickUser(State& state, const std::string& user, const std::string& reason) {
  bool any = false;
  for (const mosquitto* client : ClientsOf(state, user)) {
    Connection* c = FindConnection(state, client);
    if (c && !c->service) {
      c->logout_reason = reason;
      any = true;
    }
  }
  if (!any) return;
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "imchat: disconnecting user '%s' (%s)", user.c_str(),
                       reason.c_str());
  // Re-enters OnDisconnect for each of the user's clients.
  mosquitto_kick_client_by_username(user.c_str(), false);
}

nlohmann::json SessionsSnapshot(const State& state) {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& entry : state.connections) {
    const Connection& c = entry.second;
    if (c.service || !c.logout_reason.empty()) continue;
    sessions.push_back({{"user", c.user},
                        {"client_id", c.client_id},
                        {"conn", c.conn},
                        {"since", c.since_ms},
                        {"inbox", c.inbox}});
  }
  return {{"ts", NowMs()}, {"sessions", sessions}};
}

int OnDisconnect(int event, void* event_data, void* userdata) {
  (void)event;
  auto* ed = static_cast<mosquitto_evt_disconnect*>(event_data);
  State& state = *static_cast<State*>(userdata);
  auto it = state.connections.find(ed->client);
  if (it == state.connections.end()) return MOSQ_ERR_SUCCESS;
  Connection c = it->second;
  state.connections.erase(it);
  Unindex(state, c.user, ed->client);
  if (!c.clean) state.session_owners.Disconnected(c.client_id, NowMs() / 1000);
  if (c.service) return MOSQ_ERR_SUCCESS;
  std::string reason = c.logout_reason;
  if (reason.empty()) {
    // Brokers that pass a real reason: 0 is a clean DISCONNECT. 2.0.x always passes -1.
    bool clean = ed->reason == -1 ? InCleanDisconnect() : ed->reason == MOSQ_ERR_SUCCESS;
    reason = clean ? "quit" : "lost";
  }
  mosquitto_log_printf(MOSQ_LOG_DEBUG, "imchat: %s (conn %llu) left: %s (broker reason %d)",
                       c.user.c_str(), static_cast<unsigned long long>(c.conn), reason.c_str(),
                       ed->reason);
  FlushArchive(state);
  PublishJson(nullptr, LogoutTopic(c.user),
              {{"event", "logout"},
               {"user", c.user},
               {"client_id", c.client_id},
               {"conn", c.conn},
               {"ts", NowMs()},
               {"reason", reason},
               {"peer", c.peer}});
  return MOSQ_ERR_SUCCESS;
}

}  // namespace imchat::plugin
