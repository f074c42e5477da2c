// What the plugin sends in batches, flushed at TICK: the archive stream to
// the service (im/archive, see archive_stream.h) and the `delivered` statuses
// of live direct messages.
//
// Why batches: the broker reads one packet per client per loop iteration, and
// each message it writes costs a system call. A status per message doubled the
// sender's packets (its PUBACK shared the read slots with its PUBLISHes) and
// the service's own copy of every message cost a delivery and a PUBACK; the
// private-message rate was a third of plain Mosquitto's. Now what arrives
// within a millisecond of the last flush waits for the first TICK a
// millisecond after it; a message after a quiet millisecond goes at the next
// TICK, as quick as before.
//
// The broker runs TICK after each loop iteration, but an idle broker sleeps up
// to 100 ms in epoll_wait: the end of a burst would wait that long. So while
// work is held, a one-shot timer sends the broker a real-time signal when the
// millisecond is up; the signal (its handler does nothing) ends epoll_wait
// early, which Mosquitto does not block for signals other than INT, TERM,
// HUP, USR1 and USR2. Without a free signal the 100 ms bound remains.
#include <signal.h>
#include <time.h>

#include <algorithm>

#include "imchat_plugin.h"
#include "topics.h"

namespace imchat::plugin {

namespace {

// Flush at most this often.
constexpr std::int64_t kHoldUs = 1000;
// A batch this big goes at once (bodies are at most 64 KiB each).
constexpr std::size_t kMaxArchiveBytes = 256 * 1024;
// Statuses held per flush; beyond it they go at once (a sender writing to
// thousands of users within a millisecond).
constexpr std::size_t kMaxStatusGroups = 1024;

std::int64_t MonoUs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

// Hands `bytes` to the broker as one QoS 1 message on im/archive: to every
// subscriber (the service's persistent session) or, with `client_id`, to that
// client only.
void PublishArchive(const char* client_id, const std::string& bytes) {
  void* payload = CopyForBroker(bytes);
  if (!payload) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: out of memory for %zu bytes of archive",
                         bytes.size());
    return;
  }
  // On success the broker owns the payload; on failure (out of memory) it is still ours.
  int rc = mosquitto_broker_publish(client_id, kArchiveTopic, static_cast<int>(bytes.size()),
                                    payload, 1, false, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_free(payload);
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: cannot hand %zu bytes of archive to the broker: %s",
                         bytes.size(), mosquitto_strerror(rc));
  }
}

void PublishStatus(const Outbound::StatusGroup& g) {
  nlohmann::json status = {
      {"type", "status"}, {"id", g.ids.front()}, {"to", g.to}, {"status", "delivered"}};
  if (g.ids.size() == 1) {
    if (!g.refs.front().empty()) status["ref"] = g.refs.front();
    status["text"] = "delivered to " + g.to;
  } else {
    status["ids"] = g.ids;
    if (g.any_ref) status["refs"] = g.refs;
    status["text"] = std::to_string(g.ids.size()) + " messages delivered to " + g.to;
  }
  PublishJson(nullptr, SvcTopic(g.sender), status);
}

void OnWakeSignal(int) {}  // interrupting epoll_wait is all it is for

// Arms the one-shot wake-up for `due_us` (steady clock) unless one is pending.
void ArmWakeUp(Outbound& out, std::int64_t now_us, std::int64_t due_us) {
  if (!out.wake_signal || out.wake_due_us > now_us) return;
  struct itimerspec when = {};
  const std::int64_t in_us = std::max<std::int64_t>(due_us - now_us, 50);
  when.it_value.tv_sec = in_us / 1000000;
  when.it_value.tv_nsec = (in_us % 1000000) * 1000;
  if (timer_settime(out.wake_timer, 0, &when, nullptr) == 0) out.wake_due_us = due_us;
}

}  // namespace

