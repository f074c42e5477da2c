// The client's brain, without MQTT or a terminal: it turns what arrives from
// the broker into display lines and turns parsed input into publishes and
// local lines. The session (session.h) feeds it; tests drive it directly.
// It routes to its parts: the Roster (presence and names, roster.h), Rooms
// (room state and notices, rooms.h), the Outbox (statuses and replies
// matched to what was sent, outbox.h), the
// RecentIds (duplicates dropped, recent_ids.h) and FormatReply
// (reply_format.h). Not thread-safe: one thread owns it.
#ifndef IMCHAT_CLIENT_CHAT_STATE_H_
#define IMCHAT_CLIENT_CHAT_STATE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "input.h"
#include "outbox.h"
#include "recent_ids.h"
#include "render.h"
#include "rooms.h"
#include "roster.h"

namespace imchat::client {

// A message as it came from the broker.
struct Incoming {
  std::string topic;
  std::string payload;
  std::vector<std::pair<std::string, std::string>> props;  // MQTT 5 user properties
  bool retained = false;
  std::string correlation;  // MQTT 5 Correlation Data ("" = none)
};

// Something to publish (QoS 1, never retained).
struct Outgoing {
  std::string topic;  // im/all, im/user/<to>, im/room/<room>, im/cmd/<me>
  std::string payload;
  std::string ref;  // "" or the ref user property (private and room messages: matches statuses)
  // Further MQTT 5 user properties (a file message's file, name, mime, size, sha256).
  std::vector<std::pair<std::string, std::string>> props = {};
};

// What one line of input leads to.
struct Action {
  std::vector<Outgoing> publish;
  std::vector<Line> lines;  // shown at once (echo of a private message, help, errors)
  bool quit = false;
};

// The filters a client subscribes to (one SUBSCRIBE each), inbox last so the
// service's welcome and replay follow the other subscriptions.
std::vector<std::string> SubscriptionsFor(const std::string& me);

// Whether the chat can go on without `filter` (from SubscriptionsFor): the
// room filters. A broker refuses them while it has not yet got the room
// members from the service (rooms fail closed) and a server without rooms
// always does; private messages, broadcasts and commands still work.
bool IsOptionalSubscription(const std::string& filter);

// The line telling the user that `refused` (optional filters) were refused.
std::string RefusedSubscriptionsText(const std::vector<std::string>& refused);

// True when `m` answers a command another device of `me` sent (topics.md
// "Several devices"): on im/svc/<me> with correlation data other than
// `mine`, the value this client puts on its own commands. Such a message is
// not shown; one without correlation data (welcome, statuses, notices, the
// answers to an MQTT 3.1.1 tool's commands) is for every device.
bool ForAnotherDevice(const Incoming& m, const std::string& me, const std::string& mine);

class ChatState {
 public:
  explicit ChatState(std::string me);

  const std::string& me() const { return me_; }

  // The current conversation, where plain lines go: "" (everyone), a user
  // ("bob") or a room ("#dev"); /query, /join and /create change it, and
  // leaving or being removed from the room goes back to everyone. The
  // prompt shows it.
  const std::string& query() const { return query_; }
  std::string Prompt() const;  // "alice> ", "alice -> bob> " or "alice -> #dev> "

  // Turns one parsed line into publishes and local lines. now_ms stamps local lines.
  Action OnInput(const Input& input, std::int64_t now_ms);

  // Turns one received message into zero or more lines: chat messages
  // (duplicates by `id` dropped; a room's lines carry "[#room]" unless it is
  // the current conversation, and broadcasts carry "[all]" while a room is),
  // joins/leaves from presence changes and room changes from room info
  // (retained copies only set the state), statuses for messages I sent (a
  // room message's `sent` only when someone gets it later), the welcome,
  // command replies formatted from their structured fields, notices.
  std::vector<Line> OnMessage(const Incoming& message, std::int64_t now_ms);

  // Names for tab completion: everyone seen in presence or messages or
  // fetched by FetchUsers(), sorted.
  std::vector<std::string> KnownUsers() const { return roster_.KnownUsers(); }
  // Names online now, sorted.
  std::vector<std::string> OnlineUsers() const { return roster_.OnlineUsers(); }
  // The rooms I am in and open rooms seen, sorted, without '#'.
  std::vector<std::string> KnownRooms() const { return rooms_.Names(); }
  const Rooms& rooms() const { return rooms_; }
  // Tab completion of `word` typed after `before` (CompleteWord in input.h).
  std::vector<std::string> Complete(const std::string& before, const std::string& word) const;

  // Starts fetching every user's name for tab completion (interactive mode):
  // `users` page by page, quietly (no lines; AwaitingReplies() leaves them
  // out). Each reply asks for the next page through TakeFollowUps(), until
  // the last page, an error, kMaxFetchedUsers names or as many pages as
  // those names fill (kUsersPageSize a page).
  static constexpr std::size_t kMaxFetchedUsers = 10000;
  std::vector<Outgoing> FetchUsers();
  // What the state wants published because of messages received (the next
  // page of a fetch); the owner sends these after each OnMessage().
  std::vector<Outgoing> TakeFollowUps();
  // A new connection after a lost one: its welcome is this device's again.
  void OnReconnected() { welcomed_ = false; }
  // A message sent by someone else on this client's behalf (a file message from
  // FileTransfers) to a user or room: gives it a ref of this run, so its delivery
  // status names it and its carbon is not shown again as from another device.
  void Claim(Outgoing* out);

  // How many answers are still expected: command replies on im/svc/<me> plus
  // private messages without any delivery status yet (a `queued` status
  // counts as an answer). Non-interactive mode waits for this to reach 0
  // before it disconnects (bounded by its own timeout).
  std::size_t AwaitingReplies() const { return outbox_.Awaiting(); }

  // Times inside reply texts (/since "last seen", /history) in UTC instead of
  // local time; for tests, like RenderOptions::utc.
  void set_utc(bool utc) { utc_ = utc; }

 private:
  std::vector<Line> OnService(const Incoming& message, std::int64_t now_ms);
  std::vector<Line> OnStatus(const DeliveryStatus& s, std::int64_t now_ms);
  Outgoing AskUsersPage(std::int64_t page);
  void OnFetchedUsers(const nlohmann::json& reply, std::int64_t page);
  std::vector<Line> OnRoomReply(const nlohmann::json& reply, const PendingCommand& sent,
                                std::int64_t now_ms);
  std::vector<Line> OnRoomNotice(const nlohmann::json& notice, std::int64_t now_ms);
  // Makes `room` the current conversation.
  Line EnterRoom(const std::string& room, std::int64_t now_ms);
  // The current room ("" when the current conversation is not a room).
  std::string CurrentRoom() const;
  // After `room` is gone: back to everyone if it was the current conversation.
  void LeaveIfCurrent(const std::string& room, std::int64_t now_ms, std::vector<Line>* lines);

  std::string me_;
  std::string query_;
  Roster roster_;
  Rooms rooms_;
  Outbox outbox_;
  bool welcomed_ = false;  // this connection's welcome was shown
  RecentIds recent_;
  std::vector<Outgoing> follow_ups_;
  std::size_t fetched_users_ = 0;
  bool utc_ = false;
};

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_CHAT_STATE_H_
