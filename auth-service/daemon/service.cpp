// Wiring the service's parts and routing events to them. Every handler is
// quick and non-blocking; SQLite writes are only batched here and committed
// in EndBatch().
#include "service.h"

#include <utility>

#include "names.h"
#include "topics.h"

namespace imchat {

using nlohmann::json;

Service::Service(Store& store, MqttLink& link, ServerLog& log, Clock clock, ServiceOptions options)
    : out_(link),
      env_{store, out_, log, std::move(clock)},
      presence_(env_, options.online_coalesce_ms),
      idle_(env_, options.idle_timeout_s),
      room_store_(store),
      rooms_(env_, room_store_),
      queue_(env_, inboxes_, options.replay_window),
      room_delivery_(env_, rooms_, room_store_, inboxes_, blocks_, options.replay_window,
                     options.room_replay_cap),
      commands_(env_, presence_, blocks_, rooms_, room_store_, options.history_limit),
      files_(env_, rooms_, blocks_,
             {options.files_dir, options.max_file_bytes, options.file_quota_bytes,
              options.file_expiry_ms, options.file_disk_reserve_bytes}),
      intake_(env_, options.log_text, idle_, queue_, room_delivery_, commands_),
      events_(env_, presence_, blocks_, idle_, inboxes_, queue_, rooms_, room_delivery_) {
  rooms_.Load();
  intake_.set_files(&files_);
  // A database that cannot be read is refused by Store::Open; a read failing
  // now is logged and the service starts from what it has.
  auto users = env_.store.Users();
  if (users.ok()) {
    for (const UserRecord& u : *users) {
      presence_.table().Seed(u.name, u.display, u.online, u.since, u.last_seen);
    }
  } else {
    env_.log.Log("error: presence starts empty: " + users.message());
  }
  auto pairs = env_.store.Blocks();
  if (pairs.ok()) {
    blocks_.Replace(*pairs);
  } else {
    env_.log.Log("error: the block set starts empty: " + pairs.message());
  }
  // Sessions that began after this were never welcomed by a previous run
  // (unknown: all are welcomed, which repeats a welcome at worst).
  auto alive = env_.store.MetaInt("alive");
  if (!alive.ok()) env_.log.Log("error: every session will be welcomed: " + alive.message());
  events_.set_lost_at(alive.ok() ? *alive : 0);
}

void Service::OnConnected() {
  connected_ = true;
  ready_ = false;
  presence_.ForgetPublishedOnline();  // the broker may have lost retained state
  hello_sent_ = env_.clock();
  env_.out.Control({{"op", "hello"}});
}

void Service::OnDisconnected() {
  if (connected_) events_.set_lost_at(env_.clock());
  connected_ = false;
  ready_ = false;
  // Outstanding replays are abandoned; what was not acknowledged stays queued
  // and is replayed after the next sessions snapshot.
  queue_.Abandon();
  room_delivery_.Abandon();
}

void Service::OnMessage(const InMessage& m) {
  ParsedTopic t = ParseTopic(m.topic);
  switch (t.kind) {
    case TopicKind::kLogin:
    case TopicKind::kLogout:
    case TopicKind::kSessions: {
      json j = json::parse(m.payload, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        env_.log.Log("error: bad event on " + m.topic + ": " + Printable(m.payload, 120));
        return;
      }
      if (t.kind == TopicKind::kSessions) {
        events_.OnSessions(j);
        if (!ready_) {
          ready_ = true;
          if (on_ready) on_ready();
        }
      } else if (t.kind == TopicKind::kLogout) {
        events_.OnLogout(j);
      } else {
        events_.OnLogin(j);
      }
      return;
    }
    case TopicKind::kArchive:
      intake_.OnBatch(m.payload);
      return;
    case TopicKind::kFileUp:
      files_.OnChunk(m);
      return;
    case TopicKind::kAllFrom:
    case TopicKind::kUserToFrom:
    case TopicKind::kCmd:
      intake_.OnOldTopic(m, t);
      return;
    default:
      env_.log.Log("ignored message on " + Printable(m.topic, 120));
  }
}

void Service::Tick() {
  if (!connected_) return;
  std::int64_t now = env_.clock();
  if (!ready_ && now - hello_sent_ > 3000) {
    hello_sent_ = now;
    env_.out.Control({{"op", "hello"}});
  }
  if (retry_hello_at_ && now >= retry_hello_at_) {
    retry_hello_at_ = 0;
    env_.out.Control({{"op", "hello"}});
  }
  presence_.Tick(now);
  if (ready_ && now - alive_saved_ >= 1000) {
    alive_saved_ = now;
    env_.store.SetMetaInt("alive", now);
  }
  idle_.Tick(now, presence_.table());
  files_.Tick(now);
}

bool Service::EndBatch() {
  queue_.BeforeCommit();
  room_delivery_.BeforeCommit();
  Status commit = env_.store.Commit();
  if (!commit.ok()) {
    std::size_t unacknowledged = queue_.CommitFailed();
    room_delivery_.CommitFailed();
    env_.log.Log("error: database commit failed: " + commit.message() + "; " +
                 std::to_string(unacknowledged) + " offline messages not acknowledged");
    // The plugin keeps unacknowledged messages and resends them after a hello.
    retry_hello_at_ = env_.clock() + 2000;
    return false;
  }
  queue_.Committed();
  room_delivery_.Committed();
  return true;
}

}  // namespace imchat