bool StartWakeUp(State& state) {
  Outbound& out = state.outbound;
  for (int sig = SIGRTMIN + 2; sig <= SIGRTMAX; ++sig) {
    struct sigaction current = {};
    if (sigaction(sig, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL) continue;  // in use
    struct sigaction action = {};
    action.sa_handler = OnWakeSignal;
    action.sa_flags = SA_RESTART;  // other system calls carry on as if nothing happened
    sigemptyset(&action.sa_mask);
    if (sigaction(sig, &action, nullptr) != 0) continue;
    struct sigevent event = {};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = sig;
    if (timer_create(CLOCK_MONOTONIC, &event, &out.wake_timer) != 0) {
      signal(sig, SIG_DFL);
      break;
    }
    out.wake_signal = sig;
    return true;
  }
  mosquitto_log_printf(MOSQ_LOG_WARNING,
                       "imchat: no wake-up timer (no free real-time signal); statuses and the "
                       "archive stream may wait up to 0.1 s after a burst");
  return false;
}

void StopWakeUp(State& state) {
  Outbound& out = state.outbound;
  if (!out.wake_signal) return;
  timer_delete(out.wake_timer);
  signal(out.wake_signal, SIG_DFL);
  out.wake_signal = 0;
}

void QueueArchive(State& state, const ArchiveRecordView& record) {
  Outbound& out = state.outbound;
  AppendArchiveRecord(&out.archive, record);
  if (out.archive.size() >= kMaxArchiveBytes) FlushArchive(state);
}

void FlushArchive(State& state) {
  Outbound& out = state.outbound;
  if (out.archive.empty()) return;
  PublishArchive(nullptr, out.archive);
  out.archive.clear();
}

std::string TakeArchive(State& state) {
  std::string bytes;
  bytes.swap(state.outbound.archive);
  return bytes;
}

void ResendArchiveTo(const char* client_id, const std::deque<ArchiveRecord>& records) {
  std::string batch;
  for (const ArchiveRecord& r : records) {
    ArchiveRecordView resent = View(r);
    resent.resend = true;
    AppendArchiveRecord(&batch, resent);
    if (batch.size() >= kMaxArchiveBytes) {
      PublishArchive(client_id, batch);
      batch.clear();
    }
  }
  if (!batch.empty()) PublishArchive(client_id, batch);
}

void QueueDelivered(State& state, const std::string& sender, const std::string& to,
                    const std::string& id, const std::string& ref) {
  Outbound& out = state.outbound;
  std::size_t index = out.statuses.size();
  if (index > 0 && out.statuses.back().sender == sender && out.statuses.back().to == to) {
    --index;  // the usual case in a burst: the same pair as the message before
  } else {
    const std::string key = sender + '/' + to;
    auto it = out.status_index.find(key);
    if (it == out.status_index.end()) {
      if (out.statuses.size() >= kMaxStatusGroups) FlushStatuses(state);
      it = out.status_index.emplace(key, out.statuses.size()).first;
      out.statuses.push_back({sender, to, {}, {}, false});
    }
    index = it->second;
  }
  Outbound::StatusGroup& g = out.statuses[index];
  g.ids.push_back(id);
  g.refs.push_back(ref);
  g.any_ref = g.any_ref || !ref.empty();
}

void FlushStatuses(State& state) {
  Outbound& out = state.outbound;
  for (const Outbound::StatusGroup& g : out.statuses) {
    try {
      PublishStatus(g);
    } catch (const std::exception& e) {
      mosquitto_log_printf(MOSQ_LOG_WARNING, "imchat: no delivered status for %s: %s",
                           g.ids.front().c_str(), e.what());
    }
  }
  out.statuses.clear();
  out.status_index.clear();
}

int OnOutboundTick(int event, void* event_data, void* userdata) {
  (void)event;
  (void)event_data;
  State& state = *static_cast<State*>(userdata);
  state.room_replay.active = false;  // routed within its PUBLISH, before this tick
  Outbound& out = state.outbound;
  if (out.archive.empty() && out.statuses.empty()) return MOSQ_ERR_SUCCESS;
  const std::int64_t now = MonoUs();
  if (now - out.last_flush_us < kHoldUs) {
    ArmWakeUp(out, now, out.last_flush_us + kHoldUs);
    return MOSQ_ERR_SUCCESS;
  }
  FlushArchive(state);
  FlushStatuses(state);
  out.last_flush_us = now;
  return MOSQ_ERR_SUCCESS;
}

}  // namespace imchat::plugin
