// Paho C++ 1.2 async client. Callbacks run on Paho's thread and only push
// events; the service thread does all the work.
#include "paho_link.h"

#include <mqtt/async_client.h>

#include <atomic>
#include <deque>
#include <mutex>

namespace imchat {

namespace {

// Publishes handed to Paho and not yet completed, at most this many. What the
// broker's receive maximum holds back waits in Paho's command queue, which Paho
// scans on every publish and every send, so a deep queue there costs O(n) per
// message; the rest waits in PahoLink's own outbox instead, in order.
constexpr int kPahoWindow = 256;
// Paho's own limit on buffered publishes (its default is 100, which a burst of
// statuses or presence updates exceeds at once) stays far above the window, so
// Paho never refuses a publish for that reason.
constexpr int kPahoBuffered = 100000;
// While disconnected, untagged publishes (statuses, presence, replies) wait in
// the outbox for the next connection, up to this many; beyond it the oldest go.
constexpr std::size_t kMaxOutbox = 200000;

// Reports a connect attempt's outcome as an event.
class Listener : public mqtt::iaction_listener {
 public:
  Listener(EventQueue& events, Event::Kind ok, Event::Kind failed)
      : events_(events), ok_(ok), failed_(failed) {}

  void on_success(const mqtt::token& tok) override {
    Event e;
    e.kind = ok_;
    if (ok_ == Event::Kind::kConnectOk) {
      try {
        e.code = tok.get_connect_response().is_session_present() ? 1 : 0;
      } catch (const std::exception&) {
      }
    }
    events_.Push(std::move(e));
  }

  void on_failure(const mqtt::token& tok) override {
    Event e;
    e.kind = failed_;
    int rc = static_cast<int>(tok.get_reason_code());
    e.text = mqtt::exception::error_str(tok.get_return_code());
    if (rc >= 0x80) e.text += " (reason " + mqtt::exception::reason_code_str(rc) + ")";
    events_.Push(std::move(e));
  }

 private:
  EventQueue& events_;
  Event::Kind ok_;
  Event::Kind failed_;
};

// Counts the SUBACKs of one SubscribeAll(); reports kSubscribed after the
// last one, or kLost on the first refusal.
class SubscribeListener : public mqtt::iaction_listener {
 public:
  explicit SubscribeListener(EventQueue& events) : events_(events) {}
  void Expect(std::size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    left_ = n;
    failed_ = false;
  }

  void on_success(const mqtt::token& tok) override {
    int refused = 0;
    try {
      mqtt::subscribe_response rsp = tok.get_subscribe_response();
      for (auto rc : rsp.get_reason_codes()) {
        if (rc >= 0x80) refused = rc;
      }
    } catch (const std::exception&) {
    }
    if (refused) {
      Fail("a subscription was refused (reason " + std::to_string(refused) + ")");
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (left_ > 0 && --left_ == 0 && !failed_) {
      Event e;
      e.kind = Event::Kind::kSubscribed;
      events_.Push(std::move(e));
    }
  }

  void on_failure(const mqtt::token& tok) override {
    Fail("subscribe failed: " + mqtt::exception::error_str(tok.get_return_code()));
  }

 private:
  void Fail(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_) return;
    failed_ = true;
    Event e;
    e.kind = Event::Kind::kLost;
    e.text = why;
    events_.Push(std::move(e));
  }

  EventQueue& events_;
  std::mutex mu_;
  std::size_t left_ = 0;
  bool failed_ = false;
};

// Completions of the publishes of one connection: counts them out of the
// window, reports tagged ones, and wakes the service thread when it waits for
// room in the window.
class PublishListener : public mqtt::iaction_listener {
 public:
  explicit PublishListener(EventQueue& events) : events_(events) {}

  void on_success(const mqtt::token& tok) override { Done(tok, 0); }
  void on_failure(const mqtt::token& tok) override {
    int rc = static_cast<int>(tok.get_reason_code());
    Done(tok, rc >= 0x80 ? rc : kNotSent);
  }

  std::atomic<int> in_flight{0};
  std::atomic<bool> waiting{false};

