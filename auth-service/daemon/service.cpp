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

}  // namespace

Service::Service(Store& store, MqttLink& link, ServerLog& log, Clock clock, ServiceOptions options)
    : store_(store), link_(link), log_(log), clock_(std::move(clock)), options_(options) {
  for (const UserRecord& u : store_.Users()) {
    presence_.Seed(u.name, u.display, u.online, u.since, u.last_seen);
  }
  blocks_.Replace(store_.Blocks());
  // Sessions that began after this were never welcomed by a previous run.
  lost_at_ = store_.MetaInt("alive");
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
    case TopicKind::kArchive:
      HandleArchive(m.payload);
      return;
    case TopicKind::kAllFrom:
    case TopicKind::kUserToFrom:
    case TopicKind::kCmd:
      HandleOldTopic(m, t);
      return;
    default:
      log_.Log("ignored message on " + Printable(m.topic, 120));
  }
}

void Service::HandleLogin(const json& j) {
  std::string user = j.value("user", std::string());
  if (!IsValidUserName(user)) return;
  std::string event = j.value("event", std::string("login"));
  if (event == "refused") {  // a refused CONNECT: logged, no presence change
    log_.Log("login refused: " + user + " (client " + Printable(j.value("client_id", ""), 64) +
             "): " + Printable(j.value("reason", ""), 160));
    return;
  }
  std::string conn = ConnKey(j);
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
  // A resumed persistent session that holds the inbox subscription gets its
  // own inbox event right after this login (topics.md); a session without
  // that subscription must not be replayed to, so clean=false alone is not
  // taken as "ready".
  if (presence_.Login(user, conn, now)) PresenceChanged(user);
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
  // Everyone connected now has been welcomed; a later snapshot (a hello
  // retry) must not welcome them again.
  lost_at_ = clock_() + 1;
  for (const auto& [user, conns] : inbox_conns_) StartReplay(user);
  if (!ready_) {
    ready_ = true;
    if (on_ready) on_ready();
  }
}

void Service::HandleArchive(const std::string& batch) {
  std::vector<ArchiveRecord> records;
  std::string error;
  if (!DecodeArchiveBatch(batch, &records, &error)) {
    log_.Log("error: damaged archive batch (" + error + "); " + std::to_string(records.size()) +
             " records before the damage kept");
  }
  for (const ArchiveRecord& r : records) {
    switch (r.kind) {
      case ArchiveRecord::Kind::kBroadcast:
        HandleBroadcast(r);
        break;
      case ArchiveRecord::Kind::kDirect:
        HandleDirect(r);
        break;
      case ArchiveRecord::Kind::kCommand:
        HandleCommand(r.from, r.body);
        break;
    }
  }
}

void Service::HandleOldTopic(const InMessage& m, const ParsedTopic& t) {
  if (t.kind == TopicKind::kCmd) {
    HandleCommand(t.first, m.payload);
    return;
  }
  ArchiveRecord r;
  r.body = m.payload;
  r.id = m.Prop("id");
  if (r.id.empty()) return;  // not stamped by the plugin: not a message it accepted
  r.kind = t.kind == TopicKind::kAllFrom ? ArchiveRecord::Kind::kBroadcast
                                         : ArchiveRecord::Kind::kDirect;
  r.ts = ParseTimestamp(m.Prop("ts"), clock_());
  r.from = t.kind == TopicKind::kAllFrom ? t.first : t.second;
  if (t.kind == TopicKind::kUserToFrom) r.to = t.first;
  r.offline = m.Prop("offline") == "1";
  r.resend = m.Prop("resend") == "1";
  r.ref = m.Prop("ref");
  log_.Log("message on " + Printable(m.topic, 120) + " from the session of an older version");
  if (r.kind == ArchiveRecord::Kind::kDirect) {
    HandleDirect(r);
  } else {
    HandleBroadcast(r);
  }
}

void Service::HandleBroadcast(const ArchiveRecord& m) {
  StoredMessage sm{0, m.id, m.from, "", m.ts, m.body, ""};
  Store::AddResult r = store_.AddMessage(sm, false);
  Touch(m.from);
  std::string line = "broadcast " + m.from + " " + std::to_string(m.body.size()) + " bytes id " +
                     Printable(m.id, 40);
  if (options_.log_text) line += ": " + Printable(m.body, 200);
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
  // The welcome names at most kWelcomeNames users (im/online has them all):
  // listing everyone to everyone made a login storm of n users cost O(n^2)
  // bytes (10,000 users: ~1.6 GB of welcomes, ~575 MB queued in the daemon).
  constexpr int kWelcomeNames = 100;
  constexpr int kWelcomeTextNames = 20;
  json online = json::array();
  std::string names;
  int count = 0;
  for (const std::string& u : presence_.OnlineNames()) {
    if (u == user || Hidden(user, u)) continue;
    if (count < kWelcomeNames) online.push_back(u);
    if (count < kWelcomeTextNames) names += (names.empty() ? "" : ", ") + u;
    ++count;
  }
  if (count > kWelcomeTextNames) {
    names += " and " + std::to_string(count - kWelcomeTextNames) + " more";
  }
  int queued = store_.QueueSize(user);
  std::string text =
      "Welcome, " + user + "! Online: " + (names.empty() ? "nobody else" : names) + ".";
  if (queued > 0) {
    text += " " + std::to_string(queued) +
            (queued == 1 ? " message arrived" : " messages arrived") + " while you were away.";
  }
  Reply(user, {{"type", "welcome"},
               {"text", text},
               {"online", online},
               {"online_count", count},
               {"queued", queued}});
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
  if (ready_ && now - alive_saved_ >= 1000) {
    alive_saved_ = now;
    store_.SetMetaInt("alive", now);
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
