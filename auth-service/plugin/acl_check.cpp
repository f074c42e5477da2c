// ACL_CHECK: the core ACL decisions for publish, delivery (read, checked per
// subscriber, which is how blocks, room membership and wide filters are
// enforced) and subscribe.
#include "acl.h"
#include "imchat_plugin.h"
#include "names.h"

namespace imchat::plugin {

namespace {
const char* AccessName(int access) {
  switch (access) {
    case MOSQ_ACL_READ:
      return "read";
    case MOSQ_ACL_WRITE:
      return "publish";
    case MOSQ_ACL_SUBSCRIBE:
      return "subscribe";
    default:
      return "access";
  }
}
}  // namespace

int OnAclCheck(int event, void* event_data, void* userdata) {
  (void)event;
  auto* ed = static_cast<mosquitto_evt_acl_check*>(event_data);
  State& state = *static_cast<State*>(userdata);
  if (ed->access != MOSQ_ACL_READ && ed->access != MOSQ_ACL_WRITE &&
      ed->access != MOSQ_ACL_SUBSCRIBE) {
    return MOSQ_ERR_SUCCESS;  // unsubscribe
  }
  const char* username = mosquitto_client_username(ed->client);
  if (!username || !ed->topic) return MOSQ_ERR_ACL_DENIED;
  Actor actor{username, username == state.options.service_user};
  AclView view{&state.blocks, &state.rooms};
  Decision d;
  if (ed->access == MOSQ_ACL_WRITE) {
    // A client we no longer track, or one being taken over, is going away: this is its will.
    const Connection* conn = FindConnection(state, ed->client);
    const bool will = !conn || !conn->logout_reason.empty();
    if (!will && !actor.service && RoomPublishDecidedAtMessage(ed->topic, ed->retain)) {
      // MESSAGE applies the same core decision (room_messages.cpp) where the
      // client's user properties are at hand: the refusal status carries its `ref`.
      return MOSQ_ERR_SUCCESS;
    }
    d = will ? CanPublishWill(actor, ed->topic, ed->retain, view)
             : CanPublish(actor, ed->topic, ed->retain, view);
  } else if (ed->access == MOSQ_ACL_READ) {
    // Mosquitto 2.0 passes no properties here; a `for` replay was noted at MESSAGE.
    d = CanRead(actor, ed->topic, view, RoomReplayFor(state, ed->payload, ed->topic));
  } else {
    d = CanSubscribe(actor, ed->topic, view);
    if (d.allowed && !actor.service && FilterCoversInbox(ed->topic, actor.name)) {
      NoteInboxSubscription(state, ed->client);
    }
  }
  if (d.allowed) return MOSQ_ERR_SUCCESS;
  // Reads are checked for every delivery; a refusal there is routine.
  mosquitto_log_printf(ed->access == MOSQ_ACL_READ ? MOSQ_LOG_DEBUG : MOSQ_LOG_NOTICE,
                       "imchat: denied %s of '%s' by '%s': %s", AccessName(ed->access),
                       Printable(ed->topic, 128).c_str(), Printable(username).c_str(),
                       d.reason.c_str());
  return MOSQ_ERR_ACL_DENIED;
}

}  // namespace imchat::plugin
