// What the service publishes, in the shapes topics.md gives them: JSON on a
// topic, replies and delivery statuses on im/svc/<user>, and requests to the
// plugin on $CONTROL/imchat/v1. Every part of the service publishes through
// one ServiceOutput, so each payload's wording has one home.
#ifndef IMCHAT_DAEMON_SERVICE_OUTPUT_H_
#define IMCHAT_DAEMON_SERVICE_OUTPUT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "mqtt_link.h"

namespace imchat {

// `j` as compact JSON; invalid UTF-8 (message bodies may hold any bytes) is
// replaced rather than thrown on.
std::string DumpJson(const nlohmann::json& j);

// A command's reply: {"type":"reply","cmd","ok":true,"text"}, and a refusal
// with the same text in `error`.
nlohmann::json ReplyOk(const std::string& cmd, const std::string& text);
nlohmann::json ReplyError(const std::string& cmd, const std::string& text);

class ServiceOutput {
 public:
  explicit ServiceOutput(MqttLink& link) : link_(link) {}

  // QoS 1, no user properties, no PUBACK tag.
  void Publish(const std::string& topic, const nlohmann::json& j, bool retain = false);
  // On im/svc/<user>: a reply, welcome, notice or status. `correlation`: the
  // MQTT 5 Correlation Data of the command this answers, echoed so that only
  // the device that asked takes it as its own (topics.md "Several devices");
  // "" for everything that is not an answer to one command.
  void Reply(const std::string& user, const nlohmann::json& j, const std::string& correlation = "");
  // On $CONTROL/imchat/v1: hello, blocks, block/unblock, stored, kick.
  void Control(const nlohmann::json& j);
  // A delivery status for the message `id` that `sender` sent to `to`
  // ("delivered", "queued" or "refused" with a `reason`), with its text.
  void DeliveryStatus(const std::string& sender, const std::string& id, const std::string& ref,
                      const std::string& to, const std::string& status,
                      const std::string& reason = "");

  // For publications that are not JSON or carry properties and tags (replay).
  MqttLink& link() { return link_; }

 private:
  MqttLink& link_;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_SERVICE_OUTPUT_H_
