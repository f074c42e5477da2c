// The narrow MQTT interface the service logic talks to, so it can be unit
// tested with a fake. The real one (mosquitto_link.h) wraps libmosquitto.
#ifndef IMCHAT_DAEMON_MQTT_LINK_H_
#define IMCHAT_DAEMON_MQTT_LINK_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace imchat {

using UserProps = std::vector<std::pair<std::string, std::string>>;

// A message the service received.
struct InMessage {
  std::string topic;
  std::string payload;
  UserProps props;
  bool retained = false;

  // The value of user property `name`, or "" when absent.
  std::string Prop(const std::string& name) const {
    for (const auto& p : props) {
      if (p.first == name) return p.second;
    }
    return "";
  }
};

// Reason code reported for a publish that never reached the broker
// (not connected, client error).
inline constexpr int kNotSent = -1;

class MqttLink {
 public:
  virtual ~MqttLink() = default;
  // Sends a PUBLISH. When `tag` != 0 the outcome is reported back to the
  // service as Service::OnPublished(tag, reason): 0 on success, the PUBACK
  // reason code (>= 0x80) when the broker refused it, kNotSent otherwise.
  // A non-empty `correlation` goes out as the MQTT 5 Correlation Data
  // (binary, any bytes). Never throws.
  virtual void Publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                       const UserProps& props, std::uint64_t tag,
                       const std::string& correlation) = 0;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_MQTT_LINK_H_
