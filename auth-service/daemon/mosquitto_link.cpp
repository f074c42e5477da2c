// libmosquitto without its network thread: every call, and every callback,
// runs on the service's thread inside Poll().
#include "mosquitto_link.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>

#include "file_topics.h"
#include "topics.h"

namespace imchat {

namespace {

// Publishes handed to libmosquitto and not yet acknowledged, at most this
// many. libmosquitto holds what the broker's receive maximum keeps back in a
// list it searches by message id on every acknowledgement, so a deep list costs
// O(n) per message; the rest waits in the outbox instead, in order.
constexpr std::size_t kWindow = 256;
// While disconnected, untagged publishes (statuses, presence, replies) wait in
// the outbox for the next connection, up to this many; beyond it the oldest go.
constexpr std::size_t kMaxOutbox = 200000;
// At most this many events are read per Poll() (one batch for the service).
constexpr std::size_t kMaxBatch = 1000;
constexpr int kConnectTimeoutMs = 5000;

std::int64_t MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string ErrorText(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::string("error: ") + std::strerror(errno);
  return mosquitto_strerror(rc);
}

bool Readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

}  // namespace

MosquittoLink::MosquittoLink(const LinkConfig& config, EventQueue& events)
    : config_(config), events_(events) {
  static std::once_flag init;
  std::call_once(init, [] { mosquitto_lib_init(); });
  // clean_session false: with MQTT 5 this is "clean start off".
  mosq_ = mosquitto_new(config_.client_id.c_str(), false, this);
  if (!mosq_) return;
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_username_pw_set(mosq_, config_.user.c_str(), config_.password.c_str());
  mosquitto_connect_v5_callback_set(mosq_, &MosquittoLink::OnConnect);
  mosquitto_disconnect_v5_callback_set(mosq_, &MosquittoLink::OnDisconnect);
  mosquitto_subscribe_v5_callback_set(mosq_, &MosquittoLink::OnSubscribe);
  mosquitto_publish_v5_callback_set(mosq_, &MosquittoLink::OnPublish);
  mosquitto_message_v5_callback_set(mosq_, &MosquittoLink::OnMessage);
}

MosquittoLink::~MosquittoLink() {
  if (mosq_) mosquitto_destroy(mosq_);
}

void MosquittoLink::Connect() {
  if (!mosq_) {
    Event e;
    e.kind = Event::Kind::kConnectFailed;
    e.text = "cannot create an MQTT client";
    events_.Push(std::move(e));
    return;
  }
  // Clean start off and a long session expiry: the broker keeps what arrives
  // for the service while it restarts.
  mosquitto_property* props = nullptr;
  mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, 30 * 24 * 3600);
  int rc = mosquitto_connect_bind_v5(mosq_, config_.host.c_str(), config_.port, config_.keepalive_s,
                                     nullptr, props);
  mosquitto_property_free_all(&props);
  if (rc != MOSQ_ERR_SUCCESS) {
    Event e;
    e.kind = Event::Kind::kConnectFailed;
    e.text = ErrorText(rc);
    events_.Push(std::move(e));
    return;
  }
  state_ = State::kConnecting;
  connect_deadline_ = MonoMs() + kConnectTimeoutMs;
}

void MosquittoLink::SubscribeAll() {
  // Chat messages and commands arrive batched on the archive stream
  // (archive_stream.h), not on their own topics.
  static const std::vector<std::string> kFilters = {LoginTopic("+"), LogoutTopic("+"),
                                                    kSessionsTopic, kArchiveTopic, kUploadFilter};
  // Versions before the archive stream subscribed the chat and command topics
  // in this same persistent session; the broker keeps such subscriptions.
  // What they queued still arrives (and is handled, service.cpp); no more after this.
  static const std::string kOldFilters[] = {kAllFilter, UserTopic("+", "+"), CmdTopic("+")};
  const char* old_filters[std::size(kOldFilters)];
  for (std::size_t i = 0; i < std::size(kOldFilters); ++i) old_filters[i] = kOldFilters[i].c_str();
  mosquitto_unsubscribe_multiple(mosq_, nullptr, static_cast<int>(std::size(kOldFilters)),
                                 const_cast<char* const*>(old_filters), nullptr);
  subscribes_left_ = kFilters.size();
  subscribe_failed_ = false;
  // no_local: the service's own replays and notices must not come back to it.
  for (const std::string& f : kFilters) {
    int rc = mosquitto_subscribe_v5(mosq_, nullptr, f.c_str(), 1, MQTT_SUB_OPT_NO_LOCAL, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      subscribe_failed_ = true;
      Lost("subscribe failed: " + ErrorText(rc));
      return;
    }
  }
}

