// MESSAGE (after the ACL allowed the publish): sender stamping (topic rewrite),
// direct-message and room refusals (room_messages.cpp decides the latter), the id/ts/offline user
// properties, the archive stream to the service (every chat message and command, in order), the
// offline messages held for the service, and the service's replay guard.
#include <cstring>
#include <set>

#include "imchat_plugin.h"
#include "names.h"
#include "topics.h"

namespace imchat::plugin {

namespace {

// Properties only the broker sets on chat messages.
bool IsReserved(const char* name) {
  static const std::set<std::string> kReserved = {"id", "ts", "queued", "offline", "resend", "for"};
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

// "<plugin start, base36>-<counter, 8 base36 digits>": ids of one broker run
// sort in send order (and runs by start time), so the service's id index
// grows at its end instead of taking inserts all over it.
std::string NextMessageId(State& state) {
  return state.id_prefix + "-" + Base36(state.next_message++, 8);
}

int ServiceMessage(State& state, mosquitto_evt_message* ed) {
  ParsedTopic t = ParseTopic(ed->topic);
  if (t.kind == TopicKind::kRoomFrom) return RoomServiceMessage(state, ed);
  if (t.kind == TopicKind::kUserToFrom && FindUserProperty(ed->properties, "queued") == "1" &&
      ConnectedClients(state, t.first) == 0) {
    // The recipient left since the service decided to replay: it keeps the message queued.
    mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: replay to %s refused: no connected client",
                         ed->topic);
    return MOSQ_ERR_ACL_DENIED;
  }
  if (t.kind == TopicKind::kUserToFrom && ed->qos < 2) {
    // A replay is for the recipient only: carbons are live, so the sender's
    // im/user/+/<me> must not get their old message again when bob logs in.
    // Noted like a room replay for one member (QoS 2 is routed at PUBREL,
    // after the note is gone; the service replays with QoS 1).
    state.room_replay.active = true;
    state.room_replay.payload = ed->payload;
    state.room_replay.topic = ed->topic;
    state.room_replay.member = t.first;
  }
  return MOSQ_ERR_SUCCESS;
}

void ReplaceTopic(mosquitto_evt_message* ed, const std::string& topic) {
  char* copy = mosquitto_strdup(topic.c_str());
  if (!copy) return;  // keep the old topic rather than lose the message
  mosquitto_free(ed->topic);
  ed->topic = copy;
}

// The MQTT 5 Correlation Data of a publish ("" when it has none).
std::string CorrelationData(const mosquitto_property* props) {
  void* value = nullptr;
  uint16_t len = 0;
  if (!mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &value, &len, false)) {
    return "";
  }
  std::string out(static_cast<const char*>(value), len);
  mosquitto_free(value);
  return out;
}

// A command reaches the service on the archive stream, behind every chat
// message accepted before it (so `history` right after a message includes it).
// Its correlation data travels in the record's ref, for the service to echo
// on the answers (topics.md "Several devices").
int CommandMessage(State& state, mosquitto_evt_message* ed, const std::string& me) {
  ArchiveRecord r;
  r.kind = ArchiveRecord::Kind::kCommand;
  r.ts = NowMs();
  r.from = me;
  r.ref = CorrelationData(ed->properties);
  if (ed->payload && ed->payloadlen > 0) {
    r.body.assign(static_cast<const char*>(ed->payload), ed->payloadlen);
  }
  if (ed->qos == 0) {
    // Queued behind the held records and handed over now; the original QoS 0
    // message has no subscriber and goes nowhere.
    QueueArchive(state, View(r));
    FlushArchive(state);
    return MOSQ_ERR_SUCCESS;
  }
  // QoS 1/2: this message itself becomes the batch (held records first), so it
  // is routed now, in order, and the sender's acknowledgement means the
  // service's session has it.
  std::string batch = TakeArchive(state);
  AppendArchiveRecord(&batch, r);
  void* payload = CopyForBroker(batch);
  if (!payload) return MOSQ_ERR_NOMEM;
  ReplaceTopic(ed, kArchiveTopic);
  ed->payload = payload;  // the broker frees the old payload
  ed->payloadlen = static_cast<uint32_t>(batch.size());
  return MOSQ_ERR_SUCCESS;
}

}  // namespace

