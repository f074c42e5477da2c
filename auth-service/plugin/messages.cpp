// MESSAGE (after the ACL allowed the publish): sender stamping (topic rewrite),
// direct-message refusals, the id/ts/offline user properties, the offline
// messages held for the service, and the service's replay guard.
#include <cstring>
#include <set>

#include "imchat_plugin.h"
#include "names.h"
#include "topics.h"

namespace imchat::plugin {

namespace {

// Properties only the broker sets on chat messages.
bool IsReserved(const char* name) {
  static const std::set<std::string> kReserved = {"id", "ts", "queued", "offline", "resend"};
  return name && kReserved.count(name) > 0;
}

// Copies `in` without reserved user properties into a new list; collects ref.
mosquitto_property* CopyWithoutReserved(const mosquitto_property* in, std::string* ref) {
  mosquitto_property* out = nullptr;
  for (const mosquitto_property* p = in; p; p = mosquitto_property_next(p)) {
    int id = mosquitto_property_identifier(p);
    if (id != MQTT_PROP_USER_PROPERTY) continue;
    char* name = nullptr;
    char* value = nullptr;
    if (!mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, false))
      continue;
    if (!IsReserved(name)) {
      if (std::strcmp(name, "ref") == 0 && ref) *ref = value;
      mosquitto_property_add_string_pair(&out, MQTT_PROP_USER_PROPERTY, name, value);
    }
    mosquitto_free(name);
    mosquitto_free(value);
  }
  // Non-user properties (content type, response topic...) pass through unchanged.
  for (const mosquitto_property* p = in; p; p = mosquitto_property_next(p)) {
    int id = mosquitto_property_identifier(p);
    if (id == MQTT_PROP_CONTENT_TYPE || id == MQTT_PROP_RESPONSE_TOPIC) {
      char* value = nullptr;
      if (mosquitto_property_read_string(p, id, &value, false)) {
        mosquitto_property_add_string(&out, id, value);
        mosquitto_free(value);
      }
    } else if (id == MQTT_PROP_PAYLOAD_FORMAT_INDICATOR) {
      uint8_t v = 0;
      if (mosquitto_property_read_byte(p, id, &v, false)) mosquitto_property_add_byte(&out, id, v);
    } else if (id == MQTT_PROP_MESSAGE_EXPIRY_INTERVAL) {
      uint32_t v = 0;
      if (mosquitto_property_read_int32(p, id, &v, false))
        mosquitto_property_add_int32(&out, id, v);
    }
  }
  return out;
}

bool HasUserProperty(const mosquitto_property* in, const char* key, const char* want) {
  for (const mosquitto_property* p = in; p; p = mosquitto_property_next(p)) {
    if (mosquitto_property_identifier(p) != MQTT_PROP_USER_PROPERTY) continue;
    char* name = nullptr;
    char* value = nullptr;
    if (!mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, false))
      continue;
    bool hit = std::strcmp(name, key) == 0 && std::strcmp(value, want) == 0;
    mosquitto_free(name);
    mosquitto_free(value);
    if (hit) return true;
  }
  return false;
}

// Connections of `name` that hold the inbox subscription. Only they receive a
// direct message from the broker; to a user connected without one (between
// CONNACK and SUBSCRIBE, or a client that only publishes) the message is
// offline: the service stores it and replays it once an inbox is subscribed.
int InboxClients(const State& state, const std::string& name) {
  int n = 0;
  for (const mosquitto* client : ClientsOf(state, name)) {
    const Connection* c = FindConnection(state, client);
    if (c && c->inbox && !c->service && c->logout_reason.empty()) ++n;
  }
  return n;
}

std::string NextMessageId(State& state) {
  return state.id_prefix + "-" + std::to_string(state.next_message++);
}

int ServiceMessage(State& state, mosquitto_evt_message* ed) {
  ParsedTopic t = ParseTopic(ed->topic);
  if (t.kind == TopicKind::kUserToFrom && HasUserProperty(ed->properties, "queued", "1") &&
      ConnectedClients(state, t.first) == 0) {
    // The recipient left since the service decided to replay: it keeps the message queued.
    mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: replay to %s refused: no connected client",
                         ed->topic);
    return MOSQ_ERR_ACL_DENIED;
  }
  return MOSQ_ERR_SUCCESS;
}

void ReplaceTopic(mosquitto_evt_message* ed, const std::string& topic) {
  char* copy = mosquitto_strdup(topic.c_str());
  if (!copy) return;  // keep the old topic rather than lose the message
  mosquitto_free(ed->topic);
  ed->topic = copy;
}

}  // namespace

