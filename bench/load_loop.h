// The load generator's engine: many libmosquitto clients driven by one thread through epoll
// (mosquitto_loop_read/write/misc on our own poll), so one core can push a broker harder than
// a thread per client would and the generator's own CPU use is easy to measure.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct mosquitto;

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

  // Queues a publish; returns false when libmosquitto refuses it (not connected, ...).
  bool Publish(const std::string& topic, const void* payload, int len, int qos);
  // One SUBSCRIBE packet for all filters; returns false on a local error.
  bool Subscribe(const std::vector<std::string>& filters, int qos);
  void Disconnect();

  bool connected() const { return connected_; }
  bool failed() const { return failed_; }
  const std::string& name() const { return options_.name; }

 private:
  friend class LoadLoop;
  LoadClient() = default;
  ClientOptions options_;
  mosquitto* mosq_ = nullptr;
  class LoadLoop* loop_ = nullptr;
  int fd_ = -1;
  uint32_t events_ = 0;
  bool dirty_ = false;
  bool connected_ = false;
  bool failed_ = false;
};

class LoadLoop {
 public:
  LoadLoop(std::string host, int port);
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
  void UpdateInterest(LoadClient* client);
  void Drop(LoadClient* client);
  void Service(LoadClient* client, uint32_t events);

  std::string host_;
  int port_;
  int epoll_fd_;
  std::vector<std::unique_ptr<LoadClient>> clients_;
  std::vector<LoadClient*> dirty_;
  int64_t last_misc_ns_ = 0;
};

// Monotonic nanoseconds (shared by senders and receivers in this process).
int64_t NowNs();

}  // namespace imchat::bench
