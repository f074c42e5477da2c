// Event handling for the service. Every handler is quick and non-blocking;
// SQLite writes are only batched here and committed in EndBatch().
#include "service.h"

#include "names.h"
#include "topics.h"

namespace imchat {

namespace {

using nlohmann::json;

std::string Dump(const json& j) {
  // Message bodies may be invalid UTF-8; replace rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ConnKey(const json& j) {
  if (j.contains("conn") && j["conn"].is_number())
    return std::to_string(j["conn"].get<long long>());
  if (j.contains("conn") && j["conn"].is_string()) return j["conn"].get<std::string>();
  return j.value("client_id", std::string());
}

std::int64_t ParseTs(const std::string& s, std::int64_t fallback) {
  if (s.empty() || s.size() > 18) return fallback;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return fallback;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

Service::Service(Store& store, MqttLink& link, ServerLog& log, Clock clock, ServiceOptions options)
    : store_(store), link_(link), log_(log), clock_(std::move(clock)), options_(options) {
  for (const UserRecord& u : store_.Users()) {
    presence_.Seed(u.name, u.display, u.online, u.since, u.last_seen);
  }
  blocks_.Replace(store_.Blocks());
}

void Service::SetUsers(std::set<std::string, std::less<>> users) { users_ = std::move(users); }

void Service::Publish(const std::string& topic, const json& j, bool retain) {
  link_.Publish(topic, Dump(j), 1, retain, {}, 0);
}

void Service::Reply(const std::string& user, json j) { Publish(SvcTopic(user), j); }

void Service::Control(const json& j) { Publish(kControlTopic, j); }

void Service::Status(const std::string& sender, const std::string& id, const std::string& ref,
                     const std::string& to, const std::string& status, const std::string& reason) {
  json j = {{"type", "status"}, {"id", id}, {"to", to}, {"status", status}};
  if (!ref.empty()) j["ref"] = ref;
  if (!reason.empty()) j["reason"] = reason;
  j["text"] = status == "delivered" ? "delivered to " + to
              : status == "queued"  ? to + " is offline; queued for delivery"
                                    : status + " (" + reason + ")";
  Reply(sender, j);
}

void Service::OnConnected() {
  connected_ = true;
  ready_ = false;
  online_last_.clear();  // the broker may have lost retained state: publish again
  hello_sent_ = clock_();
  Control({{"op", "hello"}});
}

void Service::OnDisconnected() {
  if (connected_) lost_at_ = clock_();
  connected_ = false;
  ready_ = false;
  // Outstanding replays are abandoned; what was not acknowledged stays queued
  // and is replayed after the next sessions snapshot.
  pending_.clear();
  replays_.clear();
}

void Service::OnMessage(const InMessage& m) {
  ParsedTopic t = ParseTopic(m.topic);
  switch (t.kind) {
    case TopicKind::kLogin:
    case TopicKind::kLogout:
    case TopicKind::kSessions: {
      json j = json::parse(m.payload, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        log_.Log("error: bad event on " + m.topic + ": " + Printable(m.payload, 120));
        return;
      }
      if (t.kind == TopicKind::kSessions) {
        HandleSessions(j);
      } else if (t.kind == TopicKind::kLogout) {
        HandleLogout(j);
      } else {
        HandleLogin(j);
      }
      return;
    }
    case TopicKind::kUserToFrom:
      HandleDirect(m, t.first, t.second);
      return;
    case TopicKind::kAllFrom:
      HandleBroadcast(m, t.first);
      return;
    case TopicKind::kCmd:
      HandleCommand(t.first, m.payload);
      return;
    default:
      log_.Log("ignored message on " + Printable(m.topic, 120));
  }
}

void Service::HandleLogin(const json& j) {
  std::string user = j.value("user", std::string());
  if (!IsValidUserName(user)) return;
  std::string conn = ConnKey(j);
  std::string event = j.value("event", std::string("login"));
  std::int64_t now = clock_();
  Touch(user);
  idle_kicked_.erase(user);
  if (event == "inbox") {
    log_.Log("inbox ready: " + user + " (client " + Printable(j.value("client_id", ""), 64) + ")");
    if (presence_.Login(user, conn, now)) PresenceChanged(user);
    inbox_conns_[user].insert(conn);
    if (welcomed_conns_.insert(user + "/" + conn).second) Welcome(user);
    StartReplay(user);
    return;
  }
  log_.Log("connect: " + user + " (client " + Printable(j.value("client_id", ""), 64) + ", conn " +
           conn + ", " + (j.value("clean", true) ? "clean" : "persistent") + " session)");
  if (presence_.Login(user, conn, now)) PresenceChanged(user);
  if (!j.value("clean", true)) {
    // A resumed session already holds the inbox subscription.
    inbox_conns_[user].insert(conn);
    if (welcomed_conns_.insert(user + "/" + conn).second) Welcome(user);
    StartReplay(user);
  }
}

void Service::HandleLogout(const json& j) {
  std::string user = j.value("user", std::string());
  if (!IsValidUserName(user)) return;
  std::string conn = ConnKey(j);
  std::string reason = j.value("reason", std::string("lost"));
  log_.Log("disconnect: " + user + " (conn " + conn + ", reason " + Printable(reason, 32) + ")");
  auto it = inbox_conns_.find(user);
  if (it != inbox_conns_.end()) {
    it->second.erase(conn);
    if (it->second.empty()) inbox_conns_.erase(it);
  }
  welcomed_conns_.erase(user + "/" + conn);
  if (presence_.Logout(user, conn, reason, clock_())) PresenceChanged(user);
}

void Service::HandleSessions(const json& j) {
  std::map<std::string, std::set<std::string>> sessions;
  std::set<std::string> welcome;
  inbox_conns_.clear();
  welcomed_conns_.clear();
  if (j.contains("sessions") && j["sessions"].is_array()) {
    for (const json& s : j["sessions"]) {
      if (!s.is_object()) continue;
      std::string user = s.value("user", std::string());
      if (!IsValidUserName(user)) continue;
      std::string conn = ConnKey(s);
      sessions[user].insert(conn);
      if (s.value("inbox", false)) {
        inbox_conns_[user].insert(conn);
        welcomed_conns_.insert(user + "/" + conn);
        // Connections that began while the service was not listening missed
        // their welcome (lost_at_ is 0 after a service restart: all of them).
        std::int64_t since =
            s.contains("since") && s["since"].is_number() ? s["since"].get<std::int64_t>() : 0;
        if (since >= lost_at_) welcome.insert(user);
      }
    }
  }
  for (const std::string& user : presence_.Rebuild(sessions, clock_())) PresenceChanged(user);
  online_dirty_ = true;
  online_published_ = 0;
  log_.Log("sessions snapshot: " + std::to_string(sessions.size()) + " users online");
  // The plugin's block table starts empty after a broker restart.
  json pairs = json::array();
  for (const auto& [a, b] : store_.Blocks()) pairs.push_back({a, b});
  Control({{"op", "blocks"}, {"pairs", pairs}});
  for (const std::string& user : welcome) Welcome(user);
  for (const auto& [user, conns] : inbox_conns_) StartReplay(user);
  if (!ready_) {
    ready_ = true;
    if (on_ready) on_ready();
  }
}

void Service::HandleDirect(const InMessage& m, const std::string& to, const std::string& from) {
  std::string id = m.Prop("id");
  std::int64_t now = clock_();
  if (id.empty()) id = "svc-" + std::to_string(now) + "-" + std::to_string(next_tag_++);
  bool offline = m.Prop("offline") == "1" || m.Prop("resend") == "1";
  StoredMessage sm{0, id, from, to, ParseTs(m.Prop("ts"), now), m.payload};
  Store::AddResult r = store_.AddMessage(sm, offline);
  Touch(from);
  std::string line = "message " + from + " -> " + to + " " + std::to_string(m.payload.size()) +
                     " bytes id " + Printable(id, 40) + (offline ? " (offline)" : "");
  if (options_.log_text) line += ": " + Printable(m.payload, 200);
  if (r == Store::AddResult::kError) line += " [store error: " + store_.write_error() + "]";
  log_.Log(line);
  if (!offline) {
    if (r != Store::AddResult::kDuplicate) Status(from, id, m.Prop("ref"), to, "delivered");
    return;
  }
  if (r == Store::AddResult::kError) return;
  stored_ids_.push_back(id);
  if (r == Store::AddResult::kAdded) {
    json j = {{"sender", from}, {"id", id}, {"ref", m.Prop("ref")}, {"to", to}};
    queued_statuses_.push_back(j);
  }
  replay_candidates_.insert(to);
}

void Service::HandleBroadcast(const InMessage& m, const std::string& from) {
  std::string id = m.Prop("id");
  std::int64_t now = clock_();
  if (id.empty()) id = "svc-" + std::to_string(now) + "-" + std::to_string(next_tag_++);
  StoredMessage sm{0, id, from, "", ParseTs(m.Prop("ts"), now), m.payload};
  Store::AddResult r = store_.AddMessage(sm, false);
  Touch(from);
  std::string line = "broadcast " + from + " " + std::to_string(m.payload.size()) + " bytes id " +
                     Printable(id, 40);
  if (options_.log_text) line += ": " + Printable(m.payload, 200);
  if (r == Store::AddResult::kError) line += " [store error: " + store_.write_error() + "]";
  log_.Log(line);
}

void Service::HandleCommand(const std::string& user, const std::string& line) {
  Touch(user);
  Command cmd = ParseCommand(line);
  json reply;
  if (!cmd.error.empty()) {
    std::string error = cmd.error;
    if (error.rfind("unknown command", 0) == 0) error = error.substr(0, error.find(';'));
    reply = {
        {"type", "reply"}, {"cmd", cmd.verb}, {"ok", false}, {"error", error}, {"text", cmd.error}};
  } else {
    reply = RunCommand(user, cmd);
  }
  log_.Log("command " + user + ": " + (cmd.verb.empty() ? std::string("(empty)") : cmd.verb) +
           (reply.value("ok", false) ? " ok" : " refused: " + reply.value("text", std::string())));
  Reply(user, reply);
}

std::string Service::Display(const std::string& user) const {
  const PresenceEntry* e = presence_.Find(user);
  return e ? e->display : "";
}

bool Service::Hidden(const std::string& viewer, const std::string& user) const {
  return blocks_.EitherBlocks(viewer, user);
}

void Service::PresenceChanged(const std::string& user) {
  const PresenceEntry* e = presence_.Find(user);
  if (!e) return;
  Publish(PresenceTopic(user), presence_.PresenceJson(user), true);
  store_.SaveUser({user, e->display, e->last_seen, e->online, e->since});
  online_dirty_ = true;
}

void Service::Welcome(const std::string& user) {
  json online = json::array();
  std::string names;
  for (const std::string& u : presence_.OnlineNames()) {
    if (u == user || Hidden(user, u)) continue;
    online.push_back(u);
    names += (names.empty() ? "" : ", ") + u;
  }
  int queued = store_.QueueSize(user);
  std::string text =
      "Welcome, " + user + "! Online: " + (names.empty() ? "nobody else" : names) + ".";
  if (queued > 0) {
    text += " " + std::to_string(queued) +
            (queued == 1 ? " message arrived" : " messages arrived") + " while you were away.";
  }
  Reply(user, {{"type", "welcome"}, {"text", text}, {"online", online}, {"queued", queued}});
}

void Service::StartReplay(const std::string& user) {
  Replay& r = replays_[user];
  if (r.active) {
    r.again = true;
    return;
  }
  r = Replay{};
  r.active = true;
  PumpReplay(user);
}

void Service::PumpReplay(const std::string& user) {
  Replay& r = replays_[user];
  if (!r.active) return;
  bool exhausted = false;
  int window = options_.replay_window;
  if (!r.stopped && static_cast<int>(r.inflight.size()) < window) {
    // Messages in flight are still pending in the store: skip past them.
    std::vector<StoredMessage> batch =
        store_.Queue(user, window + static_cast<int>(r.inflight.size()));
    exhausted = true;
    for (const StoredMessage& m : batch) {
      if (r.inflight.count(m.id)) continue;
      if (static_cast<int>(r.inflight.size()) >= window) {
        exhausted = false;
        break;
      }
      std::uint64_t tag = next_tag_++;
      pending_[tag] = {user, m.id, m.sender};
      r.inflight.insert(m.id);
      link_.Publish(UserTopic(user, m.sender), m.body, 1, false,
                    {{"id", m.id}, {"ts", std::to_string(m.ts)}, {"queued", "1"}}, tag);
    }
  }
  if (r.inflight.empty() && (r.stopped || exhausted)) {
    r.active = false;
    bool again = r.again && inbox_conns_.count(user);
    if (again) StartReplay(user);
  }
}

void Service::OnPublished(std::uint64_t tag, int reason) {
  auto it = pending_.find(tag);
  if (it == pending_.end()) return;
  Pending p = it->second;
  pending_.erase(it);
  Replay& r = replays_[p.user];
  r.inflight.erase(p.id);
  if (reason == 0) {
    store_.MarkDelivered(p.id);
    log_.Log("replayed " + p.sender + " -> " + p.user + " id " + Printable(p.id, 40));
    Status(p.sender, p.id, "", p.user, "delivered");
  } else if (!r.stopped) {
    r.stopped = true;
    log_.Log("replay to " + p.user + " stopped (reason " + std::to_string(reason) +
             "); the rest stays queued");
  }
  PumpReplay(p.user);
}

bool Service::EndBatch() {
  std::string error;
  if (!store_.Commit(&error)) {
    log_.Log("error: database commit failed: " + error + "; " + std::to_string(stored_ids_.size()) +
             " offline messages not acknowledged");
    stored_ids_.clear();
    queued_statuses_.clear();
    replay_candidates_.clear();
    // The plugin keeps unacknowledged messages and resends them after a hello.
    retry_hello_at_ = clock_() + 2000;
    return false;
  }
  if (!stored_ids_.empty()) {
    for (std::size_t i = 0; i < stored_ids_.size(); i += 500) {
      json ids = json::array();
      for (std::size_t k = i; k < stored_ids_.size() && k < i + 500; ++k)
        ids.push_back(stored_ids_[k]);
      Control({{"op", "stored"}, {"ids", ids}});
    }
    stored_ids_.clear();
  }
  for (const json& q : queued_statuses_) {
    Status(q["sender"], q["id"], q["ref"], q["to"], "queued");
  }
  queued_statuses_.clear();
  std::set<std::string> candidates;
  candidates.swap(replay_candidates_);
  for (const std::string& user : candidates) {
    if (inbox_conns_.count(user)) StartReplay(user);
  }
  return true;
}

void Service::Tick() {
  if (!connected_) return;
  std::int64_t now = clock_();
  if (!ready_ && now - hello_sent_ > 3000) {
    hello_sent_ = now;
    Control({{"op", "hello"}});
  }
  if (retry_hello_at_ && now >= retry_hello_at_) {
    retry_hello_at_ = 0;
    Control({{"op", "hello"}});
  }
  if (online_dirty_ && now - online_published_ >= options_.online_coalesce_ms) {
    online_dirty_ = false;
    online_published_ = now;
    std::string payload = Dump(presence_.OnlineNames());
    if (payload != online_last_) {
      online_last_ = payload;
      link_.Publish(kOnlineTopic, payload, 1, true, {}, 0);
    }
  }
  if (options_.idle_timeout_s > 0 && now - last_idle_check_ >= 500) {
    last_idle_check_ = now;
    CheckIdle(now);
  }
}

void Service::CheckIdle(std::int64_t now) {
  for (const std::string& user : presence_.OnlineNames()) {
    auto it = last_activity_.find(user);
    std::int64_t last = it != last_activity_.end() ? it->second : presence_.Find(user)->since;
    if (now - last < std::int64_t{options_.idle_timeout_s} * 1000) continue;
    if (!idle_kicked_.insert(user).second) continue;
    log_.Log("idle timeout: " + user);
    Reply(user, {{"type", "notice"},
                 {"text", "You were idle for more than " + std::to_string(options_.idle_timeout_s) +
                              " s; disconnecting."}});
    Control({{"op", "kick"}, {"user", user}, {"reason", "idle"}});
  }
}

}  // namespace imchat
