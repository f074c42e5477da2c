// The MQTT edge: Paho's async client (MQTT 5, persistent session) behind
// MqttLink. Every Paho callback becomes an Event on the queue; Paho's
// exceptions stop here.
#ifndef IMCHAT_DAEMON_PAHO_LINK_H_
#define IMCHAT_DAEMON_PAHO_LINK_H_

#include <memory>
#include <string>

#include "event_queue.h"
#include "mqtt_link.h"

namespace imchat {

struct LinkConfig {
  std::string host;
  int port = 1883;
  std::string client_id;
  std::string user;
  std::string password;
  int keepalive_s = 10;
};

class PahoLink : public MqttLink {
 public:
  PahoLink(const LinkConfig& config, EventQueue& events);
  ~PahoLink() override;

  // Starts a connection attempt; the outcome arrives as kConnectOk or
  // kConnectFailed.
  void Connect();
  // Subscribes to the service's filters; kSubscribed (or kLost) follows.
  void SubscribeAll();
  // Disconnects cleanly, waiting at most a few seconds.
  void Disconnect();

  // Queues the message in order and hands Paho what fits in its window.
  // Never throws; nothing is dropped silently: a tagged publish that cannot be
  // sent is reported as kNotSent, untagged ones wait for the next connection.
  void Publish(const std::string& topic, const std::string& payload, int qos, bool retain,
               const UserProps& props, std::uint64_t tag) override;
  // Hands queued messages to Paho as the window frees up (call after each
  // batch of events; a completion that frees room wakes the event queue).
  void Flush();
  // Untagged publishes given up since the last call (the outbox overflowed
  // during a long disconnection, or Paho refused one outright).
  std::size_t TakeDropped();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_PAHO_LINK_H_
