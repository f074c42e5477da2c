// Paho MQTT C++ 1.2 edge of the client (session.h). Callbacks run on Paho's
// threads and only queue events; the owner's thread does all the work.
#include "session.h"

#include <fcntl.h>
#include <mqtt/async_client.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "hex.h"
#include "topics.h"

namespace imchat::client {

namespace {

// Reports one publish's outcome as a kPublished event.
class PublishListener : public mqtt::iaction_listener {
 public:
  PublishListener(Session& session, std::uint64_t tag) : session_(session), tag_(tag) {}

  // A refusal (reason code >= 0x80) keeps its code; otherwise 0 = acknowledged,
  // -1 = not sent (no connection).
  void on_success(const mqtt::token& tok) override { Report(tok, 0); }
  void on_failure(const mqtt::token& tok) override { Report(tok, -1); }

 private:
  void Report(const mqtt::token& tok, int otherwise) {
    int rc = static_cast<int>(tok.get_reason_code());
    SessionEvent e;
    e.kind = SessionEvent::Kind::kPublished;
    e.tag = tag_;
    e.code = rc >= 0x80 ? rc : otherwise;
    session_.Push(std::move(e));
    delete this;
  }

  Session& session_;
  std::uint64_t tag_;
};

// `bytes` random bytes as 2 * `bytes` hex digits.
std::string RandomHex(int bytes) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(gen() & 0xff);
  return LowerHex(out);
}

// True when a failed CONNECT means the server said no to these credentials,
// as opposed to not answering at all.
// Paho C reports an MQTT 5 CONNACK refusal's reason code as the return code
// (the exception's reason code stays 0), so both are checked.
bool IsLoginRefusal(int reason, int rc) {
  // MQTT 5 CONNACK: 0x85 client id not valid, 0x86 bad user name or password,
  // 0x87 not authorized, 0x8A banned. MQTT 3.1.1 return codes 2, 4, 5.
  for (int code : {reason, rc}) {
    if (code == 0x85 || code == 0x86 || code == 0x87 || code == 0x8A) return true;
  }
  return rc == 2 || rc == 4 || rc == 5;
}

}  // namespace

Session::Session(SessionOptions options)
    : options_(std::move(options)), device_("imchat-" + RandomHex(8)) {
  if (options_.client_id.empty()) {
    options_.client_id = "imchat-" + options_.user + "-" + RandomHex(4);
  }
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    wake_[0] = wake_[1] = -1;
  }
  std::string uri = "tcp://" + options_.host + ":" + std::to_string(options_.port);
  // Paho's default buffer (100 messages) throws on bursts; our own hold queue
  // bounds what is outstanding instead.
  client_ = std::make_unique<mqtt::async_client>(uri, options_.client_id,
                                                 mqtt::create_options(MQTTVERSION_5, 100000));
  client_->set_message_callback([this](mqtt::const_message_ptr msg) {
    SessionEvent e;
    e.kind = SessionEvent::Kind::kMessage;
    e.message.topic = msg->get_topic();
    e.message.payload = msg->get_payload_str();
    e.message.retained = msg->is_retained();
    const mqtt::properties& props = msg->get_properties();
    if (props.contains(mqtt::property::CORRELATION_DATA)) {
      e.message.correlation = mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
    }
    std::size_t n = props.size();
    for (std::size_t i = 0; i < n; ++i) {
      try {
        auto pair = mqtt::get<mqtt::string_pair>(props, mqtt::property::USER_PROPERTY, i);
        e.message.props.emplace_back(std::get<0>(pair), std::get<1>(pair));
      } catch (const std::exception&) {
        break;  // fewer user properties than properties
      }
    }
    Push(std::move(e));
  });
  client_->set_connection_lost_handler([this](const std::string& cause) {
    SessionEvent e;
    e.kind = SessionEvent::Kind::kLost;
    e.text = cause;
    Push(std::move(e));
  });
  client_->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode reason) {
    SessionEvent e;
    e.kind = SessionEvent::Kind::kClosed;
    e.text = mqtt::exception::reason_code_str(reason);
    e.code = static_cast<int>(reason);
    Push(std::move(e));
  });
}

