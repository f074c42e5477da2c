#include "crowd.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

#include "connect_wave.h"
#include "payload.h"

namespace imchat::bench {
StormResult RunStorm(Server& server, int users, size_t window, double timeout_s) {
  StormResult r;
  LoadLoop loop("127.0.0.1", server.port());
  const int observer_user = server.TakeUsers(1);
  const int first = server.TakeUsers(users);
  std::unordered_set<std::string> names;
  std::vector<LoadClient*> clients;
  for (int i = 0; i < users; ++i) {
    clients.push_back(loop.Add(LoginFor(server, first + i)));
    names.insert(clients.back()->name());
  }
  size_t online = 0;
  int64_t all_online_at = 0;
  if (server.stack()) {
    LoadClient* observer = loop.Add(LoginFor(server, observer_user));
    observer->on_message = [&](const char* topic, const char* payload, int len) {
      if (std::string(topic) != kOnlineTopic || all_online_at) return;
      auto list = nlohmann::json::parse(payload, payload + len, nullptr, false);
      if (!list.is_array()) return;
      online = 0;
      for (const auto& name : list) {
        if (name.is_string() && names.count(name.get<std::string>())) ++online;
      }
      if (online == names.size()) all_online_at = NowNs();
    };
    WaveResult w = ConnectWave(
        loop, {observer}, [](LoadClient*) { return std::vector<std::string>{kOnlineTopic}; }, 1,
        10);
    if (!w.ok) {
      r.error = "observer: " + w.error;
      return r;
    }
  }
  const int64_t start = NowNs();
  WaveResult w = ConnectWave(loop, clients, ChatFilters, window, timeout_s);
  r.connack_ms = w.connack_ms;
  r.login_seconds = w.seconds;
  if (!w.ok) {
    r.error = w.error;
    return r;
  }
  r.logged_in = true;
  if (server.stack()) {
    if (!loop.RunUntil([&] { return all_online_at != 0; }, timeout_s)) {
      r.error = std::string(kOnlineTopic) + " listed only " + std::to_string(online) + " of " +
                std::to_string(users) + " users";
      LeaveAll(loop, clients);
      return r;
    }
    r.online_seconds = static_cast<double>(all_online_at - start) / 1e9;
  } else {
    r.online_seconds = r.login_seconds;
  }
  LeaveAll(loop, clients);
  r.ok = true;
  return r;
}

}  // namespace imchat::bench