 private:
  void Done(const mqtt::token& tok, int code) {
    auto tag = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
    bool wake = in_flight.fetch_sub(1) <= kPahoWindow && waiting.exchange(false);
    if (!tag && !wake) return;
    Event e;
    e.kind = Event::Kind::kPublished;  // tag 0: only a wake-up
    e.tag = tag;
    e.code = code;
    events_.Push(std::move(e));
  }

  EventQueue& events_;
};

class Callback : public mqtt::callback {
 public:
  explicit Callback(EventQueue& events) : events_(events) {}

  void connection_lost(const std::string& cause) override {
    Event e;
    e.kind = Event::Kind::kLost;
    e.text = cause.empty() ? "connection lost" : cause;
    events_.Push(std::move(e));
  }

  void message_arrived(mqtt::const_message_ptr msg) override {
    Event e;
    e.kind = Event::Kind::kMessage;
    e.message.topic = msg->get_topic();
    e.message.payload = msg->get_payload_str();
    e.message.retained = msg->is_retained();
    const mqtt::properties& props = msg->get_properties();
    std::size_t n = props.count(mqtt::property::USER_PROPERTY);
    for (std::size_t i = 0; i < n; ++i) {
      auto kv = mqtt::get<mqtt::string_pair>(props, mqtt::property::USER_PROPERTY, i);
      e.message.props.emplace_back(std::get<0>(kv), std::get<1>(kv));
    }
    events_.Push(std::move(e));
  }

 private:
  EventQueue& events_;
};

}  // namespace

struct PahoLink::Impl {
  Impl(const LinkConfig& c, EventQueue& ev)
      : config(c),
        events(ev),
        client("tcp://" + c.host + ":" + std::to_string(c.port), c.client_id,
               mqtt::create_options(MQTTVERSION_5, kPahoBuffered)),
        callback(ev),
        connect_listener(ev, Event::Kind::kConnectOk, Event::Kind::kConnectFailed),
        subscribe_listener(ev) {
    client.set_callback(callback);
    publish_listeners.push_back(std::make_unique<PublishListener>(ev));
  }

  struct Outgoing {
    mqtt::message_ptr msg;
    std::uint64_t tag;
  };

  void NotSent(std::uint64_t tag) {
    Event e;
    e.kind = Event::Kind::kPublished;
    e.tag = tag;
    e.code = kNotSent;
    events.Push(std::move(e));
  }

  // Hands one message to Paho. False when Paho refused it.
  bool Send(const Outgoing& o) {
    PublishListener& l = *publish_listeners.back();
    l.in_flight.fetch_add(1);
    try {
      client.publish(o.msg, reinterpret_cast<void*>(static_cast<std::uintptr_t>(o.tag)), l);
      return true;
    } catch (const mqtt::exception&) {
      l.in_flight.fetch_sub(1);
      return false;
    }
  }

  // True when the window has room; otherwise asks for a wake-up when it has.
  bool Room() {
    PublishListener& l = *publish_listeners.back();
    if (l.in_flight.load() < kPahoWindow) return true;
    l.waiting.store(true);
    // A completion may have come in between (at worst a spare wake-up follows).
    return l.in_flight.load() < kPahoWindow;
  }