int OnMessage(int event, void* event_data, void* userdata) {
  (void)event;
  auto* ed = static_cast<mosquitto_evt_message*>(event_data);
  State& state = *static_cast<State*>(userdata);
  const char* username = mosquitto_client_username(ed->client);
  if (!username || !ed->topic) return MOSQ_ERR_ACL_DENIED;
  const std::string me = username;
  if (me == state.options.service_user) return ServiceMessage(state, ed);

  ParsedTopic t = ParseTopic(ed->topic);
  std::string to;
  switch (t.kind) {
    case TopicKind::kAll:
      ReplaceTopic(ed, AllTopic(me));
      break;
    case TopicKind::kAllFrom:
      break;
    case TopicKind::kUserTo:
      to = t.first;
      ReplaceTopic(ed, UserTopic(to, me));
      break;
    case TopicKind::kUserToFrom:
      to = t.first;
      break;
    default:
      return MOSQ_ERR_SUCCESS;  // commands: nothing to stamp
  }
  std::string ref;
  mosquitto_property* props = CopyWithoutReserved(ed->properties, &ref);
  const std::string id = NextMessageId(state);
  const std::string ts = std::to_string(NowMs());

  if (!to.empty()) {
    const char* refusal = nullptr;
    if (!state.users.Contains(to)) {
      refusal = "unknown-user";
    } else if (state.blocks.Blocks(to, me)) {
      refusal = "blocked";
    }
    if (refusal) {
      mosquitto_property_free_all(&props);
      mosquitto_log_printf(MOSQ_LOG_NOTICE, "imchat: refused direct message from %s to %s: %s",
                           me.c_str(), Printable(to).c_str(), refusal);
      nlohmann::json status = {
          {"type", "status"}, {"id", id}, {"to", to}, {"status", "refused"}, {"reason", refusal}};
      if (!ref.empty()) status["ref"] = ref;
      status["text"] =
          std::string(std::strcmp(refusal, "blocked") == 0 ? to + " does not accept your messages"
                                                           : "there is no user '" + to + "'");
      PublishJson(nullptr, SvcTopic(me), status);
      return MOSQ_ERR_ACL_DENIED;
    }
  }
  // A direct message nobody holds an inbox for is offline: held here and queued by the service.
  const bool offline = !to.empty() && InboxClients(state, to) == 0;
  UserProperties stamped = {{"id", id}, {"ts", ts}};
  if (offline) stamped.push_back({"offline", "1"});
  for (const auto& [name, value] : stamped) {
    mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, name.c_str(),
                                       value.c_str());
  }
  mosquitto_property_free_all(&ed->properties);
  ed->properties = props;

  if (!to.empty() && !offline) {
    // The recipient has a connected inbox: the message is delivered as it is
    // routed, and the sender hears so from here. (The service used to send
    // this status after archiving, a publish and its acknowledgement more per
    // message through the broker; it now only archives live messages.)
    try {
      nlohmann::json status = {{"type", "status"},
                               {"id", id},
                               {"to", to},
                               {"status", "delivered"},
                               {"text", "delivered to " + to}};
      if (!ref.empty()) status["ref"] = ref;
      PublishJson(nullptr, SvcTopic(me), status);
    } catch (const std::exception& e) {
      mosquitto_log_printf(MOSQ_LOG_WARNING, "imchat: no delivered status for %s: %s", id.c_str(),
                           e.what());
    }
  }

  if (offline) {
    PendingMessage m;
    m.id = id;
    m.topic = ed->topic;
    m.payload.assign(static_cast<const char*>(ed->payload), ed->payloadlen);
    m.user_properties = stamped;
    if (!ref.empty()) m.user_properties.push_back({"ref", ref});
    m.qos = ed->qos;
    state.pending.push_back(std::move(m));
    if (state.pending.size() > kMaxPending) {
      mosquitto_log_printf(MOSQ_LOG_WARNING,
                           "imchat: more than %zu offline messages not yet stored by the service; "
                           "no longer holding %s for resend",
                           kMaxPending, state.pending.front().id.c_str());
      state.pending.pop_front();
    }
  }
  return MOSQ_ERR_SUCCESS;
}

void ResendPending(State& state, const char* service_client_id) {
  for (const PendingMessage& m : state.pending) {
    mosquitto_property* props = nullptr;
    for (const auto& [name, value] : m.user_properties) {
      mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, name.c_str(),
                                         value.c_str());
    }
    mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, "resend", "1");
    int rc = mosquitto_broker_publish_copy(service_client_id, m.topic.c_str(),
                                           static_cast<int>(m.payload.size()), m.payload.data(),
                                           m.qos < 1 ? 1 : m.qos, false, props);
    if (rc != MOSQ_ERR_SUCCESS) mosquitto_property_free_all(&props);
  }
  if (!state.pending.empty()) {
    mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: resent %zu held offline messages to the service",
                         state.pending.size());
  }
}

void ForgetStored(State& state, const std::vector<std::string>& ids) {
  std::set<std::string> done(ids.begin(), ids.end());
  std::deque<PendingMessage> keep;
  for (auto& m : state.pending) {
    if (!done.count(m.id)) keep.push_back(std::move(m));
  }
  state.pending.swap(keep);
}

}  // namespace imchat::plugin
