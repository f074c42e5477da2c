// Payload shapes of the service's publications (service_output.h).
#include "service_output.h"

#include "topics.h"

namespace imchat {

using nlohmann::json;

std::string DumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json ReplyOk(const std::string& cmd, const std::string& text) {
  return {{"type", "reply"}, {"cmd", cmd}, {"ok", true}, {"text", text}};
}

json ReplyError(const std::string& cmd, const std::string& text) {
  return {{"type", "reply"}, {"cmd", cmd}, {"ok", false}, {"error", text}, {"text", text}};
}

void ServiceOutput::Publish(const std::string& topic, const json& j, bool retain) {
  link_.Publish(topic, DumpJson(j), 1, retain, {}, 0, {});
}

void ServiceOutput::Reply(const std::string& user, const json& j, const std::string& correlation) {
  link_.Publish(SvcTopic(user), DumpJson(j), 1, false, {}, 0, correlation);
}

void ServiceOutput::Control(const json& j) { Publish(kControlTopic, j); }

void ServiceOutput::DeliveryStatus(const std::string& sender, const std::string& id,
                                   const std::string& ref, const std::string& to,
                                   const std::string& status, const std::string& reason) {
  json j = {{"type", "status"}, {"id", id}, {"to", to}, {"status", status}};
  if (!ref.empty()) j["ref"] = ref;
  if (!reason.empty()) j["reason"] = reason;
  j["text"] = status == "delivered" ? "delivered to " + to
              : status == "queued"  ? to + " is offline; queued for delivery"
                                    : status + " (" + reason + ")";
  Reply(sender, j);
}

}  // namespace imchat