Session::~Session() {
  Disconnect();
  client_.reset();
  if (wake_[0] >= 0) close(wake_[0]);
  if (wake_[1] >= 0) close(wake_[1]);
}

std::string Session::Address() const { return options_.host + ":" + std::to_string(options_.port); }

bool Session::connected() const { return client_->is_connected(); }

ConnectResult Session::Connect(const std::vector<std::string>& filters) {
  auto opts = mqtt::connect_options_builder()
                  .mqtt_version(MQTTVERSION_5)
                  .clean_start(true)
                  .user_name(options_.user)
                  .password(options_.password)
                  .keep_alive_interval(std::chrono::seconds(options_.keepalive_s))
                  .connect_timeout(std::chrono::seconds(options_.connect_timeout_s))
                  .finalize();
  ConnectResult result;
  try {
    client_->connect(opts)->wait();
  } catch (const mqtt::exception& e) {
    int reason = e.get_reason_code();
    int rc = e.get_return_code();
    if (IsLoginRefusal(reason, rc)) {
      result.kind = ConnectResult::Kind::kRefused;
      result.detail = mqtt::exception::reason_code_str(reason != 0 ? reason : rc);
    } else {
      result.kind = ConnectResult::Kind::kUnreachable;
      std::string what = e.get_message();
      if (what.empty()) what = mqtt::exception::error_str(rc);
      result.detail = what;
    }
    return result;
  }
  for (const auto& filter : filters) {
    int refused = 0;  // the reason code of a refusal
    try {
      auto tok = client_->subscribe(filter, 1);
      if (!tok->wait_for(std::chrono::seconds(options_.connect_timeout_s))) {
        result.detail = "no answer to the subscription to " + filter;
        Disconnect();  // the caller's next try starts from scratch
        return result;
      }
      mqtt::subscribe_response response = tok->get_subscribe_response();
      for (auto rc : response.get_reason_codes()) {
        if (rc >= 0x80) refused = rc;
      }
    } catch (const mqtt::exception& e) {
      // Paho reports a refused SUBACK as an exception carrying the reason code.
      refused = e.get_reason_code();
      if (refused < 0x80) {
        result.detail = "subscribing failed: " + std::string(e.what());
        Disconnect();
        return result;
      }
    }
    if (refused == 0) continue;
    if (IsOptionalSubscription(filter)) {
      result.refused.push_back(filter);
      continue;
    }
    result.detail = "the server refused the subscription to " + filter + " (" +
                    mqtt::exception::reason_code_str(refused) + ")";
    Disconnect();
    return result;
  }
  result.kind = ConnectResult::Kind::kOk;
  return result;
}

bool Session::Publish(const Outgoing& out, std::uint64_t tag) {
  if (!client_->is_connected()) return false;
  auto msg = mqtt::make_message(out.topic, out.payload, 1, false);
  const bool command = out.topic == CmdTopic(options_.user);
  if (!out.ref.empty() || !out.props.empty() || command) {
    mqtt::properties props;
    if (command) props.add(mqtt::property(mqtt::property::CORRELATION_DATA, device_));
    if (!out.ref.empty()) {
      props.add(mqtt::property(mqtt::property::USER_PROPERTY, std::string("ref"), out.ref));
    }
    for (const auto& [name, value] : out.props) {
      props.add(mqtt::property(mqtt::property::USER_PROPERTY, name, value));
    }
    msg->set_properties(std::move(props));
  }
  auto* listener = new PublishListener(*this, tag);
  try {
    client_->publish(msg, nullptr, *listener);
  } catch (const mqtt::exception&) {
    delete listener;
    return false;
  }
  return true;
}

void Session::Disconnect() {
  try {
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const std::exception&) {  // also called from the destructor: never throws
  }
}

void Session::Push(SessionEvent event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }
  if (wake_[1] >= 0) {
    char byte = 1;
    ssize_t ignored = write(wake_[1], &byte, 1);  // a full pipe already wakes the owner
    (void)ignored;
  }
}

std::vector<SessionEvent> Session::TakeEvents() {
  char buf[256];
  while (wake_[0] >= 0 && read(wake_[0], buf, sizeof buf) > 0) {
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SessionEvent> out(std::make_move_iterator(events_.begin()),
                                std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

}  // namespace imchat::client
