// The MQTT edge: libmosquitto (MQTT 5, persistent session) behind MqttLink,
// driven from the service's own thread (no network thread): Poll() reads and
// writes the socket and turns what arrived into Events on the queue. One thread
// for network and service logic means no hand-over between threads per message,
// which profiles showed to be most of the daemon's cost with a threaded client.
#ifndef IMCHAT_DAEMON_MOSQUITTO_LINK_H_
#define IMCHAT_DAEMON_MOSQUITTO_LINK_H_

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "event_queue.h"
#include "mqtt_link.h"

struct mosquitto;
struct mosquitto_message;
typedef struct mqtt5__property mosquitto_property;

namespace imchat {

struct LinkConfig {
  std::string host;
  int port = 1883;
  std::string client_id;
  std::string user;
  std::string password;
  int keepalive_s = 10;
};

class MosquittoLink : public MqttLink {
 public:
  MosquittoLink(const LinkConfig& config, EventQueue& events);
  ~MosquittoLink() override;
  MosquittoLink(const MosquittoLink&) = delete;
  MosquittoLink& operator=(const MosquittoLink&) = delete;

  // Starts a connection attempt (the TCP connect itself blocks); the outcome
  // arrives as kConnectOk or kConnectFailed.
  void Connect();
  // Subscribes to the service's filters; kSubscribed (or kLost) follows.
  void SubscribeAll();
  // Sends what is queued (waiting at most a few seconds) and disconnects.
  void Disconnect();
  // Runs the network for up to `timeout_ms`: waits for the socket, reads what
  // arrived (as events), writes what is queued, sends keepalives. Returns
  // false without waiting when there is no connection (the caller waits).
  bool Poll(int timeout_ms);
  // Poll() corks the socket once something arrived, so the acknowledgements
  // and publishes of one batch of events share TCP segments; call this after
  // the batch is handled and flushed to send them.
  void Uncork();

  // Queues the message in order and hands libmosquitto what fits in its
  // window. Never throws; nothing is dropped silently: a tagged publish that
  // cannot be sent is reported as kNotSent, untagged ones wait for the next
  // connection.
  void Publish(const std::string& topic, const std::string& payload, int qos, bool retain,
               const UserProps& props, std::uint64_t tag, const std::string& correlation) override;
  // Hands queued messages to libmosquitto as the window frees up.
  void Flush();
  // Untagged publishes given up since the last call (the outbox overflowed
  // during a long disconnection, or libmosquitto refused one outright).
  std::size_t TakeDropped();

 private:
  struct Outgoing {
    std::string topic;
    std::string payload;
    int qos;
    bool retain;
    UserProps props;
    std::uint64_t tag;
    std::string correlation;
  };
  enum class State { kIdle, kConnecting, kConnected };

  static void OnConnect(struct mosquitto*, void* self, int rc, int flags,
                        const mosquitto_property*);
  static void OnDisconnect(struct mosquitto*, void* self, int rc, const mosquitto_property*);
  static void OnSubscribe(struct mosquitto*, void* self, int mid, int count, const int* granted,
                          const mosquitto_property*);
  static void OnPublish(struct mosquitto*, void* self, int mid, int reason,
                        const mosquitto_property*);
  static void OnMessage(struct mosquitto*, void* self, const struct mosquitto_message* msg,
                        const mosquitto_property* props);

  bool Send(const Outgoing& o);  // false when libmosquitto refused it
  void SetCork(bool on);
  void NotSent(std::uint64_t tag);
  void Lost(const std::string& why);

  LinkConfig config_;
  EventQueue& events_;
  struct mosquitto* mosq_ = nullptr;
  State state_ = State::kIdle;
  bool corked_ = false;
  std::size_t last_batch_ = 0;         // events read by the last Poll()
  std::int64_t connect_deadline_ = 0;  // steady ms
  std::size_t subscribes_left_ = 0;
  bool subscribe_failed_ = false;
  std::unordered_map<int, std::uint64_t> in_flight_;  // mid -> tag (0: untagged)
  std::deque<Outgoing> outbox_;  // waiting for room in the window, or for a connection
  std::size_t tagged_ = 0;       // tagged publishes in the outbox
  std::size_t dropped_ = 0;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_MOSQUITTO_LINK_H_
