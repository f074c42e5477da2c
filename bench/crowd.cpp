#include "crowd.h"

#include <nlohmann/json.hpp>
#include <random>
#include <unordered_set>

#include "connect_wave.h"
#include "payload.h"

namespace imchat::bench {
namespace {

std::vector<std::string> ChatFilters(LoadClient* c) {
  return {kBroadcastFilter, InboxFilter(c->name())};
}

// Disconnects everyone cleanly and waits (bounded) for the sockets to close.
void LeaveAll(LoadLoop& loop, const std::vector<LoadClient*>& clients) {
  for (LoadClient* c : clients) {
    c->on_disconnect = nullptr;
    if (c->connected()) c->Disconnect();
  }
  loop.RunUntil(
      [&] {
        for (LoadClient* c : clients) {
          if (c->connected()) return false;
        }
        return true;
      },
      10);
}

}  // namespace

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
      if (std::string(topic) != "im/online" || all_online_at) return;
      auto list = nlohmann::json::parse(payload, payload + len, nullptr, false);
      if (!list.is_array()) return;
      online = 0;
      for (const auto& name : list) {
        if (name.is_string() && names.count(name.get<std::string>())) ++online;
      }
      if (online == names.size()) all_online_at = NowNs();
    };
    WaveResult w = ConnectWave(
        loop, {observer}, [](LoadClient*) { return std::vector<std::string>{"im/online"}; }, 1, 10);
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
  if (server.stack()) {
    if (!loop.RunUntil([&] { return all_online_at != 0; }, timeout_s)) {
      r.error = "im/online listed only " + std::to_string(online) + " of " + std::to_string(users) +
                " users";
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

ScaleResult RunScale(Server& server, int users, double chat_s, double timeout_s) {
  ScaleResult r;
  r.users = users;
  LoadLoop loop("127.0.0.1", server.port());
  std::vector<LoadClient*> clients;
  for (int i = 1; i <= users; ++i) clients.push_back(loop.Add(LoginFor(server, i)));
  for (LoadClient* c : clients) {
    c->on_message = [&](const char*, const char* payload, int len) {
      auto stamp = DecodePayload(payload, len);
      if (!stamp) return;
      ++r.chat_received;
      r.latency_us.push_back(static_cast<double>(NowNs() - stamp->sent_ns) / 1e3);
    };
  }
  WaveResult w = ConnectWave(loop, clients, ChatFilters, 200, timeout_s);
  r.login_seconds = w.seconds;
  if (!w.ok) {
    r.error = w.error;
    LeaveAll(loop, clients);
    return r;
  }
  auto measure = [&](long* broker, long* daemon) {
    *broker = RssKib(server.broker_pid());
    if (server.daemon_pid()) *daemon = RssKib(server.daemon_pid());
  };
  loop.RunUntil([] { return false; }, 1);  // let presence and retained updates settle
  measure(&r.broker_idle_kib, &r.daemon_idle_kib);

  // Chatters are users 1, 101, 201, ...; each sends one message a second, staggered.
  const int chatters = std::max(1, users / 100);
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(0, users - 1);
  const int64_t start = NowNs();
  const int64_t end = start + static_cast<int64_t>(chat_s * 1e9);
  std::vector<int64_t> next_at(static_cast<size_t>(chatters));
  for (int i = 0; i < chatters; ++i) {
    next_at[static_cast<size_t>(i)] = start + int64_t{1000000000} * i / chatters;
  }
  uint64_t seq = 0;
  auto tick = [&] {
    const int64_t now = NowNs();
    for (int i = 0; i < chatters && now < end; ++i) {
      if (now < next_at[static_cast<size_t>(i)]) continue;
      next_at[static_cast<size_t>(i)] += 1000000000;
      LoadClient* from = clients[static_cast<size_t>(i) * 100 % clients.size()];
      LoadClient* to = clients[static_cast<size_t>(pick(rng))];
      if (to == from) continue;
      std::string body = EncodePayload({seq++, now}, 64);
      if (from->Publish(PublishTopic(server, from->name(), to->name()), body.data(),
                        static_cast<int>(body.size()), 1)) {
        ++r.chat_sent;
      }
    }
  };
  loop.RunUntil([&] { return NowNs() >= end; }, chat_s + 1, tick, 2);
  loop.RunUntil([&] { return r.chat_received >= r.chat_sent; }, 10);
  measure(&r.broker_kib, &r.daemon_kib);
  r.broker_peak_kib = PeakRssKib(server.broker_pid());
  if (server.daemon_pid()) r.daemon_peak_kib = PeakRssKib(server.daemon_pid());
  LeaveAll(loop, clients);
  r.ok = r.chat_received == r.chat_sent;
  if (!r.ok) {
    r.error = "chat lost " + std::to_string(r.chat_sent - r.chat_received) + " of " +
              std::to_string(r.chat_sent);
  }
  return r;
}

}  // namespace imchat::bench