void MosquittoLink::Disconnect() {
  if (state_ != State::kConnected) return;
  // Let what is queued go out first (a few seconds at most).
  std::int64_t until = MonoMs() + 3000;
  while (state_ == State::kConnected && (!outbox_.empty() || !in_flight_.empty()) &&
         MonoMs() < until) {
    Flush();
    Poll(50);
    Uncork();
  }
  mosquitto_disconnect_v5(mosq_, MQTT_RC_NORMAL_DISCONNECTION, nullptr);
  mosquitto_loop(mosq_, 100, 1);  // writes the DISCONNECT
  state_ = State::kIdle;
}

bool MosquittoLink::Poll(int timeout_ms) {
  if (!mosq_ || state_ == State::kIdle || mosquitto_socket(mosq_) < 0) return false;
  if (state_ == State::kConnecting && MonoMs() > connect_deadline_) {
    mosquitto_disconnect(mosq_);
    state_ = State::kIdle;
    Event e;
    e.kind = Event::Kind::kConnectFailed;
    e.text = "no CONNACK within " + std::to_string(kConnectTimeoutMs / 1000) + " s";
    events_.Push(std::move(e));
    return false;
  }
  // Waits for the socket itself rather than through mosquitto_loop(), which
  // also waits on (and reads one byte per call from) the socket pair that
  // libmosquitto writes to for every queued packet to wake a network thread
  // this link does not have.
  int fd = mosquitto_socket(mosq_);
  struct pollfd p = {fd, static_cast<short>(POLLIN | (mosquitto_want_write(mosq_) ? POLLOUT : 0)),
                     0};
  int rc = MOSQ_ERR_SUCCESS;
  if (poll(&p, 1, timeout_ms) > 0) {
    // When busy, everything written until Uncork() (acknowledgements, and the
    // service's publishes for this batch) leaves in as few segments as
    // possible. A lone packet is answered at once, without the two calls.
    if (last_batch_ >= 2) SetCork(true);
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      rc = mosquitto_loop_read(mosq_, 1);
      // Reads on while more has arrived, up to a batch.
      while (rc == MOSQ_ERR_SUCCESS && state_ != State::kIdle && events_.size() < kMaxBatch &&
             mosquitto_socket(mosq_) >= 0 && Readable(mosquitto_socket(mosq_))) {
        rc = mosquitto_loop_read(mosq_, 1);
      }
    }
    last_batch_ = events_.size();
    if (last_batch_ >= 2) SetCork(true);
  }
  if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(mosq_) >= 0 && mosquitto_want_write(mosq_)) {
    rc = mosquitto_loop_write(mosq_, 1);
  }
  if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(mosq_) >= 0) rc = mosquitto_loop_misc(mosq_);
  if (rc != MOSQ_ERR_SUCCESS && state_ != State::kIdle) {
    // Normally on_disconnect has reported it already.
    Lost(ErrorText(rc));
  }
  return true;
}

void MosquittoLink::SetCork(bool on) {
  if (corked_ == on) return;
  int fd = mosq_ ? mosquitto_socket(mosq_) : -1;
  if (fd < 0) {
    corked_ = false;
    return;
  }
  int v = on ? 1 : 0;
  setsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, sizeof v);
  corked_ = on;
}

void MosquittoLink::Uncork() { SetCork(false); }

void MosquittoLink::Lost(const std::string& why) {
  bool was_connecting = state_ == State::kConnecting;
  if (state_ == State::kIdle) return;
  state_ = State::kIdle;
  corked_ = false;
  mosquitto_disconnect(mosq_);  // closes the socket if still open
  // Publishes still in flight are resent by libmosquitto on the next
  // connection (same session); their outcome no longer matters to the window.
  in_flight_.clear();
  Event e;
  e.kind = was_connecting ? Event::Kind::kConnectFailed : Event::Kind::kLost;
  e.text = why;
  events_.Push(std::move(e));
}

void MosquittoLink::OnConnect(struct mosquitto*, void* self, int rc, int flags,
                              const mosquitto_property*) {
  auto* link = static_cast<MosquittoLink*>(self);
  if (rc != 0) {
    link->Lost(std::string("connection refused: ") + mosquitto_reason_string(rc));
    return;
  }
  link->state_ = State::kConnected;
  Event e;
  e.kind = Event::Kind::kConnectOk;
  e.code = (flags & 1) ? 1 : 0;
  link->events_.Push(std::move(e));
}

void MosquittoLink::OnDisconnect(struct mosquitto*, void* self, int rc, const mosquitto_property*) {
  auto* link = static_cast<MosquittoLink*>(self);
  link->Lost(rc == 0 ? "disconnected" : "connection lost: " + ErrorText(rc));
}

