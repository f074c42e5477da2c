// Signals are blocked in every thread and polled with sigtimedwait() from the
// loop, so no handler runs concurrently with the service.
#include "runner.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "event_queue.h"
#include "mosquitto_link.h"
#include "secret_file.h"
#include "server_log.h"
#include "service.h"
#include "store.h"
#include "user_list.h"
#include "users_reload.h"

namespace imchat {

namespace {

constexpr std::int64_t kCommitEveryMs = 20;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int RunDaemon(const DaemonOptions& o) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  struct stat st;
  if (stat(o.data_dir.c_str(), &st) != 0) {
    if (mkdir(o.data_dir.c_str(), 0700) != 0) {
      std::fprintf(stderr, "imchat-service: cannot create the data directory %s: %s\n",
                   o.data_dir.c_str(), std::strerror(errno));
      return 1;
    }
  } else if (!S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "imchat-service: --data %s is not a directory\n", o.data_dir.c_str());
    return 1;
  }
  ServerLog log(o.data_dir + "/server.log");
  if (!log.ok()) {
    std::fprintf(stderr, "imchat-service: cannot write %s/server.log: %s\n", o.data_dir.c_str(),
                 std::strerror(errno));
    return 1;
  }
  Result<std::string> password = ReadSecretFile(o.service_password_file);
  if (!password.ok()) {
    log.Log("error: " + password.message());
    return 1;
  }
  std::string error;
  UsersReloader users_reloader(o.users_file, o.service_user);
  Result<UserTable> users = users_reloader.Load();
  if (!users.ok()) {
    log.Log("error: " + users.message());
    return 1;
  }
  std::string db_path = o.data_dir + "/imchat.db";
  std::unique_ptr<Store> store = Store::Open(db_path, &error);
  if (!store) {
    log.Log("error: refusing to start: database " + error +
            " (move it away to start with an empty database)");
    return 1;
  }
  log.Log("started: broker " + o.host + ":" + std::to_string(o.port) + ", database " + db_path +
          ", " + std::to_string(users->size()) + " users");

  // From here on the loop below flushes the log after every batch.
  log.set_buffered(true);
  EventQueue events;
  MosquittoLink link({o.host, o.port, o.client_id, o.service_user, *password, 10}, events);
  ServiceOptions so;
  so.idle_timeout_s = o.idle_timeout_s;
  so.log_text = o.log_text;
  so.history_limit = o.history_limit;
  so.room_replay_cap = o.room_replay_cap;
  so.files_dir = o.data_dir + "/files";
  so.max_file_bytes = o.file_max_mib * 1024 * 1024;
  so.file_quota_bytes = o.file_quota_mib * 1024 * 1024;
  so.file_expiry_ms = static_cast<std::int64_t>(o.file_expiry_days) * 86400 * 1000;
  Service service(*store, link, log, NowMs, so);
  service.SetUsers(NamesOf(*users));
  service.on_ready = [&log] { log.Raw("imchat-service: ready"); };

  bool connecting = false;
  bool connected = false;
  bool subscribing = false;
  std::int64_t next_attempt = 0;
  int backoff_ms = 200;

  // The same reload policy as the plugin's (users_reload.h), so both keep or
  // replace their tables together.
  auto apply_users = [&](Result<UserTable> fresh, const char* why) {
    if (!fresh.ok()) {
      log.Log("error: " + fresh.message());
      return;
    }
    log.Log(std::string("users reloaded (") + why + "): " + std::to_string(fresh->size()) +
            " users");
    service.SetUsers(NamesOf(*fresh));
  };

  std::int64_t last_commit = 0;
  bool running = true;
  while (running) {
    std::int64_t mono = MonoMs();
    if (!connected && !connecting && mono >= next_attempt) {
      connecting = true;
      link.Connect();
    }
    // The network runs on this thread: Poll() waits for the socket (or returns
    // at once without a connection, and the queue waits instead).
    bool polled = link.Poll(20);
    std::vector<Event> batch = events.Pop(std::chrono::milliseconds(polled ? 0 : 20), 1000);
    const bool busy = !batch.empty();
    for (Event& e : batch) {
      switch (e.kind) {
        case Event::Kind::kConnectOk:
          // Subscribe once per connection.
          if (!connecting || subscribing) break;
          subscribing = true;
          log.Log("connected to " + o.host + ":" + std::to_string(o.port) +
                  (e.code ? " (session present)" : " (new session)"));
          link.SubscribeAll();
          break;
        case Event::Kind::kSubscribed:
          connecting = false;
          subscribing = false;
          connected = true;
          backoff_ms = 200;
          service.OnConnected();
          break;
        case Event::Kind::kConnectFailed:
          if (connected) break;
          connecting = false;
          subscribing = false;
          log.Log("connect to " + o.host + ":" + std::to_string(o.port) + " failed: " + e.text +
                  "; retrying in " + std::to_string(backoff_ms) + " ms");
          next_attempt = MonoMs() + backoff_ms;
          backoff_ms = std::min(backoff_ms * 2, 3200);
          break;
        case Event::Kind::kLost:
          log.Log("disconnected from the broker: " + e.text);
          if (connected || connecting) service.OnDisconnected();
          connected = false;
          connecting = false;
          subscribing = false;
          next_attempt = MonoMs() + backoff_ms;
          break;
        case Event::Kind::kMessage:
          service.OnMessage(e.message);
          break;
        case Event::Kind::kPublished:
          service.OnPublished(e.tag, e.code);
          break;
      }
    }
    // Archive-only work (live messages) is committed at most every
    // kCommitEveryMs while events keep arriving, at once when the loop goes
    // quiet: a commit per small batch cost more than the inserts. Offline
    // messages and replays are committed at once (see CommitUrgent()).
    service.Tick();
    if (!busy || service.CommitUrgent() || MonoMs() - last_commit >= kCommitEveryMs) {
      service.EndBatch();
      last_commit = MonoMs();
    }
    link.Flush();
    link.Uncork();
    if (std::size_t dropped = link.TakeDropped()) {
      log.Log("error: " + std::to_string(dropped) +
              " publishes could not be sent and were dropped");
    }
    log.Flush();

    struct timespec zero = {0, 0};
    siginfo_t info;
    int sig;
    while ((sig = sigtimedwait(&signals, &info, &zero)) > 0) {
      if (sig == SIGHUP) {
        // logrotate's postrotate sends SIGHUP: continue in a new server.log, then reload users.
        if (Status reopened = log.Reopen(); reopened.ok()) {
          log.Log("server.log reopened (SIGHUP)");
        } else {
          log.Log("error: " + reopened.message());
        }
        apply_users(users_reloader.Reload("SIGHUP"), "SIGHUP");
      } else {
        log.Log(std::string("shutting down on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
        running = false;
      }
    }
    if (auto fresh = users_reloader.Tick()) apply_users(std::move(*fresh), "the file changed");
  }
  service.EndBatch();
  link.Disconnect();
  log.Log("stopped");
  return 0;
}

}  // namespace imchat
