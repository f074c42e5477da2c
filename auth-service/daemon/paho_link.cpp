// Paho C++ 1.2 async client. Callbacks run on Paho's thread and only push
// events; the service thread does all the work.
#include "paho_link.h"

#include <mqtt/async_client.h>

#include <mutex>

namespace imchat {

namespace {

// Reports an action's outcome as an event.
class Listener : public mqtt::iaction_listener {
 public:
  Listener(EventQueue& events, Event::Kind ok, Event::Kind failed)
      : events_(events), ok_(ok), failed_(failed) {}

  void on_success(const mqtt::token& tok) override {
    Event e;
    e.kind = ok_;
    if (ok_ == Event::Kind::kPublished) {
      e.tag = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
    } else if (ok_ == Event::Kind::kConnectOk) {
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
    if (failed_ == Event::Kind::kPublished) {
      e.tag = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
      int rc = static_cast<int>(tok.get_reason_code());
      e.code = rc >= 0x80 ? rc : kNotSent;
    } else {
      int rc = static_cast<int>(tok.get_reason_code());
      e.text = mqtt::exception::error_str(tok.get_return_code());
      if (rc >= 0x80) e.text += " (reason " + mqtt::exception::reason_code_str(rc) + ")";
    }
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
               mqtt::create_options(MQTTVERSION_5)),
        callback(ev),
        connect_listener(ev, Event::Kind::kConnectOk, Event::Kind::kConnectFailed),
        subscribe_listener(ev),
        publish_listener(ev, Event::Kind::kPublished, Event::Kind::kPublished) {
    client.set_callback(callback);
  }

  LinkConfig config;
  EventQueue& events;
  mqtt::async_client client;
  Callback callback;
  Listener connect_listener;
  SubscribeListener subscribe_listener;
  Listener publish_listener;
};

PahoLink::PahoLink(const LinkConfig& config, EventQueue& events)
    : impl_(std::make_unique<Impl>(config, events)) {}

PahoLink::~PahoLink() = default;

void PahoLink::Connect() {
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
  try {
    if (tag) {
      impl_->client.publish(msg, reinterpret_cast<void*>(static_cast<std::uintptr_t>(tag)),
                            impl_->publish_listener);
    } else {
      impl_->client.publish(msg);
    }
  } catch (const mqtt::exception&) {
    if (tag) {
      Event e;
      e.kind = Event::Kind::kPublished;
      e.tag = tag;
      e.code = kNotSent;
      impl_->events.Push(std::move(e));
    }
  }
}

}  // namespace imchat
