// The scale run. libmosquitto spends three file descriptors per client (the socket and an
// internal socketpair), so 10,000 clients do not fit one process's open-files limit: idle
// users beyond kUsersPerProcess are held by forked helper processes, which report how many
// chat messages their users received over a pipe.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "connect_wave.h"
#include "crowd.h"
#include "payload.h"

namespace imchat::bench {
namespace {

constexpr int kUsersPerProcess = 4000;
constexpr int64_t kReady = -1, kFailed = -2;

// A forked process holding users [first, last] connected until told to stop.
struct Helper {
  pid_t pid = 0;
  int from_child = -1;  // int64 messages: kReady/kFailed, then received counts
  int to_child = -1;    // closing it tells the child to leave
  bool ready = false, failed = false;
  int64_t received = 0;
};

[[noreturn]] void HelperMain(const Server& server, int first, int last, int out, int in) {
  LoadLoop loop("127.0.0.1", server.port());
  std::vector<LoadClient*> clients;
  int64_t received = 0;
  for (int i = first; i <= last; ++i) {
    clients.push_back(loop.Add(LoginFor(server, i)));
    clients.back()->on_message = [&](const char*, const char* p, int len) {
      if (DecodePayload(p, len)) ++received;
    };
  }
  WaveResult w = ConnectWave(loop, clients, ChatFilters, 200, 300);
  int64_t status = w.ok ? kReady : kFailed;
  if (write(out, &status, sizeof status) < 0) _exit(1);
  bool stop = false;
  int64_t last_report = 0;
  loop.RunUntil([&] { return stop; }, 3600,
                [&] {
                  pollfd p{in, POLLIN, 0};
                  if (poll(&p, 1, 0) > 0) stop = true;  // EOF: the parent is done
                  if (NowNs() - last_report > 100000000) {
                    last_report = NowNs();
                    if (write(out, &received, sizeof received) < 0) stop = true;
                  }
                },
                5);
  LeaveAll(loop, clients);
  _exit(0);
}

Helper StartHelper(const Server& server, int first, int last) {
  int up[2], down[2];
  Helper h;
  if (pipe(up) != 0 || pipe(down) != 0) {
    h.failed = true;
    return h;
  }
  h.pid = fork();
  if (h.pid == 0) {
    close(up[0]);
    close(down[1]);
    HelperMain(server, first, last, up[1], down[0]);
  }
  close(up[1]);
  close(down[0]);
  h.from_child = up[0];
  h.to_child = down[1];
  fcntl(h.from_child, F_SETFL, O_NONBLOCK);
  return h;
}

void Poll(Helper* h) {
  int64_t v;
  while (read(h->from_child, &v, sizeof v) == sizeof v) {
    if (v == kReady) {
      h->ready = true;
    } else if (v == kFailed) {
      h->failed = true;
    } else {
      h->received = v;
    }
  }
}

void StopHelper(Helper* h) {
  if (h->pid <= 0) return;
  close(h->to_child);
  for (int i = 0; i < 300 && waitpid(h->pid, nullptr, WNOHANG) == 0; ++i) usleep(50000);
  kill(h->pid, SIGKILL);
  waitpid(h->pid, nullptr, 0);
  close(h->from_child);
}

// Newest first: a helper holds copies of the pipes of the helpers forked before it, so an
// older helper sees the end of its pipe only once the newer ones have exited.
void StopHelpers(std::vector<Helper>* helpers) {
  for (auto it = helpers->rbegin(); it != helpers->rend(); ++it) StopHelper(&*it);
}

}  // namespace

ScaleResult RunScale(Server& server, int users, double chat_s, double timeout_s) {
  ScaleResult r;
  r.users = users;
  const int own = std::min(users, kUsersPerProcess);
  std::vector<Helper> helpers;
  for (int first = own + 1; first <= users; first += kUsersPerProcess) {
    helpers.push_back(StartHelper(server, first, std::min(users, first + kUsersPerProcess - 1)));
  }
  LoadLoop loop("127.0.0.1", server.port());
  std::vector<LoadClient*> clients;
  for (int i = 1; i <= own; ++i) clients.push_back(loop.Add(LoginFor(server, i)));
  for (LoadClient* c : clients) {
    c->on_message = [&](const char*, const char* payload, int len) {
      auto stamp = DecodePayload(payload, len);
      if (!stamp) return;
      ++r.chat_received;
      r.latency_us.push_back(static_cast<double>(NowNs() - stamp->sent_ns) / 1e3);
    };
  }
  const int64_t t0 = NowNs();
  WaveResult w = ConnectWave(loop, clients, ChatFilters, 200, timeout_s);
  auto helpers_state = [&](bool* failed) {
    bool all = true;
    for (Helper& h : helpers) {
      Poll(&h);
      *failed = *failed || h.failed;
      all = all && h.ready;
    }
    return all;
  };
  bool helper_failed = false;
  if (w.ok) {
    loop.RunUntil([&] { return helpers_state(&helper_failed) || helper_failed; }, timeout_s);
  }
  r.login_seconds = static_cast<double>(NowNs() - t0) / 1e9;
  bool all_ready = helpers_state(&helper_failed);
  if (!w.ok || helper_failed || !all_ready) {
    r.error = !w.ok ? w.error : "a helper process could not log in its users";
    LeaveAll(loop, clients);
    StopHelpers(&helpers);
    return r;
  }
  auto measure = [&](long* broker, long* daemon) {
    *broker = RssKib(server.broker_pid());
    if (server.daemon_pid()) *daemon = RssKib(server.daemon_pid());
  };
  loop.RunUntil([] { return false; }, 1);  // let presence and retained updates settle
  measure(&r.broker_idle_kib, &r.daemon_idle_kib);

  // 1 % of all users chat (taken from this process's users), one message a second each,
  // staggered, to random users anywhere.
  const int chatters = std::max(1, std::min(own, users / 100));
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(1, users);
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
      LoadClient* from = clients[static_cast<size_t>(i) * clients.size() / chatters];
      std::string to = UserName(pick(rng));
      if (to == from->name()) continue;
      std::string body = EncodePayload({seq++, now}, 64);
      if (from->Publish(PublishTopic(server, from->name(), to), body.data(),
                        static_cast<int>(body.size()), 1)) {
        ++r.chat_sent;
      }
    }
  };
  loop.RunUntil([&] { return NowNs() >= end; }, chat_s + 1, tick, 2);
  auto total_received = [&] {
    long n = r.chat_received;
    for (Helper& h : helpers) {
      Poll(&h);
      n += static_cast<long>(h.received);
    }
    return n;
  };
  loop.RunUntil([&] { return total_received() >= r.chat_sent; }, 10, [] {}, 20);
  measure(&r.broker_kib, &r.daemon_kib);
  r.broker_peak_kib = PeakRssKib(server.broker_pid());
  if (server.daemon_pid()) r.daemon_peak_kib = PeakRssKib(server.daemon_pid());
  const long received = total_received();
  LeaveAll(loop, clients);
  StopHelpers(&helpers);
  r.chat_received = received;
  r.ok = received == r.chat_sent;
  if (!r.ok) {
    r.error = "chat delivered " + std::to_string(received) + " of " + std::to_string(r.chat_sent);
  }
  return r;
}

}  // namespace imchat::bench
