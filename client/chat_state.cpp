// The client's state machine (chat_state.h): input to publishes, broker
// messages routed to the roster, the outbox and the reply formatter.
#include "chat_state.h"

#include <charconv>
#include <cstdio>
#include <random>

#include "file_topics.h"
#include "limits.h"
#include "names.h"
#include "reply_format.h"
#include "topics.h"

namespace imchat::client {

using detail::JsonInt;
using detail::JsonString;
using detail::JsonStrings;
using nlohmann::json;

namespace {

// Ids remembered for duplicate detection.
constexpr std::size_t kRecentIds = 10000;

const std::string* Prop(const Incoming& m, const char* name) {
  for (const auto& [key, value] : m.props) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::optional<std::int64_t> ParseInt(const std::string& s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string CommandLine(const Input& in) {
  switch (in.verb) {
    case Verb::kWho:
      return "who";
    case Verb::kSince:
      return "since " + std::to_string(in.seconds);
    case Verb::kUsers:
      return "users " + std::to_string(in.page);
    case Verb::kBlock:
      return "block " + in.user;
    case Verb::kUnblock:
      return "unblock " + in.user;
    case Verb::kBlocked:
      return "blocked";
    case Verb::kHistory:
      return "history " + (in.room.empty() ? in.user : "#" + in.room) + " " +
             std::to_string(in.count) + (in.before.empty() ? "" : " before " + in.before);
    case Verb::kNick:
      return in.text.empty() ? "nick" : "nick " + in.text;
    case Verb::kCreate:
      return "create " + in.room + (in.invite_only ? " invite-only" : "");
    case Verb::kJoin:
      return "join " + in.room;
    case Verb::kLeave:
      return "leave " + in.room;
    case Verb::kRooms:
      return in.all ? "rooms all " + std::to_string(in.page) : "rooms";
    case Verb::kMembers:
      return "members " + in.room;
    case Verb::kInvite:
      return "invite " + in.room + " " + in.user;
    case Verb::kKick:
      return "kick " + in.room + " " + in.user;
    case Verb::kTopic:
      return "topic " + in.room + (in.text.empty() ? "" : " " + in.text);
    default:
      return "";
  }
}

// Refs only need to be unique per run and not collide with another run's
// statuses arriving late; 32 random bits per run are plenty.
std::string RandomRefPrefix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  return buf;
}

}  // namespace

std::vector<std::string> SubscriptionsFor(const std::string& me) {
  return {SvcTopic(me),    kAllFilter,          kPresenceFilter,  kOnlineTopic,   kRoomsFilter,
          kRoomInfoFilter, DownloadsFilter(me), CarbonFilter(me), InboxFilter(me)};
}

bool IsOptionalSubscription(const std::string& filter) {
  // A server without files refuses the downloads filter; chat still works.
  return filter == kRoomsFilter || filter == kRoomInfoFilter || filter.rfind("im/down/", 0) == 0;
}

bool ForAnotherDevice(const Incoming& m, const std::string& me, const std::string& mine) {
  return !m.correlation.empty() && m.correlation != mine && m.topic == SvcTopic(me);
}

std::string RefusedSubscriptionsText(const std::vector<std::string>& refused) {
  std::string filters;
  for (const std::string& f : refused) filters += (filters.empty() ? "" : ", ") + f;
  return "rooms are not available from the server now (it refused " + filters +
         "); room messages will not arrive until you reconnect (/quit and start imchat again)";
}

ChatState::ChatState(std::string me)
    : me_(std::move(me)),
      roster_(me_),
      rooms_(me_),
      outbox_(RandomRefPrefix()),
      recent_(kRecentIds) {}

std::string ChatState::Prompt() const {
  return query_.empty() ? me_ + "> " : me_ + " -> " + query_ + "> ";
}

void ChatState::Claim(Outgoing* out) {
  if (!out->ref.empty()) return;
  const ParsedTopic t = ParseTopic(out->topic);
  if (t.kind == TopicKind::kUserTo) out->ref = outbox_.SendPrivate(t.first, out->payload);
  if (t.kind == TopicKind::kRoom) out->ref = outbox_.SendPrivate("#" + t.first, out->payload);
}

Action ChatState::OnInput(const Input& input, std::int64_t now_ms) {
  Action action;
  auto send_private = [&](const std::string& to, const std::string& text) {
    std::string ref = outbox_.SendPrivate(to, text);
    action.publish.push_back({UserToTopic(to), text, ref});
    Line echo = MakeLine(Line::Kind::kPrivateOut, now_ms, text);
    echo.from = me_;
    echo.to = to;
    action.lines.push_back(echo);
  };
  // The broker refuses bigger payloads (topics.md, "Limits"); refusing them
  // here gives a clear message instead of a PUBACK reason code.
  auto too_big = [&](const std::string& text) {
    if (text.size() <= kMaxPayloadBytes) return false;
    action.lines.push_back(MakeLine(Line::Kind::kError, now_ms,
                                    "message too long (" + std::to_string(text.size()) +
                                        " bytes; at most " + std::to_string(kMaxPayloadBytes) +
                                        "); not sent"));
    return true;
  };
  switch (input.kind) {
    case Input::Kind::kEmpty:
      return action;
    case Input::Kind::kError:
      action.lines.push_back(MakeLine(Line::Kind::kError, now_ms, input.error));
      return action;
    case Input::Kind::kText:
      if (too_big(input.text)) return action;
      if (query_.empty()) {
        action.publish.push_back({kAllTopic, input.text, ""});
      } else if (const std::string room = CurrentRoom(); !room.empty()) {
        // No echo: my own room lines come back from the broker, as broadcasts do.
        action.publish.push_back(
            {RoomTopic(room), input.text, outbox_.SendPrivate(query_, input.text)});
      } else {
        send_private(query_, input.text);
      }
      return action;
    case Input::Kind::kCommand:
      break;
  }
  switch (input.verb) {
    case Verb::kMsg:
      if (!too_big(input.text)) send_private(input.user, input.text);
      return action;
    case Verb::kAll:
      // To everyone whatever the /query target: the habit of /toall, /broadcast.
      if (!too_big(input.text)) action.publish.push_back({kAllTopic, input.text, ""});
      return action;
    case Verb::kQuery: {
      if (!input.room.empty()) {
        action.lines.push_back(EnterRoom(input.room, now_ms));
        return action;
      }
      query_ = input.user;
      std::string text = "back to everyone: what you type goes to all users";
      if (!query_.empty()) {
        text = "what you type now goes to " + query_ + " only; /query alone goes back to everyone";
      }
      action.lines.push_back(MakeLine(Line::Kind::kInfo, now_ms, text));
      return action;
    }
    case Verb::kHelp:
      for (const CommandInfo& c : ClientCommands()) {
        if (!input.text.empty() && input.text != c.name) continue;
        action.lines.push_back(MakeLine(Line::Kind::kInfo, now_ms, HelpLine(c)));
      }
      return action;
    case Verb::kQuit:
      action.quit = true;
      return action;
    default:
      break;
  }
  Input command = input;
  if ((input.verb == Verb::kLeave || input.verb == Verb::kMembers) && input.room.empty()) {
    command.room = CurrentRoom();
    if (command.room.empty()) {
      const std::string name = VerbName(input.verb);
      action.lines.push_back(
          MakeLine(Line::Kind::kError, now_ms,
                   "/" + name + " needs a room: you are not talking in one; /" + name + " <room>"));
      return action;
    }
  }
  const std::string line = CommandLine(command);
  if (line.size() > kMaxCommandBytes) {
    action.lines.push_back(MakeLine(Line::Kind::kError, now_ms,
                                    "command too long (" + std::to_string(line.size()) +
                                        " bytes; at most " + std::to_string(kMaxCommandBytes) +
                                        "); not sent"));
    return action;
  }
  action.publish.push_back({CmdTopic(me_), line, ""});
  PendingCommand pending{command.verb, command.user, command.seconds};
  pending.page = command.page;
  pending.room = command.room;
  pending.text = command.text;
  pending.all = command.all;
  outbox_.SendCommand(std::move(pending));
  return action;
}

Outgoing ChatState::AskUsersPage(std::int64_t page) {
  PendingCommand command{Verb::kUsers, "", 0, page};
  command.quiet = true;
  outbox_.SendCommand(command);
  return {CmdTopic(me_), "users " + std::to_string(page), ""};
}

std::vector<Outgoing> ChatState::FetchUsers() {
  fetched_users_ = 0;
  return {AskUsersPage(1)};
}

std::vector<Outgoing> ChatState::TakeFollowUps() {
  std::vector<Outgoing> out;
  out.swap(follow_ups_);
  return out;
}

void ChatState::OnFetchedUsers(const json& reply, std::int64_t page) {
  // An error (an old server without `users`, a database fault) just ends the
  // fetch: completion then offers the names seen, as before.
  if (!detail::JsonBool(reply, "ok").value_or(false)) return;
  auto users = reply.find("users");
  if (users == reply.end() || !users->is_array()) return;
  for (const json& u : *users) {
    const std::string name = JsonString(u, "user");
    if (fetched_users_ >= kMaxFetchedUsers) return;
    if (!IsValidUserName(name)) continue;
    roster_.Seen(name);
    ++fetched_users_;
  }
  // The page bound holds even against a server that claims endless pages
  // of nothing.
  const std::int64_t pages = detail::JsonInt(reply, "pages").value_or(0);
  const std::int64_t max_pages = static_cast<std::int64_t>(kMaxFetchedUsers) / kUsersPageSize;
  if (page < pages && page < max_pages && fetched_users_ < kMaxFetchedUsers) {
    follow_ups_.push_back(AskUsersPage(page + 1));
  }
}

std::vector<Line> ChatState::OnMessage(const Incoming& message, std::int64_t now_ms) {
  // The topic contract's own parser (core): a level that is not a valid name
  // (which the broker never delivers) makes the topic kOther, ignored here.
  const ParsedTopic topic = ParseTopic(message.topic);
  if (topic.kind == TopicKind::kOther) return {};
  const std::string* ts_prop = Prop(message, "ts");
  std::int64_t ts = now_ms;
  if (ts_prop) ts = ParseInt(*ts_prop).value_or(now_ms);

  auto chat_line = [&](Line::Kind kind, const std::string& from) -> std::vector<Line> {
    if (const std::string* id = Prop(message, "id"); id && recent_.SeenBefore(*id)) return {};
    roster_.Seen(from);
    Line line = MakeLine(kind, ts, message.payload);
    line.from = from;
    // Broadcasts and rooms show display names (<alice (Alice L.)>); private lines keep the
    // bare name.
    if (kind == Line::Kind::kBroadcast) line.display = roster_.Display(from);
    const std::string* queued = Prop(message, "queued");
    line.away = queued && *queued == "1";
    return {line};
  };

  if (topic.kind == TopicKind::kAllFrom) {
    std::vector<Line> lines = chat_line(Line::Kind::kBroadcast, topic.first);
    // While a room is current its lines show bare: a broadcast must not pass for one.
    if (!CurrentRoom().empty()) {
      for (Line& line : lines) line.context = "all";
    }
    return lines;
  }
  if (topic.kind == TopicKind::kRoomFrom) {
    std::vector<Line> lines = chat_line(Line::Kind::kBroadcast, topic.second);
    for (Line& line : lines) {
      line.to = "#" + topic.first;
      if (topic.first == CurrentRoom()) continue;
      line.context = line.to;
      rooms_.CountUnseen(topic.first);
    }
    return lines;
  }
  if (topic.kind == TopicKind::kRoomInfo) {
    std::vector<Line> lines = rooms_.OnInfo(topic.first, message.payload, message.retained, now_ms);
    if (!rooms_.IsMember(topic.first)) LeaveIfCurrent(topic.first, now_ms, &lines);
    return lines;
  }
  if (topic.kind == TopicKind::kUserToFrom && topic.first == me_) {
    return chat_line(Line::Kind::kPrivateIn, topic.second);
  }
  if (topic.kind == TopicKind::kUserToFrom && topic.second == me_) {
    // A carbon: what I sent to topic.first. Sent from here, it is already on
    // screen (its ref is ours); from another client, it shows like my own
    // sent line. The id check drops a second copy of either.
    const std::string* ref = Prop(message, "ref");
    if (ref && outbox_.IsOwnRef(*ref)) return {};
    if (const std::string* id = Prop(message, "id"); id && recent_.SeenBefore(*id)) return {};
    Line line = MakeLine(Line::Kind::kPrivateOut, ts, message.payload);
    line.from = me_;
    line.to = topic.first;
    line.elsewhere = true;
    return {line};
  }
  if (topic.kind == TopicKind::kPresence) {
    return roster_.OnPresence(topic.first, message.payload, message.retained, now_ms);
  }
  if (topic.kind == TopicKind::kOnline) {
    roster_.OnOnlineList(message.payload);
    return {};
  }
  if (topic.kind == TopicKind::kSvc && topic.first == me_) {
    return OnService(message, now_ms);
  }
  return {};
}

std::vector<Line> ChatState::OnStatus(const DeliveryStatus& s, std::int64_t now_ms) {
  // A service restart can repeat a status; one per message and state is enough.
  if (!s.id.empty() && recent_.SeenBefore("status/" + s.status + "/" + s.id)) return {};
  Line line = outbox_.OnStatus(s, now_ms);
  if (s.room.empty()) return {line};
  if (s.status == "refused") line.kind = Line::Kind::kError;
  return {line};
}

std::vector<Line> ChatState::OnService(const Incoming& message, std::int64_t now_ms) {
  json j = json::parse(message.payload, nullptr, false);
  const std::string type = JsonString(j, "type");
  if (!j.is_object() || type.empty()) {
    return {MakeLine(Line::Kind::kInfo, now_ms,
                     "unreadable message from the service: " + Snippet(message.payload, 80))};
  }
  if (type == "welcome") {
    roster_.SetOnline(JsonStrings(j, "online"));
    // Every device of mine reads im/svc/<me>: a second welcome on one connection is
    // another device signing in, not news about this one.
    if (welcomed_) return {MakeLine(Line::Kind::kInfo, now_ms, "another device of yours signed in")};
    welcomed_ = true;
    return {MakeLine(Line::Kind::kInfo, now_ms, JsonString(j, "text", "welcome"))};
  }
  if (type == "status") {
    const std::string status = JsonString(j, "status");
    DeliveryStatus one{status,
                       JsonString(j, "id"),
                       JsonString(j, "ref"),
                       JsonString(j, "to", "?"),
                       JsonString(j, "reason"),
                       JsonString(j, "text", status.empty() ? "status" : status),
                       JsonString(j, "room")};
    if (!j.contains("ids") || !j["ids"].is_array()) {
      std::vector<Line> lines = OnStatus(one, now_ms);
      // A room message everyone got live needs no line; one that some
      // members get only at their next login is worth knowing.
      if (status == "sent" && JsonInt(j, "later").value_or(1) == 0) lines.clear();
      return lines;
    }
    // Several messages to one user delivered together (topics.md): a line for each.
    const std::vector<std::string> ids = JsonStrings(j, "ids");
    const std::vector<std::string> refs = JsonStrings(j, "refs");
    std::vector<Line> lines;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      one.id = ids[i];
      one.ref = i < refs.size() ? refs[i] : "";
      for (Line& line : OnStatus(one, now_ms)) lines.push_back(std::move(line));
    }
    return lines;
  }
  if (type == "reply") {
    detail::ReplyContext context;
    context.now_ms = now_ms;
    context.utc = utc_;
    PendingCommand sent{Verb::kHelp, "", 0};
    if (std::optional<PendingCommand> taken = outbox_.TakeCommand(JsonString(j, "cmd"))) {
      if (taken->quiet) {
        OnFetchedUsers(j, taken->page);
        return {};
      }
      sent = *taken;
      context.user = sent.user;
      context.seconds = sent.seconds;
      context.room = sent.room;
      context.text = sent.text;
    }
    if (const RoomState* state = rooms_.Find(context.room)) context.room_owner = state->owner;
    context.unseen = rooms_.Unseen();
    context.current_room = CurrentRoom();
    std::vector<Line> lines = detail::FormatReply(j, context);
    for (Line& line : OnRoomReply(j, sent, now_ms)) lines.push_back(std::move(line));
    return lines;
  }
  if (type == "notice" && !JsonString(j, "room").empty()) return OnRoomNotice(j, now_ms);
  // notice, and types added later: their text is meant for the user.
  std::string text = JsonString(j, "text");
  if (text.empty()) return {};
  return {MakeLine(Line::Kind::kInfo, now_ms, text)};
}

}  // namespace imchat::client
