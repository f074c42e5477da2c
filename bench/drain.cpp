#include "drain.h"

#include "connect_wave.h"
#include "payload.h"

namespace imchat::bench {

ClientOptions Persistent(ClientOptions o) {
  o.clean_start = false;
  o.session_expiry_s = 3600;
  return o;
}

std::string SendBacklog(Server& server, LoadLoop& loop, LoadClient* sender, long messages,
                        const std::function<std::string(long)>& topic_of,
                        const std::string& stored_sql, double timeout_s) {
  long sent = 0, acked = 0;
  sender->on_publish = [&](int) { ++acked; };
  auto pump = [&] {
    while (sent < messages && sent - acked < 500) {
      const std::string topic = topic_of(sent);
      std::string body = EncodePayload({static_cast<uint64_t>(sent), NowNs()}, 64);
      if (!sender->Publish(topic, body.data(), static_cast<int>(body.size()), 1)) break;
      ++sent;
    }
  };
  const bool done = loop.RunUntil([&] { return acked >= messages; }, timeout_s, pump);
  sender->on_publish = nullptr;
  if (!done) return "sending the backlog timed out";
  if (server.stack() && !loop.RunUntil([&] { return server.DbCount(stored_sql) >= messages; },
                                       timeout_s, [] {}, 10)) {
    return "the service did not store every message";
  }
  return "";
}

DrainResult RunDrain(Server& server, long messages, double timeout_s) {
  DrainResult r;
  const int first = server.TakeUsers(2);
  LoadLoop loop("127.0.0.1", server.port());
  const ClientOptions recipient_options =
      server.stack() ? LoginFor(server, first + 1) : Persistent(LoginFor(server, first + 1));
  const std::string recipient = recipient_options.name;
  auto inbox = [&](LoadClient*) { return std::vector<std::string>{InboxFilter(recipient)}; };

  if (!server.stack()) {
    // Create the persistent session with its subscription, then leave.
    LoadClient* once = loop.Add(recipient_options);
    WaveResult w = ConnectWave(loop, {once}, inbox, 1, 10);
    if (!w.ok) {
      r.error = w.error;
      return r;
    }
    once->Disconnect();
    loop.RunUntil([&] { return !once->connected(); }, 5);
    loop.Remove(once);
  }

  LoadClient* sender = loop.Add(LoginFor(server, first));
  WaveResult w = ConnectWave(
      loop, {sender}, [](LoadClient*) { return std::vector<std::string>{}; }, 1, 10);
  if (!w.ok) {
    r.error = w.error;
    return r;
  }
  const std::string topic = PublishTopic(server, sender->name(), recipient);
  const int64_t start = NowNs();
  r.error = SendBacklog(
      server, loop, sender, messages, [&](long) { return topic; },
      "SELECT count(*) FROM messages WHERE pending=1 AND recipient='" + recipient + "'", timeout_s);
  if (!r.error.empty()) return r;
  r.queue_seconds = static_cast<double>(NowNs() - start) / 1e9;

  LoadClient* reader = loop.Add(recipient_options);
  uint64_t expected = 0;
  int64_t last = 0;
  reader->on_message = [&](const char*, const char* payload, int len) {
    auto stamp = DecodePayload(payload, len);
    if (!stamp) return;
    if (stamp->seq < expected) {
      ++r.duplicates;
      return;
    }
    if (stamp->seq > expected) {
      ++r.out_of_order;
      r.lost += static_cast<long>(stamp->seq - expected);
    }
    expected = stamp->seq + 1;
    last = NowNs();
  };
  const int64_t login = NowNs();
  w = ConnectWave(loop, {reader}, inbox, 1, 10);
  if (!w.ok) {
    r.error = w.error;
    return r;
  }
  bool done = loop.RunUntil([&] { return expected >= static_cast<uint64_t>(messages); }, timeout_s);
  r.drain_seconds = static_cast<double>(last - login) / 1e9;
  r.lost += messages - static_cast<long>(expected);
  if (!done) {
    r.error = "drain timed out after " + std::to_string(expected) + " messages";
    return r;
  }
  r.ok = r.lost == 0 && r.duplicates == 0 && r.out_of_order == 0;
  if (!r.ok) r.error = "delivery check failed";
  return r;
}

}  // namespace imchat::bench
