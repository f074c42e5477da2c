// Login, logout and sessions events, and the welcome.
#include "plugin_events.h"

#include <map>
#include <set>
#include <utility>

#include "names.h"

namespace imchat {

namespace {

using nlohmann::json;

std::string ConnKey(const json& j) {
  if (j.contains("conn") && j["conn"].is_number())
    return std::to_string(j["conn"].get<long long>());
  if (j.contains("conn") && j["conn"].is_string()) return j["conn"].get<std::string>();
  return j.value("client_id", std::string());
}

// " from 127.0.0.1:52814" (or the address alone); "" from a plugin that does not send it.
std::string From(const json& j) {
  std::string peer = j.value("peer", std::string());
  return peer.empty() ? "" : " from " + Printable(peer, 64);
}

}  // namespace

void PluginEvents::OnLogin(const json& j) {
  std::string user = j.value("user", std::string());
  if (!IsValidUserName(user)) return;
  std::string event = j.value("event", std::string("login"));
  if (event == "refused") {  // a refused CONNECT: logged, no presence change
    env_.log.Log("login refused: " + user + " (client " + Printable(j.value("client_id", ""), 64) +
                 ")" + From(j) + ": " + Printable(j.value("reason", ""), 160));
    return;
  }
  std::string conn = ConnKey(j);
  std::int64_t now = env_.clock();
  idle_.LoggedIn(user);
  if (event == "inbox") {
    env_.log.Log("inbox ready: " + user + " (client " + Printable(j.value("client_id", ""), 64) +
                 ")");
    if (presence_.table().Login(user, conn, now)) presence_.Changed(user);
    inboxes_.Add(user, conn);
    if (inboxes_.MarkWelcomed(user, conn)) Welcome(user);
    queue_.StartReplay(user);
    room_delivery_.StartReplay(user);
    return;
  }
  env_.log.Log("connect: " + user + " (client " + Printable(j.value("client_id", ""), 64) +
               ", conn " + conn + ", " + (j.value("clean", true) ? "clean" : "persistent") +
               " session)" + From(j));
  // A resumed persistent session that holds the inbox subscription gets its
  // own inbox event right after this login (topics.md); a session without
  // that subscription must not be replayed to, so clean=false alone is not
  // taken as "ready".
  if (presence_.table().Login(user, conn, now)) presence_.Changed(user);
}

void PluginEvents::OnLogout(const json& j) {
  std::string user = j.value("user", std::string());
  if (!IsValidUserName(user)) return;
  std::string conn = ConnKey(j);
  std::string reason = j.value("reason", std::string("lost"));
  env_.log.Log("disconnect: " + user + " (conn " + conn + ", reason " + Printable(reason, 32) +
               ")" + From(j));
  inboxes_.Remove(user, conn);
  if (presence_.table().Logout(user, conn, reason, env_.clock())) presence_.Changed(user);
}

void PluginEvents::OnSessions(const json& j) {
  std::map<std::string, std::set<std::string>> sessions;
  std::set<std::string> welcome;
  inboxes_.Clear();
  if (j.contains("sessions") && j["sessions"].is_array()) {
    for (const json& s : j["sessions"]) {
      if (!s.is_object()) continue;
      std::string user = s.value("user", std::string());
      if (!IsValidUserName(user)) continue;
      std::string conn = ConnKey(s);
      sessions[user].insert(conn);
      if (s.value("inbox", false)) {
        inboxes_.Add(user, conn);
        inboxes_.MarkWelcomed(user, conn);
        // Connections that began while the service was not listening missed
        // their welcome (lost_at_ is 0 after a service restart: all of them).
        std::int64_t since =
            s.contains("since") && s["since"].is_number() ? s["since"].get<std::int64_t>() : 0;
        if (since >= lost_at_) welcome.insert(user);
      }
    }
  }
  for (const std::string& user : presence_.table().Rebuild(sessions, env_.clock())) {
    presence_.Changed(user);
  }
  presence_.OnlineDueNow();
  env_.log.Log("sessions snapshot: " + std::to_string(sessions.size()) + " users online");
  // The plugin's block table starts empty after a broker restart.
  auto pairs = env_.store.Blocks();
  if (pairs.ok()) {
    json list = json::array();
    for (const auto& [a, b] : *pairs) list.push_back({a, b});
    env_.out.Control({{"op", "blocks"}, {"pairs", list}});
  } else {
    // An empty set would lift every block in the plugin: better send none.
    env_.log.Log("error: the block set was not sent to the plugin: " + pairs.message());
  }
  // The plugin refuses room traffic until it has the membership (after a
  // broker restart its table is empty): before any room replay.
  rooms_.SendSnapshot();
  for (const std::string& user : welcome) Welcome(user);
  // Everyone connected now has been welcomed; a later snapshot (a hello
  // retry) must not welcome them again.
  lost_at_ = env_.clock() + 1;
  for (const auto& [user, conns] : inboxes_.by_user()) {
    queue_.StartReplay(user);
    room_delivery_.StartReplay(user);
  }
}

void PluginEvents::Welcome(const std::string& user) {
  // The welcome names at most kWelcomeNames users (im/online has them all):
  // listing everyone to everyone made a login storm of n users cost O(n^2)
  // bytes (10,000 users: ~1.6 GB of welcomes, ~575 MB queued in the daemon).
  constexpr int kWelcomeNames = 100;
  constexpr int kWelcomeTextNames = 20;
  json online = json::array();
  std::string names;
  int count = 0;
  for (const std::string& u : presence_.table().OnlineNames()) {
    if (u == user || blocks_.EitherBlocks(user, u)) continue;
    if (count < kWelcomeNames) online.push_back(u);
    if (count < kWelcomeTextNames) names += (names.empty() ? "" : ", ") + u;
    ++count;
  }
  if (count > kWelcomeTextNames) {
    names += " and " + std::to_string(count - kWelcomeTextNames) + " more";
  }
  Result<int> queue_size = env_.store.QueueSize(user);
  if (!queue_size.ok()) {
    // The welcome still goes out; the replay says what is queued.
    env_.log.Log("error: welcome for " + user +
                 " without the queued count: " + queue_size.message());
  }
  int queued = queue_size.ok() ? *queue_size : 0;
  std::string text =
      "Welcome, " + user + "! Online: " + (names.empty() ? "nobody else" : names) + ".";
  if (queued > 0) {
    text += " " + std::to_string(queued) +
            (queued == 1 ? " message arrived" : " messages arrived") + " while you were away.";
  }
  env_.out.Reply(user, {{"type", "welcome"},
                        {"text", text},
                        {"online", online},
                        {"online_count", count},
                        {"queued", queued}});
}

}  // namespace imchat
