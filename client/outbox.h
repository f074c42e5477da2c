// What the client sent and still expects an answer for: private messages by
// their `ref` (until a delivery status names them; a `queued` one is kept for
// its later `delivered`), and commands in the order they went out (replies
// come in that order). Statuses become lines that name the recipient and a
// snippet of the message. Memory is bounded: the oldest entries are forgotten.
// Not thread-safe: one thread owns it (through ChatState).
#ifndef IMCHAT_CLIENT_OUTBOX_H_
#define IMCHAT_CLIENT_OUTBOX_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "input.h"
#include "render.h"

namespace imchat::client {

// One message's delivery status (a coalesced status holds several); `text`
// is the service's wording, shown for a status this client does not know.
struct DeliveryStatus {
  std::string status, id, ref, to, reason, text;
  std::string room = "";  // a room message's status: the room (then `to` is unused)
};

// A command sent and not answered yet.
struct PendingCommand {
  Verb verb;
  std::string user;          // block/unblock/history target
  std::int64_t seconds = 0;  // since
  std::int64_t page = 0;     // users
  // Sent by the client on its own (the address book fetched for tab
  // completion): its reply shows nothing and nobody waits for it.
  bool quiet = false;
  std::string room = "";  // room commands and /history #room: the room
  std::string text = "";  // topic: the new topic ("" asks for it)
  bool all = false;       // rooms all
};

class Outbox {
 public:
  // `ref_prefix` makes this run's refs differ from another run's.
  explicit Outbox(std::string ref_prefix) : ref_prefix_(std::move(ref_prefix)) {}

  // A private message to `to` (a user, or "#room" for a room message) is
  // being sent: its new ref, awaited from now.
  std::string SendPrivate(const std::string& to, const std::string& text);
  // A command is being sent.
  void SendCommand(PendingCommand command);

  // The line for one status: with the recipient and snippet of the message
  // `s.ref` names when this client sent it.
  Line OnStatus(const DeliveryStatus& s, std::int64_t now_ms);
  // The oldest command sent whose verb is `name` (a reply answers it), and
  // forgets it and any older ones whose replies never came; nullopt if none.
  std::optional<PendingCommand> TakeCommand(const std::string& name);

  // True when `ref` is one this run made (SendPrivate): the carbon of a
  // message this client sent itself, which it already shows.
  bool IsOwnRef(const std::string& ref) const;

  // Private messages without a status yet plus commands without a reply
  // (quiet ones aside: non-interactive mode must not wait for them).
  std::size_t Awaiting() const;

 private:
  std::string ref_prefix_;
  std::uint64_t next_ref_ = 1;
  std::map<std::string, std::pair<std::string, std::string>> pending_;  // ref -> (to, snippet)
  std::deque<std::string> pending_order_;  // refs in pending_, oldest first (bounded)
  std::set<std::string> awaiting_status_;  // refs with no status yet
  std::deque<PendingCommand> commands_;    // commands sent, replies not yet seen
};

// The name of a client command verb ("who", "history"...), "" when none.
const char* VerbName(Verb verb);

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_OUTBOX_H_
