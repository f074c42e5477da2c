#include "room_replay.h"

#include <unordered_map>

#include "connect_wave.h"
#include "drain.h"
#include "limits.h"
#include "payload.h"
#include "room_setup.h"
#include "topics.h"

namespace imchat::bench {

DrainResult RunRoomReplay(Server& server, long messages, double timeout_s) {
  DrainResult r;
  const int first = server.TakeUsers(2);
  const long cap = kRoomReplayCap;
  const long rooms_n = (messages + cap - 1) / cap;
  std::vector<std::string> rooms;
  std::unordered_map<std::string, size_t> room_index;
  for (long i = 0; i < rooms_n; ++i) {
    rooms.push_back("replay" + std::to_string(first) + "-" + std::to_string(i));
    room_index[rooms.back()] = rooms.size() - 1;
  }
  // Message k goes to room k / per_room: each room holds a consecutive range of seqs.
  const long per_room = (messages + rooms_n - 1) / rooms_n;

  LoadLoop loop("127.0.0.1", server.port());
  const ClientOptions member_options =
      server.stack() ? LoginFor(server, first + 1) : Persistent(LoginFor(server, first + 1));
  const std::string member = member_options.name;
  LoadClient* sender = loop.Add(LoginFor(server, first));
  LoadClient* once = loop.Add(member_options);
  // Both join (stack: the sender creates the rooms, the member joins them; raw: the member's
  // session subscribes), then the member leaves and the sender talks.
  WaveResult w = ConnectWave(loop, {sender, once}, RoomChatFilters, 2, 10);
  if (!w.ok) {
    r.error = w.error;
    return r;
  }
  if (server.stack()) {
    std::vector<std::pair<LoadClient*, std::string>> creates, joins;
    for (const auto& room : rooms) {
      creates.emplace_back(sender, "create " + room);
      joins.emplace_back(once, "join " + room);
    }
    if (!RunCommands(loop, creates, timeout_s, &r.error) ||
        !RunCommands(loop, joins, timeout_s, &r.error)) {
      return r;
    }
  }
  once->Disconnect();
  loop.RunUntil([&] { return !once->connected(); }, 5);
  loop.Remove(once);
  // Our socket is closed, but the broker may read the sender's first publishes before the
  // member's DISCONNECT: that message then goes live to a closing connection (and on the stack
  // counts as delivered live), which is not what this scenario measures.
  loop.RunUntil([] { return false; }, 0.3);

  const int64_t start = NowNs();
  r.error = SendBacklog(
      server, loop, sender, messages,
      [&](long i) {
        const std::string& room = rooms[static_cast<size_t>(i / per_room)];
        return server.stack() ? RoomTopic(room) : RoomFromTopic(room, sender->name());
      },
      "SELECT count(*) FROM room_messages WHERE sender='" + sender->name() +
          "' AND room LIKE 'replay" + std::to_string(first) + "-%'",
      timeout_s);
  if (!r.error.empty()) return r;
  r.queue_seconds = static_cast<double>(NowNs() - start) / 1e9;

  LoadClient* reader = loop.Add(member_options);
  std::vector<long> expected(rooms.size());
  for (size_t i = 0; i < rooms.size(); ++i) expected[i] = static_cast<long>(i) * per_room;
  long received = 0;
  int64_t last = 0;
  reader->on_message = [&](const char* topic, const char* payload, int len) {
    auto stamp = DecodePayload(payload, len);
    if (!stamp) return;  // the service's notices and replies
    auto it = room_index.find(ParseTopic(topic).first);
    if (it == room_index.end()) return;
    long& want = expected[it->second];
    const long seq = static_cast<long>(stamp->seq);
    if (seq < want) {
      ++r.duplicates;
      return;
    }
    if (seq > want) {
      ++r.out_of_order;
      r.lost += seq - want;
    }
    want = seq + 1;
    ++received;
    last = NowNs();
  };
  const int64_t login = NowNs();
  w = ConnectWave(loop, {reader}, RoomChatFilters, 1, 10);
  if (!w.ok) {
    r.error = w.error;
    return r;
  }
  bool done = loop.RunUntil([&] { return received + r.lost >= messages; }, timeout_s);
  r.drain_seconds = static_cast<double>(last - login) / 1e9;
  for (size_t i = 0; i < rooms.size(); ++i) {
    const long end = std::min(messages, static_cast<long>(i + 1) * per_room);
    if (expected[i] < end) r.lost += end - expected[i];
  }
  if (!done) {
    r.error = "room replay timed out after " + std::to_string(received) + " messages";
    return r;
  }
  r.ok = r.lost == 0 && r.duplicates == 0 && r.out_of_order == 0;
  if (!r.ok) {
    r.error = "delivery check failed: " + std::to_string(r.lost) + " lost, " +
              std::to_string(r.duplicates) + " duplicates, " + std::to_string(r.out_of_order) +
              " out of order";
  }
  return r;
}

}  // namespace imchat::bench
