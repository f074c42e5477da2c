#include "flow.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "connect_wave.h"
#include "payload.h"
#include "room_setup.h"

namespace imchat::bench {
namespace {

struct Receiver {
  LoadClient* client = nullptr;
  uint64_t expected = 0;  // next sequence number in order
};

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// Polls the daemon's archive until it holds `count` messages from sender to recipient.
bool WaitArchived(const Server& server, const std::string& sender, const std::string& recipient,
                  long count, double timeout_s, long* backlog) {
  // recipient<>'' lets SQLite use the (partial) pair index rather than scan the archive.
  const std::string sql = "SELECT count(*) FROM messages WHERE sender=" + Quote(sender) +
                          " AND recipient=" + Quote(recipient) + " AND recipient<>''";
  *backlog = count - static_cast<long>(server.DbCount(sql));
  const int64_t deadline = NowNs() + static_cast<int64_t>(timeout_s * 1e9);
  while (NowNs() < deadline) {
    if (server.DbCount(sql) >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

FlowResult RunFlow(Server& server, const FlowSpec& spec) {
  FlowResult r;
  const bool room = !spec.room.empty();
  const int receivers_n = spec.broadcast || room ? spec.subscribers : 1;
  const int first = server.TakeUsers(1 + receivers_n);
  if (spec.websocket && !server.gateway_pid()) {
    r.error = "no gateway runs beside this server";
    return r;
  }
  LoadLoop loop("127.0.0.1", spec.websocket ? server.gateway_port() : server.port(),
                spec.websocket ? "/mqtt" : "");
  LoadClient* pub = loop.Add(LoginFor(server, first));
  std::vector<Receiver> receivers(static_cast<size_t>(receivers_n));
  std::vector<LoadClient*> all{pub};
  for (int i = 0; i < receivers_n; ++i) {
    receivers[static_cast<size_t>(i)].client = loop.Add(LoginFor(server, first + 1 + i));
    all.push_back(receivers[static_cast<size_t>(i)].client);
  }
  const std::string to = spec.broadcast ? "" : receivers[0].client->name();
  const std::string topic = !room            ? PublishTopic(server, pub->name(), to)
                            : server.stack() ? RoomTopic(spec.room)
                                             : RoomFromTopic(spec.room, pub->name());
  WaveResult wave = ConnectWave(
      loop, all,
      [&](LoadClient* c) -> std::vector<std::string> {
        // A real sender reads its delivery statuses on the stack; receivers their inbox/room.
        if (c == pub) {
          return server.stack() ? std::vector<std::string>{SvcTopic(c->name())}
                                : std::vector<std::string>{};
        }
        if (room) return RoomChatFilters(c);
        return {spec.broadcast ? std::string(kBroadcastFilter) : InboxFilter(c->name())};
      },
      64, 30);
  if (!wave.ok) {
    r.error = wave.error;
    return r;
  }
  if (room && server.stack()) {
    std::vector<LoadClient*> members;
    for (const auto& rc : receivers) members.push_back(rc.client);
    if (!MakeRoom(loop, pub, members, spec.room, 60, &r.error)) return r;
  }

  r.latency_us.reserve(static_cast<size_t>(spec.messages) * receivers.size());
  uint64_t sent = 0;
  const uint64_t total = static_cast<uint64_t>(spec.messages);
  int64_t start = 0, last_delivery = 0;
  auto slowest = [&] {
    uint64_t m = total;
    for (const auto& rc : receivers) m = std::min(m, rc.expected);
    return m;
  };
  auto pump = [&] {
    const int64_t now = NowNs();
    if (start == 0) start = now;
    uint64_t low = slowest();
    while (sent < total && sent - low < spec.window) {
      if (spec.rate > 0 &&
          now < start + static_cast<int64_t>(static_cast<double>(sent) * 1e9 / spec.rate)) {
        break;
      }
      std::string body = EncodePayload({sent, NowNs()}, spec.payload);
      if (!pub->Publish(topic, body.data(), static_cast<int>(body.size()), 1)) break;
      ++sent;
    }
  };
  for (auto& rc : receivers) {
    Receiver* me = &rc;
    rc.client->on_message = [&, me](const char*, const char* payload, int len) {
      const int64_t now = NowNs();
      auto stamp = DecodePayload(payload, len);
      if (!stamp) return;  // not ours (e.g. a stray retained message)
      if (stamp->seq == me->expected) {
        ++me->expected;
      } else if (stamp->seq < me->expected) {
        ++r.duplicates;
        return;
      } else {
        ++r.out_of_order;
        r.lost += static_cast<long>(stamp->seq - me->expected);
        me->expected = stamp->seq + 1;
      }
      r.latency_us.push_back(static_cast<double>(now - stamp->sent_ns) / 1e3);
      last_delivery = now;
      if (spec.rate == 0) pump();
    };
  }
  // The daemon stopped: the broker queues the archive stream in its session meanwhile.
  const bool paused = spec.pause_daemon && server.daemon_pid() > 0;
  if (paused) kill(server.daemon_pid(), SIGSTOP);
  const double cpu0 = SelfCpuSeconds(), broker0 = CpuSeconds(server.broker_pid());
  const double daemon0 = server.daemon_pid() ? CpuSeconds(server.daemon_pid()) : 0;
  const double gateway0 = server.gateway_pid() ? CpuSeconds(server.gateway_pid()) : 0;
  const int64_t wall0 = NowNs();
  bool done = loop.RunUntil([&] { return slowest() >= total; }, spec.timeout_s, pump, 1);
  const double wall = static_cast<double>(NowNs() - wall0) / 1e9;
  r.generator_cpu = (SelfCpuSeconds() - cpu0) / wall;
  r.broker_cpu = (CpuSeconds(server.broker_pid()) - broker0) / wall;
  if (server.daemon_pid()) r.daemon_cpu = (CpuSeconds(server.daemon_pid()) - daemon0) / wall;
  if (server.gateway_pid()) {
    r.gateway_cpu_s = CpuSeconds(server.gateway_pid()) - gateway0;
    r.gateway_cpu = r.gateway_cpu_s / wall;
  }
  for (const auto& rc : receivers) r.lost += static_cast<long>(total - rc.expected);

  r.seconds = static_cast<double>(last_delivery - start) / 1e9;
  if (r.seconds > 0) {
    r.messages_per_s = static_cast<double>(total) / r.seconds;
    r.deliveries_per_s = static_cast<double>(total * receivers.size()) / r.seconds;
  }
  if (!done) {
    if (paused) kill(server.daemon_pid(), SIGCONT);
    r.error = "timed out: sent " + std::to_string(sent) + ", slowest subscriber has " +
              std::to_string(slowest());
    return r;
  }
  if (spec.wait_archive && server.stack()) {
    const int64_t resumed = NowNs();
    if (paused) kill(server.daemon_pid(), SIGCONT);
    if (!WaitArchived(server, pub->name(), to, spec.messages, spec.timeout_s, &r.archive_backlog)) {
      r.error = "the daemon did not archive every message";
      return r;
    }
    r.archive_seconds = static_cast<double>(NowNs() - (paused ? resumed : start)) / 1e9;
  }
  r.ok = r.lost == 0 && r.duplicates == 0 && r.out_of_order == 0;
  if (!r.ok) r.error = "delivery check failed";
  return r;
}

}  // namespace imchat::bench
