// The client's MQTT edge: one Paho MQTT C++ async client (MQTT 5, clean
// start, QoS 1). Paho calls back on its own thread; the session only turns
// those calls into Events in a queue and wakes the owner through a pipe, so
// all chat logic runs on the owner's thread. Connecting is synchronous and
// classifies failures (refused login vs. unreachable broker), which is what
// the login loop and the reconnect backoff need.
#ifndef IMCHAT_CLIENT_SESSION_H_
#define IMCHAT_CLIENT_SESSION_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chat_state.h"

namespace mqtt {
class async_client;
}

namespace imchat::client {

struct SessionOptions {
  std::string host = "localhost";
  int port = 1883;
  std::string user;
  std::string password;
  std::string client_id;  // "" = imchat-<user>-<random hex>
  int keepalive_s = 30;
  int connect_timeout_s = 5;
};

// Something that happened on the connection, for the owner's thread.
struct SessionEvent {
  enum class Kind {
    kMessage,    // `message` arrived
    kLost,       // the connection dropped (`text`: the cause, may be empty)
    kClosed,     // the server sent a DISCONNECT (`code`, `text`: its reason); a kLost may follow
    kPublished,  // publish `tag` acknowledged (code < 0x80) or refused/failed (`code`)
  };
  Kind kind = Kind::kMessage;
  Incoming message;
  std::string text;
  std::uint64_t tag = 0;
  int code = 0;  // MQTT 5 reason code (kPublished, kClosed); -1 = not sent (no connection)
};

struct ConnectResult {
  enum class Kind { kOk, kRefused, kUnreachable, kError };
  Kind kind = Kind::kError;
  std::string detail;  // human text for refusals and errors
  // kOk: optional filters (IsOptionalSubscription) the server refused.
  std::vector<std::string> refused;
};

class Session {
 public:
  explicit Session(SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const SessionOptions& options() const { return options_; }
  // "host:port", for messages.
  std::string Address() const;

  // A descriptor that becomes readable when events are waiting (poll() it).
  int wake_fd() const { return wake_[0]; }

  // Connects and subscribes to `filters` one SUBSCRIBE each (Paho C++ 1.2
  // crashes on a multi-filter subscribe with options). A refused optional
  // filter is listed in the result; any other refusal fails the connect.
  // Blocks up to the connect timeout plus the SUBACKs.
  ConnectResult Connect(const std::vector<std::string>& filters);
  bool connected() const;

  // Publishes at QoS 1 (with the `ref` user property when set; a command on
  // im/cmd/<me> with device() as its MQTT 5 Correlation Data). The outcome
  // comes back as a kPublished event with `tag`. False (nothing sent) when
  // not connected or Paho refuses it at once.
  bool Publish(const Outgoing& out, std::uint64_t tag);

  // This client's correlation data: random, the same for the whole run
  // (reconnects included), so the service's answers to its commands can be
  // told from those to the user's other devices (ForAnotherDevice).
  const std::string& device() const { return device_; }

  // Sends DISCONNECT (reason: normal) and waits for it to go out.
  void Disconnect();

  // Takes the waiting events (and clears the wake pipe).
  std::vector<SessionEvent> TakeEvents();

  // Paho's threads push through these.
  void Push(SessionEvent event);

 private:
  SessionOptions options_;
  std::string device_;
  std::unique_ptr<mqtt::async_client> client_;
  std::mutex mu_;
  std::deque<SessionEvent> events_;
  int wake_[2] = {-1, -1};
};

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_SESSION_H_