int OnMessage(int event, void* event_data, void* userdata) {
  (void)event;
  auto* ed = static_cast<mosquitto_evt_message*>(event_data);
  State& state = *static_cast<State*>(userdata);
  const char* username = mosquitto_client_username(ed->client);
  if (!username || !ed->topic) return MOSQ_ERR_ACL_DENIED;
  const std::string me = username;
  // A replay noted for the previous message has been routed by now.
  state.room_replay.active = false;
  if (me == state.options.service_user) return ServiceMessage(state, ed);

  ParsedTopic t = ParseTopic(ed->topic);
  std::string to, room;
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
    case TopicKind::kRoom:  // rewritten once membership is checked below
    case TopicKind::kRoomFrom:
      room = t.first;
      break;
    case TopicKind::kCmd:
      return CommandMessage(state, ed, me);
    default:
      return MOSQ_ERR_SUCCESS;
  }
  std::string ref;
  mosquitto_property* props = CopyWithoutReserved(ed->properties, &ref);
  const std::string id = NextMessageId(state);
  const std::int64_t now = NowMs();
  const std::string ts = std::to_string(now);

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
  if (t.kind == TopicKind::kRoom) {
    if (!AdmitRoomMessage(state, ed, me, room, id, ref)) {
      mosquitto_property_free_all(&props);
      return MOSQ_ERR_ACL_DENIED;
    }
    ReplaceTopic(ed, RoomFromTopic(room, me));
  }
  // A direct message nobody holds an inbox for is offline: held here and queued by the service.
  const bool offline = !to.empty() && InboxClients(state, to) == 0;
  mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, "id", id.c_str());
  mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, "ts", ts.c_str());
  if (offline) mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, "offline", "1");
  mosquitto_property_free_all(&ed->properties);
  ed->properties = props;

  ArchiveRecordView r;
  r.kind = !room.empty() ? ArchiveRecord::Kind::kRoom
           : to.empty()  ? ArchiveRecord::Kind::kBroadcast
                         : ArchiveRecord::Kind::kDirect;
  r.offline = offline;
  r.id = id;
  r.ts = now;
  r.from = me;
  r.to = room.empty() ? to : room;
  r.ref = ref;
  if (ed->payload && ed->payloadlen > 0) {
    r.body = std::string_view(static_cast<const char*>(ed->payload), ed->payloadlen);
  }
  QueueArchive(state, r);

  // The recipient has a connected inbox: the message is delivered as it is
  // routed, and the sender hears so from here (batched per flush).
  if (!to.empty() && !offline) QueueDelivered(state, me, to, id, ref);

  if (offline) {
    state.pending.push_back({r.kind, true, false, id, now, me, to, ref, std::string(r.body)});
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
  if (state.pending.empty()) return;
  ResendArchiveTo(service_client_id, state.pending);
  mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: resent %zu held offline messages to the service",
                       state.pending.size());
}

std::optional<std::string> FindUserProperty(const mosquitto_property* props, const char* key) {
  for (const mosquitto_property* p = props; p; p = mosquitto_property_next(p)) {
    if (mosquitto_property_identifier(p) != MQTT_PROP_USER_PROPERTY) continue;
    char* name = nullptr;
    char* value = nullptr;
    if (!mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, false))
      continue;
    std::optional<std::string> found;
    if (std::strcmp(name, key) == 0) found = value;
    mosquitto_free(name);
    mosquitto_free(value);
    if (found) return found;
  }
  return std::nullopt;
}

void ForgetStored(State& state, const std::vector<std::string>& ids) {
  std::set<std::string> done(ids.begin(), ids.end());
  std::deque<ArchiveRecord> keep;
  for (auto& m : state.pending) {
    if (!done.count(m.id)) keep.push_back(std::move(m));
  }
  state.pending.swap(keep);
}

}  // namespace imchat::plugin
