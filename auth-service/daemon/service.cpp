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
    : store_(store),
      log_(log),
      clock_(std::move(clock)),
      out_(link),
      presence_(store, out_, options.online_coalesce_ms),
      idle_(out_, log, clock_, options.idle_timeout_s),
      queue_(store, out_, log, inboxes_, options.replay_window),
      commands_(store, out_, log, clock_, presence_, blocks_, options.history_limit),
      intake_(store, out_, log, clock_, options.log_text, idle_, queue_, commands_),
      events_(store, out_, log, clock_, presence_, blocks_, idle_, inboxes_, queue_) {
  // A database that cannot be read is refused by Store::Open; a read failing
  // now is logged and the service starts from what it has.
  auto users = store_.Users();
  if (!users.ok()) log_.Log("error: presence starts empty: " + users.message());
  for (const UserRecord& u : users.ok() ? *users : std::vector<UserRecord>{}) {
    presence_.table().Seed(u.name, u.display, u.online, u.since, u.last_seen);
  }
  auto pairs = store_.Blocks();
  if (!pairs.ok()) log_.Log("error: the block set starts empty: " + pairs.message());
  if (pairs.ok()) blocks_.Replace(*pairs);
  // Sessions that began after this were never welcomed by a previous run
  // (unknown: all are welcomed, which repeats a welcome at worst).
  auto alive = store_.MetaInt("alive");
  if (!alive.ok()) log_.Log("error: every session will be welcomed: " + alive.message());
  events_.set_lost_at(alive.ok() ? *alive : 0);
}

void Service::OnConnected() {
  connected_ = true;
  ready_ = false;
  presence_.ForgetPublishedOnline();  // the broker may have lost retained state
  hello_sent_ = clock_();
  out_.Control({{"op", "hello"}});
}

void Service::OnDisconnected() {
  if (connected_) events_.set_lost_at(clock_());
  connected_ = false;
  ready_ = false;
  // Outstanding replays are abandoned; what was not acknowledged stays queued
  // and is replayed after the next sessions snapshot.
  queue_.Abandon();
}

void Service::OnMessage(const InMessage& m) {
  ParsedTopic t = ParseTopic(m.topic);
  switch (t.kind) {
    case TopicKind::kLogin:
    case TopicKind::kLogout:
    case TopicKind::kSessions: {
      json j = json::parse(m.payload, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        log_.Log("error: bad event on " + m.topic + ": " + Printable(m.payload, 120));
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
    case TopicKind::kAllFrom:
    case TopicKind::kUserToFrom:
    case TopicKind::kCmd:
      intake_.OnOldTopic(m, t);
      return;
    default:
      log_.Log("ignored message on " + Printable(m.topic, 120));
  }
}

void Service::Tick() {
  if (!connected_) return;
  std::int64_t now = clock_();
  if (!ready_ && now - hello_sent_ > 3000) {
    hello_sent_ = now;
    out_.Control({{"op", "hello"}});
  }
  if (retry_hello_at_ && now >= retry_hello_at_) {
    retry_hello_at_ = 0;
    out_.Control({{"op", "hello"}});
  }
  presence_.Tick(now);
  if (ready_ && now - alive_saved_ >= 1000) {
    alive_saved_ = now;
    store_.SetMetaInt("alive", now);
  }
  idle_.Tick(now, presence_.table());
}

bool Service::EndBatch() {
  queue_.BeforeCommit();
  Status commit = store_.Commit();
  if (!commit.ok()) {
    std::size_t unacknowledged = queue_.CommitFailed();
    log_.Log("error: database commit failed: " + commit.message() + "; " +
             std::to_string(unacknowledged) + " offline messages not acknowledged");
    // The plugin keeps unacknowledged messages and resends them after a hello.
    retry_hello_at_ = clock_() + 2000;
    return false;
  }
  queue_.Committed();
  return true;
}

}  // namespace imchat
