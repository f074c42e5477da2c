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
// TICK, as quick as before. The broker runs TICK after every loop iteration
// and its loop wakes at least every 100 ms, so nothing waits longer than that
// (only when a burst ends and nothing else arrives; under load, iterations
// follow each other within microseconds).
#include <time.h>

#include <cstring>

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
  void* payload = mosquitto_malloc(bytes.size());
  if (!payload) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: out of memory for %zu bytes of archive",
                         bytes.size());
    return;
  }
  std::memcpy(payload, bytes.data(), bytes.size());
  // The broker owns the payload from here, also on failure.
  int rc = mosquitto_broker_publish(client_id, kArchiveTopic, static_cast<int>(bytes.size()),
                                    payload, 1, false, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
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

}  // namespace

void QueueArchive(State& state, const ArchiveRecord& record) {
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

void SendArchiveTo(const char* client_id, const std::vector<ArchiveRecord>& records) {
  std::string batch;
  for (const ArchiveRecord& r : records) {
    AppendArchiveRecord(&batch, r);
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
  const std::string key = sender + '/' + to;
  auto it = out.status_index.find(key);
  if (it == out.status_index.end()) {
    if (out.statuses.size() >= kMaxStatusGroups) FlushStatuses(state);
    it = out.status_index.emplace(key, out.statuses.size()).first;
    out.statuses.push_back({sender, to, {}, {}, false});
  }
  Outbound::StatusGroup& g = out.statuses[it->second];
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
  Outbound& out = state.outbound;
  if (out.archive.empty() && out.statuses.empty()) return MOSQ_ERR_SUCCESS;
  const std::int64_t now = MonoUs();
  if (now - out.last_flush_us < kHoldUs) return MOSQ_ERR_SUCCESS;
  FlushArchive(state);
  FlushStatuses(state);
  out.last_flush_us = now;
  return MOSQ_ERR_SUCCESS;
}

}  // namespace imchat::plugin