void MosquittoLink::OnSubscribe(struct mosquitto*, void* self, int, int count, const int* granted,
                                const mosquitto_property*) {
  auto* link = static_cast<MosquittoLink*>(self);
  if (link->subscribe_failed_) return;
  for (int i = 0; i < count; ++i) {
    if (granted[i] >= 0x80) {
      link->subscribe_failed_ = true;
      link->Lost("a subscription was refused (reason " + std::to_string(granted[i]) + ")");
      return;
    }
  }
  if (link->subscribes_left_ > 0 && --link->subscribes_left_ == 0) {
    Event e;
    e.kind = Event::Kind::kSubscribed;
    link->events_.Push(std::move(e));
  }
}

void MosquittoLink::OnPublish(struct mosquitto*, void* self, int mid, int reason,
                              const mosquitto_property*) {
  auto* link = static_cast<MosquittoLink*>(self);
  auto it = link->in_flight_.find(mid);
  if (it == link->in_flight_.end()) return;
  std::uint64_t tag = it->second;
  link->in_flight_.erase(it);
  if (!tag) return;
  Event e;
  e.kind = Event::Kind::kPublished;
  e.tag = tag;
  e.code = reason >= 0x80 ? reason : 0;
  link->events_.Push(std::move(e));
}

void MosquittoLink::OnMessage(struct mosquitto*, void* self, const struct mosquitto_message* msg,
                              const mosquitto_property* props) {
  auto* link = static_cast<MosquittoLink*>(self);
  Event e;
  e.kind = Event::Kind::kMessage;
  e.message.topic = msg->topic ? msg->topic : "";
  if (msg->payload && msg->payloadlen > 0) {
    e.message.payload.assign(static_cast<const char*>(msg->payload),
                             static_cast<std::size_t>(msg->payloadlen));
  }
  e.message.retained = msg->retain;
  for (const mosquitto_property* p = props; p; p = mosquitto_property_next(p)) {
    if (mosquitto_property_identifier(p) != MQTT_PROP_USER_PROPERTY) continue;
    char* name = nullptr;
    char* value = nullptr;
    if (mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, false)) {
      e.message.props.emplace_back(name, value);
      std::free(name);
      std::free(value);
    }
  }
  link->events_.Push(std::move(e));
}

void MosquittoLink::NotSent(std::uint64_t tag) {
  Event e;
  e.kind = Event::Kind::kPublished;
  e.tag = tag;
  e.code = kNotSent;
  events_.Push(std::move(e));
}

bool MosquittoLink::Send(const Outgoing& o) {
  mosquitto_property* props = nullptr;
  for (const auto& [k, v] : o.props) {
    mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, k.c_str(), v.c_str());
  }
  if (!o.correlation.empty()) {
    mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, o.correlation.data(),
                                  static_cast<std::uint16_t>(o.correlation.size()));
  }
  int mid = 0;
  int rc = mosquitto_publish_v5(mosq_, &mid, o.topic.c_str(), static_cast<int>(o.payload.size()),
                                o.payload.data(), o.qos, o.retain, props);
  mosquitto_property_free_all(&props);
  if (rc != MOSQ_ERR_SUCCESS) return false;
  // QoS 0 completes at once; it never takes a window slot.
  if (o.qos > 0) in_flight_[mid] = o.tag;
  return true;
}

void MosquittoLink::Publish(const std::string& topic, const std::string& payload, int qos,
                            bool retain, const UserProps& props, std::uint64_t tag,
                            const std::string& correlation) {
  if (tag) ++tagged_;
  outbox_.push_back({topic, payload, qos, retain, props, tag, correlation});
  Flush();
}

void MosquittoLink::Flush() {
  while (!outbox_.empty() && state_ == State::kConnected && in_flight_.size() < kWindow) {
    Outgoing& o = outbox_.front();
    if (!Send(o)) {
      if (state_ != State::kConnected) break;
      // Refused while connected (a bad topic, out of memory): a tagged
      // publish is reported, so a replay never waits for it forever.
      if (o.tag) NotSent(o.tag);
      ++dropped_;
    }
    if (o.tag) --tagged_;
    outbox_.pop_front();
  }
  if (state_ == State::kConnected || outbox_.empty()) return;
  if (tagged_ == 0 && outbox_.size() <= kMaxOutbox) return;
  // Not connected: tagged publishes (replays) are reported now, their messages
  // stay queued in the store; the rest waits for the next connection.
  std::deque<Outgoing> keep;
  for (auto& o : outbox_) {
    if (o.tag) {
      NotSent(o.tag);
    } else {
      keep.push_back(std::move(o));
    }
  }
  tagged_ = 0;
  while (keep.size() > kMaxOutbox) {
    keep.pop_front();
    ++dropped_;
  }
  outbox_.swap(keep);
}

std::size_t MosquittoLink::TakeDropped() {
  std::size_t n = dropped_;
  dropped_ = 0;
  return n;
}

}  // namespace imchat
