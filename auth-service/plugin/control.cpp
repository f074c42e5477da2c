// CONTROL on $CONTROL/imchat/v1: requests from the auth-service (topics.md,
// "Service internals"): hello, blocks, block, unblock, kick, stored, and the
// room membership requests of core/room_requests.h.
#include "imchat_plugin.h"
#include "names.h"
#include "room_requests.h"
#include "topics.h"

namespace imchat::plugin {

namespace {

int Reject(mosquitto_evt_control* ed, const std::string& why) {
  mosquitto_log_printf(MOSQ_LOG_WARNING, "imchat: control request refused: %s", why.c_str());
  // The broker frees reason_string with free().
  ed->reason_string = strdup(why.c_str());
  return MOSQ_ERR_INVAL;
}

bool GetName(const nlohmann::json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return IsValidUserName(*out);
}

// Operators see the snapshot land and each membership change (a few per
// command at most); the snapshot's parts only at debug level.
void LogRoomRequest(const State& state, const std::string& op, const nlohmann::json& j) {
  if (op == "rooms_end") {
    mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: room members loaded: %zu rooms",
                         state.rooms.room_count());
  } else if (op == "rooms_begin" || op == "room_set") {
    mosquitto_log_printf(MOSQ_LOG_DEBUG, "imchat: %s", op.c_str());
  } else {
    const std::string room = j["room"].get<std::string>();
    mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: %s #%s: %zu members now", op.c_str(), room.c_str(),
                         state.rooms.member_count(room));
  }
}

}  // namespace

int OnControl(int event, void* event_data, void* userdata) {
  (void)event;
  auto* ed = static_cast<mosquitto_evt_control*>(event_data);
  State& state = *static_cast<State*>(userdata);
  const char* username = mosquitto_client_username(ed->client);
  if (!username || username != state.options.service_user) {
    return Reject(ed, "only the service may send control requests");
  }
  auto j =
      nlohmann::json::parse(static_cast<const char*>(ed->payload),
                            static_cast<const char*>(ed->payload) + ed->payloadlen, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("op") || !j["op"].is_string()) {
    return Reject(ed, "the request is not a JSON object with an \"op\"");
  }
  const std::string op = j["op"].get<std::string>();
  if (op == "hello") {
    const char* cid = mosquitto_client_id(ed->client);
    FlushArchive(state);  // what was accepted before the snapshot reaches the service first
    PublishJson(cid, kSessionsTopic, SessionsSnapshot(state));
    ResendPending(state, cid);
    return MOSQ_ERR_SUCCESS;
  }
  if (op == "blocks") {
    auto pairs = j.find("pairs");
    if (pairs == j.end() || !pairs->is_array())
      return Reject(ed, "blocks: \"pairs\" must be an array");
    std::vector<std::pair<std::string, std::string>> list;
    for (const auto& p : *pairs) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string()) {
        return Reject(ed, "blocks: each pair must be [blocker, blocked]");
      }
      list.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
    }
    state.blocks.Replace(list);
    mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: %zu blocks loaded", list.size());
    return MOSQ_ERR_SUCCESS;
  }
  if (op == "block" || op == "unblock") {
    std::string user, target;
    if (!GetName(j, "user", &user) || !GetName(j, "target", &target)) {
      return Reject(ed, op + ": \"user\" and \"target\" must be valid names");
    }
    if (op == "block") {
      state.blocks.Add(user, target);
    } else {
      state.blocks.Remove(user, target);
    }
    return MOSQ_ERR_SUCCESS;
  }
  if (op == "kick") {
    std::string user;
    if (!GetName(j, "user", &user)) return Reject(ed, "kick: \"user\" must be a valid name");
    std::string reason = "kicked";
    if (j.contains("reason") && j["reason"].is_string()) reason = j["reason"].get<std::string>();
    if (reason != "idle" && reason != "kicked") reason = "kicked";
    KickUser(state, user, reason);
    return MOSQ_ERR_SUCCESS;
  }
  if (op == "stored") {
    auto ids = j.find("ids");
    if (ids == j.end() || !ids->is_array()) return Reject(ed, "stored: \"ids\" must be an array");
    std::vector<std::string> list;
    for (const auto& id : *ids) {
      if (id.is_string()) list.push_back(id.get<std::string>());
    }
    ForgetStored(state, list);
    return MOSQ_ERR_SUCCESS;
  }
  if (IsRoomRequest(op)) {
    Status applied = ApplyRoomRequest(j, &state.rooms);
    if (!applied.ok()) return Reject(ed, applied.message());
    LogRoomRequest(state, op, j);
    return MOSQ_ERR_SUCCESS;
  }
  return Reject(ed, "unknown op '" + Printable(op) + "'");
}

}  // namespace imchat::plugin