  LinkConfig config;
  EventQueue& events;
  mqtt::async_client client;
  Callback callback;
  Listener connect_listener;
  SubscribeListener subscribe_listener;
  // One per connection attempt (the last is current): completions of an older
  // connection's publishes must not count against the current window.
  std::vector<std::unique_ptr<PublishListener>> publish_listeners;
  std::deque<Outgoing> outbox;  // waiting for room in the window, or for a connection
  std::size_t tagged = 0;       // tagged publishes in the outbox
  std::size_t dropped = 0;
};

PahoLink::PahoLink(const LinkConfig& config, EventQueue& events)
    : impl_(std::make_unique<Impl>(config, events)) {}

PahoLink::~PahoLink() = default;

void PahoLink::Connect() {
  impl_->publish_listeners.push_back(std::make_unique<PublishListener>(impl_->events));
  // Clean start off and a long session expiry: the broker keeps what
  // arrives for the service while it restarts.
  mqtt::properties props{{mqtt::property::SESSION_EXPIRY_INTERVAL, 30 * 24 * 3600}};
  auto opts = mqtt::connect_options_builder()
                  .mqtt_version(MQTTVERSION_5)
                  .clean_start(false)
                  .properties(props)
                  .keep_alive_interval(std::chrono::seconds(impl_->config.keepalive_s))
                  .connect_timeout(std::chrono::seconds(5))
                  .user_name(impl_->config.user)
                  .password(impl_->config.password)
                  .automatic_reconnect(false)
                  .finalize();
  try {
    impl_->client.connect(opts, nullptr, impl_->connect_listener);
  } catch (const mqtt::exception& ex) {
    Event e;
    e.kind = Event::Kind::kConnectFailed;
    e.text = ex.what();
    impl_->events.Push(std::move(e));
  }
}

void PahoLink::SubscribeAll() {
  static const std::vector<std::string> kFilters = {"im/login/+", "im/logout/+", "im/sessions",
                                                    "im/cmd/+",   "im/all/+",    "im/user/+/+"};
  // One SUBSCRIBE per filter: Paho C++ 1.2's many-filters-with-options call
  // crashes in MQTTAsync_subscribeMany. kSubscribed is reported once all
  // are granted (SubscribeListener counts them).
  impl_->subscribe_listener.Expect(kFilters.size());
  // no_local: the service's own replays and notices must not come back to it.
  mqtt::subscribe_options opts(mqtt::subscribe_options::SUBSCRIBE_NO_LOCAL);
  try {
    for (const std::string& f : kFilters) {
      impl_->client.subscribe(f, 1, nullptr, impl_->subscribe_listener, opts);
    }
  } catch (const mqtt::exception& ex) {
    Event e;
    e.kind = Event::Kind::kLost;
    e.text = std::string("subscribe failed: ") + ex.what();
    impl_->events.Push(std::move(e));
  }
}

void PahoLink::Disconnect() {
  try {
    if (impl_->client.is_connected()) impl_->client.disconnect()->wait_for(std::chrono::seconds(3));
  } catch (const mqtt::exception&) {
    // Shutting down anyway.
  }
}

void PahoLink::Publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                       const UserProps& props, std::uint64_t tag) {
  auto msg = mqtt::message::create(topic, payload, qos, retain);
  if (!props.empty()) {
    mqtt::properties p;
    for (const auto& [k, v] : props) {
      p.add(mqtt::property(mqtt::property::USER_PROPERTY, k, v));
    }
    msg->set_properties(p);
  }
  if (tag) ++impl_->tagged;
  impl_->outbox.push_back({std::move(msg), tag});
  Flush();
}

void PahoLink::Flush() {
  auto& outbox = impl_->outbox;
  while (!outbox.empty()) {
    if (!impl_->Room()) return;
    if (!impl_->Send(outbox.front())) {
      if (!impl_->client.is_connected()) break;
      // Refused while connected (not expected with the limits above): a tagged
      // publish is reported, so a replay never waits for it forever.
      if (outbox.front().tag) impl_->NotSent(outbox.front().tag);
      ++impl_->dropped;
    }
    if (outbox.front().tag) --impl_->tagged;
    outbox.pop_front();
  }
  if (outbox.empty() || (impl_->tagged == 0 && outbox.size() <= kMaxOutbox)) return;
  // Not connected: tagged publishes (replays) are reported now, their messages
  // stay queued in the store; the rest waits for the next connection.
  std::deque<Impl::Outgoing> keep;
  for (auto& o : outbox) {
    if (o.tag) {
      impl_->NotSent(o.tag);
    } else {
      keep.push_back(std::move(o));
    }
  }
  impl_->tagged = 0;
  while (keep.size() > kMaxOutbox) {
    keep.pop_front();
    ++impl_->dropped;
  }
  outbox.swap(keep);
}

std::size_t PahoLink::TakeDropped() {
  std::size_t n = impl_->dropped;
  impl_->dropped = 0;
  return n;
}

}  // namespace imchat
