#include "connect_wave.h"

#include <memory>

#include "servers.h"

namespace imchat::bench {

WaveResult ConnectWave(LoadLoop& loop, const std::vector<LoadClient*>& clients,
                       const std::function<std::vector<std::string>(LoadClient*)>& filters,
                       size_t window, double timeout_s) {
  WaveResult r;
  r.connack_ms.reserve(clients.size());
  // Shared with the callbacks, which outlive this call on the clients.
  struct State {
    size_t next = 0, active = 0, done = 0;
    bool failed = false;
    std::string error;
  };
  auto st = std::make_shared<State>();
  const int64_t start = NowNs();
  auto start_more = [&, st]() {
    while (!st->failed && st->next < clients.size() && st->active < window) {
      LoadClient* c = clients[st->next++];
      ++st->active;
      const int64_t t0 = NowNs();
      auto finish = [st, c]() {
        --st->active;
        ++st->done;
      };
      c->on_connect = [&, st, c, t0, finish](int reason) {
        r.connack_ms.push_back(static_cast<double>(NowNs() - t0) / 1e6);
        if (reason != 0) {
          st->failed = true;
          st->error = c->name() + ": CONNACK reason " + std::to_string(reason);
          return;
        }
        std::vector<std::string> f = filters(c);
        if (f.empty()) {
          finish();
        } else {
          c->on_subscribe = [finish](int) { finish(); };
          c->Subscribe(f, 1);
        }
      };
      c->on_disconnect = [st, c]() {
        if (!st->failed) st->error = c->name() + ": connection lost during login";
        st->failed = true;
      };
      if (!loop.Connect(c)) {
        st->failed = true;
        st->error = c->name() + ": connect failed locally";
      }
    }
  };
  bool done = loop.RunUntil([&] { return st->failed || st->done == clients.size(); }, timeout_s,
                            start_more, 1);
  r.seconds = static_cast<double>(NowNs() - start) / 1e9;
  for (LoadClient* c : clients) {
    c->on_connect = nullptr;
    c->on_disconnect = nullptr;
  }
  if (st->failed) {
    r.error = st->error;
  } else if (!done) {
    r.error = "login timed out: " + std::to_string(st->done) + " of " +
              std::to_string(clients.size()) + " done";
  } else {
    r.ok = true;
  }
  return r;
}

std::vector<std::string> ChatFilters(LoadClient* c) {
  return {kBroadcastFilter, InboxFilter(c->name())};
}

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

}  // namespace imchat::bench
