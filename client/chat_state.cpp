// The client's state machine (chat_state.h): input to publishes, broker
// messages to display lines.
#include "chat_state.h"

#include <charconv>
#include <cstdio>
#include <random>

#include "reply_format.h"
#include "topics.h"

namespace imchat::client {

using detail::JsonBool;
using detail::JsonInt;
using detail::JsonString;
using detail::JsonStrings;
using nlohmann::json;

namespace {

// The broker refuses bigger payloads (topics.md, "Limits"); refusing them here
// gives a clear message instead of a PUBACK reason code.
constexpr std::size_t kMaxPayload = 64 * 1024;
// Memory bounds: ids remembered for duplicate detection, private messages
// remembered for their statuses (a `queued` one may wait days for `delivered`).
constexpr std::size_t kRecentIds = 10000;
constexpr std::size_t kPendingRefs = 10000;
constexpr std::size_t kPendingCommands = 1000;

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

std::string ReasonText(const std::string& reason) {
  if (reason == "quit") return "quit";
  if (reason == "lost") return "connection lost";
  if (reason == "idle") return "idle";
  if (reason == "kicked") return "removed";
  return reason.empty() ? "offline" : reason;
}

std::string CommandLine(const Input& in) {
  switch (in.verb) {
    case Verb::kWho:
      return "who";
    case Verb::kSince:
      return "since " + std::to_string(in.seconds);
    case Verb::kBlock:
      return "block " + in.user;
    case Verb::kUnblock:
      return "unblock " + in.user;
    case Verb::kBlocked:
      return "blocked";
    case Verb::kHistory:
      return "history " + in.user + " " + std::to_string(in.count);
    case Verb::kNick:
      return in.text.empty() ? "nick" : "nick " + in.text;
    default:
      return "";
  }
}

const char* VerbName(Verb verb) {
  for (const CommandInfo& c : ClientCommands()) {
    if (c.verb == verb) return c.name.data();
  }
  return "";
}

}  // namespace

std::vector<std::string> SubscriptionsFor(const std::string& me) {
  return {SvcTopic(me), "im/all/+", "im/presence/+", kOnlineTopic, "im/user/" + me + "/+"};
}

ChatState::ChatState(std::string me) : me_(std::move(me)) {
  // Refs only need to be unique per run and not collide with another run's
  // statuses arriving late; 32 random bits per run are plenty.
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  ref_prefix_ = buf;
}

std::string ChatState::Prompt() const {
  return query_.empty() ? me_ + "> " : me_ + " -> " + query_ + "> ";
}

std::string ChatState::NextRef() { return ref_prefix_ + "-" + std::to_string(next_ref_++); }

bool ChatState::SeenBefore(const std::string& id) {
  if (!recent_ids_.insert(id).second) return true;
  recent_order_.push_back(id);
  if (recent_order_.size() > kRecentIds) {
    recent_ids_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
  return false;
}

std::size_t ChatState::AwaitingReplies() const {
  return awaiting_status_.size() + pending_cmds_.size();
}

std::vector<std::string> ChatState::KnownUsers() const {
  std::vector<std::string> out;
  for (const std::string& name : known_) {
    if (name != me_) out.push_back(name);
  }
  return out;
}

std::vector<std::string> ChatState::OnlineUsers() const {
  std::vector<std::string> out;
  for (const auto& [name, online] : online_) {
    if (online && name != me_) out.push_back(name);
  }
  return out;
}

Action ChatState::OnInput(const Input& input, std::int64_t now_ms) {
  Action action;
  auto send_private = [&](const std::string& to, const std::string& text) {
    std::string ref = NextRef();
    action.publish.push_back({"im/user/" + to, text, ref});
    pending_[ref] = {to, Snippet(text)};
    pending_order_.push_back(ref);
    awaiting_status_.insert(ref);
    while (pending_order_.size() > kPendingRefs) {
      pending_.erase(pending_order_.front());
      awaiting_status_.erase(pending_order_.front());
      pending_order_.pop_front();
    }
    Line echo = MakeLine(Line::Kind::kPrivateOut, now_ms, text);
    echo.from = me_;
    echo.to = to;
    action.lines.push_back(echo);
  };
  auto too_big = [&](const std::string& text) {
    if (text.size() <= kMaxPayload) return false;
    action.lines.push_back(MakeLine(
        Line::Kind::kError, now_ms,
        "message too long (" + std::to_string(text.size()) + " bytes; at most 65536); not sent"));
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
        action.publish.push_back({"im/all", input.text, ""});
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
    case Verb::kQuery: {
      query_ = input.user;
      std::string text = "back to the room: what you type goes to everyone";
      if (!query_.empty()) {
        text = "what you type now goes to " + query_ + " only; /query alone goes back to the room";
      }
      action.lines.push_back(MakeLine(Line::Kind::kInfo, now_ms, text));
      return action;
    }
    case Verb::kHelp:
      for (const CommandInfo& c : ClientCommands()) {
        if (!input.text.empty() && input.text != c.name) continue;
        std::string text = std::string(c.usage) + "  " + std::string(c.help);
        if (!c.alias.empty()) text += " (alias /" + std::string(c.alias) + ")";
        action.lines.push_back(MakeLine(Line::Kind::kInfo, now_ms, text));
      }
      return action;
    case Verb::kQuit:
      action.quit = true;
      return action;
    default:
      break;
  }
  action.publish.push_back({CmdTopic(me_), CommandLine(input), ""});
  pending_cmds_.push_back({input.verb, input.user, input.seconds});
  if (pending_cmds_.size() > kPendingCommands) pending_cmds_.pop_front();
  return action;
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
    if (const std::string* id = Prop(message, "id"); id && SeenBefore(*id)) return {};
    known_.insert(from);
    Line line = MakeLine(kind, ts, message.payload);
    line.from = from;
    // The room shows display names (<alice (Alice L.)>); private lines keep the bare name.
    auto display = display_.find(from);
    if (kind == Line::Kind::kBroadcast && display != display_.end()) {
      line.display = display->second;
    }
    const std::string* queued = Prop(message, "queued");
    line.away = queued && *queued == "1";
    return {line};
  };

  if (topic.kind == TopicKind::kAllFrom) return chat_line(Line::Kind::kBroadcast, topic.first);
  if (topic.kind == TopicKind::kUserToFrom && topic.first == me_) {
    return chat_line(Line::Kind::kPrivateIn, topic.second);
  }
  if (topic.kind == TopicKind::kPresence) return OnPresence(topic.first, message, now_ms);
  if (topic.kind == TopicKind::kOnline) {
    json j = json::parse(message.payload, nullptr, false);
    if (!j.is_array()) return {};
    std::set<std::string> now_online;
    for (const json& e : j) {
      if (e.is_string()) now_online.insert(e.get<std::string>());
    }
    for (auto& [name, online] : online_) online = now_online.count(name) > 0;
    for (const std::string& name : now_online) {
      online_[name] = true;
      known_.insert(name);
    }
    return {};
  }
  if (topic.kind == TopicKind::kSvc && topic.first == me_) {
    return OnService(message, now_ms);
  }
  return {};
}

std::vector<Line> ChatState::OnPresence(const std::string& name, const Incoming& message,
                                        std::int64_t now_ms) {
  if (message.payload.empty()) {  // a cleared retained presence: the user is gone
    online_.erase(name);
    display_.erase(name);
    return {};
  }
  json j = json::parse(message.payload, nullptr, false);
  std::optional<bool> online = JsonBool(j, "online");
  if (!online) return {};
  std::string display = JsonString(j, "display");
  auto old_display = display_.find(name);
  const bool display_changed =
      old_display == display_.end() ? !display.empty() : old_display->second != display;
  if (display.empty()) {
    display_.erase(name);
  } else {
    display_[name] = display;
  }
  known_.insert(name);
  auto it = online_.find(name);
  const bool was_known = it != online_.end();
  const bool was_online = was_known && it->second;
  online_[name] = *online;
  if (message.retained || name == me_) return {};
  std::int64_t ts = JsonInt(j, "since").value_or(now_ms);
  if (ts <= 0) ts = now_ms;
  if (*online && !was_online) {
    Line line = MakeLine(Line::Kind::kJoin, ts, "");
    line.from = name;
    line.display = display;
    return {line};
  }
  if (!*online && was_online) {
    Line line = MakeLine(Line::Kind::kLeave, ts, ReasonText(JsonString(j, "reason")));
    line.from = name;
    return {line};
  }
  if (*online && display_changed) {  // a /nick while online
    return {MakeLine(Line::Kind::kInfo, now_ms,
                     display.empty() ? name + " cleared their display name"
                                     : name + " is now shown as '" + display + "'")};
  }
  return {};
}

std::vector<Line> ChatState::OnStatus(const Status& s, std::int64_t now_ms) {
  // A service restart can repeat a status; one per message and state is enough.
  if (!s.id.empty() && SeenBefore("status/" + s.status + "/" + s.id)) return {};
  std::string to = s.to;
  std::string snippet;
  auto it = s.ref.empty() ? pending_.end() : pending_.find(s.ref);
  if (it != pending_.end()) {
    to = it->second.first;
    snippet = it->second.second;
    awaiting_status_.erase(s.ref);
    if (s.status != "queued") pending_.erase(it);  // "delivered" follows a "queued" later
  }
  std::string text;
  if (s.status == "delivered") {
    text = "delivered to " + to;
  } else if (s.status == "queued") {
    text = "queued for " + to + " (offline)";
  } else if (s.status == "refused") {
    text = "not delivered to " + to + ": " +
           (s.reason == "unknown-user" ? "no such user"
            : s.reason == "blocked"    ? to + " has blocked you"
                                       : (s.reason.empty() ? "refused" : s.reason));
  } else {
    text = s.text;
  }
  if (!snippet.empty()) text += ": " + snippet;
  Line line = MakeLine(Line::Kind::kStatus, now_ms, text);
  line.to = to;
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
    for (const std::string& name : JsonStrings(j, "online")) {
      online_[name] = true;
      known_.insert(name);
    }
    return {MakeLine(Line::Kind::kInfo, now_ms, JsonString(j, "text", "welcome"))};
  }
  if (type == "status") {
    const std::string status = JsonString(j, "status");
    Status one{status,
               JsonString(j, "id"),
               JsonString(j, "ref"),
               JsonString(j, "to", "?"),
               JsonString(j, "reason"),
               JsonString(j, "text", status.empty() ? "status" : status)};
    if (!j.contains("ids") || !j["ids"].is_array()) return OnStatus(one, now_ms);
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
    const std::string cmd = JsonString(j, "cmd");
    detail::ReplyContext context;
    context.now_ms = now_ms;
    context.utc = utc_;
    // Replies come in the order the commands went out; skip entries whose
    // reply never came (e.g. lost with a connection).
    for (std::size_t i = 0; i < pending_cmds_.size(); ++i) {
      if (cmd != VerbName(pending_cmds_[i].verb)) continue;
      context.user = pending_cmds_[i].user;
      context.seconds = pending_cmds_[i].seconds;
      pending_cmds_.erase(pending_cmds_.begin(), pending_cmds_.begin() + i + 1);
      break;
    }
    return detail::FormatReply(j, context);
  }
  // notice, and types added later: their text is meant for the user.
  std::string text = JsonString(j, "text");
  if (text.empty()) return {};
  return {MakeLine(Line::Kind::kInfo, now_ms, text)};
}

}  // namespace imchat::client
