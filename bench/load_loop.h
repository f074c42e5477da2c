// The load generator's engine: many MQTT 5 clients driven by one thread through epoll. The
// client is a minimal one of our own (CONNECT, SUBSCRIBE, PUBLISH QoS 0/1, PUBACK, PING,
// DISCONNECT), written for the generator's cost: every readable socket is drained with large
// reads and all complete packets parsed, and everything a dispatch round queued for a socket
// leaves in one write. libmosquitto, used before, made several system calls per packet (a
// read per header byte, a wake-up byte per publish), so the generator cost as much CPU as the
// broker it measured and, on 2 cores, the stack's daemon competed with the generator rather
// than with the broker.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ws_frame.h"

namespace imchat::bench {

struct ClientOptions {
  std::string name;  // the bench user this client stands for (topics use it)
  std::string client_id;
  std::string username;  // empty: anonymous (raw broker)
  std::string password;
  bool clean_start = true;
  int session_expiry_s = 0;  // MQTT 5 session expiry; >0 keeps the session after disconnect
  int keepalive_s = 60;
};

// One MQTT 5 client. Callbacks run on the loop's thread; they may publish on any client.
class LoadClient {
 public:
  std::function<void(int reason)> on_connect;
  std::function<void(const char* topic, const char* payload, int len)> on_message;
  std::function<void(int mid)> on_publish;
  std::function<void(int mid)> on_subscribe;
  std::function<void()> on_disconnect;

  // Queues a publish (QoS 1 beyond the broker's receive maximum waits in order); false when
  // not connected.
  bool Publish(const std::string& topic, const void* payload, int len, int qos);
  // One SUBSCRIBE packet for all filters; false when not connected.
  bool Subscribe(const std::vector<std::string>& filters, int qos);
  void Disconnect();

  bool connected() const { return state_ == State::kConnected; }
  bool failed() const { return failed_; }
  const std::string& name() const { return options_.name; }

 private:
  friend class LoadLoop;
  enum class State {
    kIdle,
    kTcpConnecting,
    kWsHandshake,  // WebSocket only: the upgrade request sent, its answer awaited
    kWaitConnack,
    kConnected,
    kClosing,
    kClosed
  };
  struct Queued {  // a QoS 1 publish waiting for a free slot in the broker's window
    std::string topic, payload;
  };

  LoadClient() = default;
  int NextMid();
  void WritePublish(const std::string& topic, const void* payload, int len, int qos, int mid);
  // Parses complete packets in in_; false on a protocol error.
  bool HandleInput();
  bool HandlePacket(uint8_t header, const uint8_t* p, size_t n);

  ClientOptions options_;
  class LoadLoop* loop_ = nullptr;
  State state_ = State::kIdle;
  int fd_ = -1;
  uint32_t events_ = 0;
  bool dirty_ = false;
  bool failed_ = false;
  std::string in_, out_;  // MQTT bytes
  // WebSocket: what goes on the wire (the upgrade request, then out_ framed); out_off_ then
  // counts in wire_, and ws_in_ holds the upgrade answer until it is complete.
  std::string wire_, ws_in_;
  WsReader ws_reader_;
  size_t out_off_ = 0;
  int next_mid_ = 0;
  int send_max_ = 65535;  // the broker's Receive Maximum (CONNACK)
  int in_flight_ = 0;     // our QoS 1 publishes not yet acknowledged
  std::deque<Queued> waiting_;
  int64_t last_write_ns_ = 0;
};

class LoadLoop {
 public:
  // MQTT over TCP to host:port, or with a non-empty ws_path over WebSocket to that path there
  // (imchat-gateway's /mqtt, subprotocol mqtt).
  LoadLoop(std::string host, int port, std::string ws_path = "");
  ~LoadLoop();
  LoadLoop(const LoadLoop&) = delete;
  LoadLoop& operator=(const LoadLoop&) = delete;

  // Creates a client; the loop owns it until Remove or destruction.
  LoadClient* Add(const ClientOptions& options);
  // Starts a non-blocking connect; on_connect reports the CONNACK. False on a local error.
  bool Connect(LoadClient* client);
  // Closes the socket and frees the client.
  void Remove(LoadClient* client);
  // Drives all clients until done() returns true (then returns true) or timeout_s passes.
  // tick() runs at least every tick_ms while waiting (pacing hook).
  bool RunUntil(const std::function<bool()>& done, double timeout_s,
                const std::function<void()>& tick = {}, int tick_ms = 1);

 private:
  friend class LoadClient;
  void MarkDirty(LoadClient* client);
  // Writes what is queued; keeps write interest while the socket is full.
  void Flush(LoadClient* client);
  void Drop(LoadClient* client);
  void Service(LoadClient* client, uint32_t events);
  // Takes bytes read from the socket: MQTT into in_ (through the upgrade answer and the frame
  // reader over WebSocket); false when the connection must end.
  bool Received(LoadClient* client, const char* data, size_t n);
  void SetInterest(LoadClient* client, uint32_t events);

  std::string host_;
  int port_;
  std::string ws_path_;
  int epoll_fd_;
  std::vector<std::unique_ptr<LoadClient>> clients_;
  std::vector<LoadClient*> dirty_;
  int64_t last_misc_ns_ = 0;
};

// Monotonic nanoseconds (shared by senders and receivers in this process).
int64_t NowNs();

}  // namespace imchat::bench
