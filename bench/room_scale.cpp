#include "room_scale.h"

#include <algorithm>

#include "connect_wave.h"
#include "room_setup.h"

namespace imchat::bench {

RoomScaleResult RunRoomScale(Server& server, int rooms, int members, double timeout_s) {
  RoomScaleResult r;
  r.rooms = rooms;
  r.members = members = std::min(members, rooms);
  const int first = server.TakeUsers(rooms);
  LoadLoop loop("127.0.0.1", server.port());
  std::vector<LoadClient*> users;
  for (int i = 0; i < rooms; ++i) users.push_back(loop.Add(LoginFor(server, first + i)));
  auto room_name = [&](int i) { return "scale" + std::to_string(first) + "-" + std::to_string(i); };
  // Raw: only the inbox now; the room subscriptions come where the stack makes its rooms.
  WaveResult w = ConnectWave(
      loop, users,
      [&](LoadClient* c) {
        return server.stack() ? RoomChatFilters(c)
                              : std::vector<std::string>{InboxFilter(c->name())};
      },
      100, timeout_s);
  if (!w.ok) {
    r.error = w.error;
    return r;
  }
  auto measure = [&](long* broker, long* daemon) {
    loop.RunUntil([] { return false; }, 1);  // let presence, room info and commits settle
    *broker = RssKib(server.broker_pid());
    if (server.daemon_pid()) *daemon = RssKib(server.daemon_pid());
  };
  measure(&r.broker_before_kib, &r.daemon_before_kib);

  const int64_t start = NowNs();
  if (server.stack()) {
    std::vector<std::pair<LoadClient*, std::string>> creates, joins;
    for (int i = 0; i < rooms; ++i) {
      creates.emplace_back(users[static_cast<size_t>(i)], "create " + room_name(i));
      for (int k = 1; k < members; ++k) {
        joins.emplace_back(users[static_cast<size_t>((i + k) % rooms)], "join " + room_name(i));
      }
    }
    if (!RunCommands(loop, creates, timeout_s, &r.error) ||
        !RunCommands(loop, joins, timeout_s, &r.error)) {
      LeaveAll(loop, users);
      return r;
    }
  } else {
    int subacks = 0;
    for (int u = 0; u < rooms; ++u) {
      std::vector<std::string> filters;
      // User u is a member of rooms u, u-1, ..., u-members+1 (wrapping around).
      for (int k = 0; k < members; ++k) {
        filters.push_back(RoomFromTopic(room_name((u - k + rooms) % rooms), "+"));
      }
      LoadClient* c = users[static_cast<size_t>(u)];
      c->on_subscribe = [&](int) { ++subacks; };
      c->Subscribe(filters, 1);
    }
    if (!loop.RunUntil([&] { return subacks >= rooms; }, timeout_s)) {
      r.error = "room subscriptions timed out";
      LeaveAll(loop, users);
      return r;
    }
  }
  r.setup_seconds = static_cast<double>(NowNs() - start) / 1e9;
  measure(&r.broker_kib, &r.daemon_kib);
  LeaveAll(loop, users);
  r.ok = true;
  return r;
}

}  // namespace imchat::bench
