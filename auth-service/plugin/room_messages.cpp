// Rooms at publish and delivery (topics.md "Rooms"): a member's publish to
// im/room/<room> is admitted here (the rewrite, stamping and archive record are
// messages.cpp's, shared with broadcasts and direct messages), a non-member's is
// refused with a status, and a service replay carrying `for=<member>` is noted
// so that the read checks of its routing deliver it to that member only.
#include <cstring>

#include "acl.h"
#include "imchat_plugin.h"
#include "names.h"
#include "topics.h"

namespace imchat::plugin {

bool RoomPublishDecidedAtMessage(const char* topic, bool retain) {
  // The prefix test first: every other publish pays one strncmp, no parse.
  return !retain && std::strncmp(topic, "im/room/", 8) == 0 &&
         ParseTopic(topic).kind == TopicKind::kRoom;
}

bool AdmitRoomMessage(State& state, const mosquitto_evt_message* ed, const std::string& me,
                      const std::string& room, const std::string& id, const std::string& ref) {
  // The same core decision ACL_CHECK makes for every other publish.
  const Decision d =
      CanPublish(Actor{me, false}, ed->topic, ed->retain, AclView{&state.blocks, &state.rooms});
  if (d.allowed) return true;
  const std::string reason = RoomRefusal(state.rooms.Access(room, me), room, "you are");
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "imchat: refused room message from %s to #%s: %s",
                       me.c_str(), room.c_str(), d.reason.c_str());
  nlohmann::json status = {
      {"type", "status"}, {"status", "refused"}, {"id", id}, {"room", room}, {"reason", reason}};
  if (!ref.empty()) status["ref"] = ref;
  status["text"] = "your message to #" + room + " was not sent: " + reason;
  PublishJson(nullptr, SvcTopic(me), status);
  return false;
}

int RoomServiceMessage(State& state, mosquitto_evt_message* ed) {
  std::optional<std::string> member = FindUserProperty(ed->properties, "for");
  if (!member) return MOSQ_ERR_SUCCESS;  // to every member
  const char* refusal = nullptr;
  if (!IsValidUserName(*member)) {
    refusal = "\"for\" is not a valid user name";
  } else if (ed->qos == 2) {
    // A QoS 2 message is routed at PUBREL, after later MESSAGE events have
    // replaced the note below: it would reach every member.
    refusal = "a replay for one member must be sent with QoS 0 or 1";
  } else if (ConnectedClients(state, *member) == 0) {
    // As for direct replays: the member left since the service decided to
    // replay, and the refusal keeps the message for their next login.
    refusal = "no connected client";
  }
  if (refusal) {
    mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: replay to %s for '%s' refused: %s", ed->topic,
                         Printable(*member).c_str(), refusal);
    return MOSQ_ERR_ACL_DENIED;
  }
  // The broker stores this payload pointer and routes the message right after
  // this callback returns; its read checks see the same pointer and topic.
  state.room_replay.active = true;
  state.room_replay.payload = ed->payload;
  state.room_replay.topic = ed->topic;
  state.room_replay.member = std::move(*member);
  return MOSQ_ERR_SUCCESS;
}

std::string_view RoomReplayFor(const State& state, const void* payload, const char* topic) {
  const RoomReplay& r = state.room_replay;
  if (!r.active || payload != r.payload || r.topic != topic) return {};
  return r.member;
}

}  // namespace imchat::plugin
