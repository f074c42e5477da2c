// An MqttLink that records what the daemon publishes, for tests of the
// service and its parts without a broker.
#ifndef IMCHAT_TESTS_UNIT_FAKE_LINK_H_
#define IMCHAT_TESTS_UNIT_FAKE_LINK_H_

#include <cstdint>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mqtt_link.h"

namespace imchat::testing {

struct Sent {
  std::string topic, payload;
  bool retain;
  imchat::UserProps props;
  std::uint64_t tag;
  std::string correlation;  // MQTT 5 Correlation Data ("" = none)
  nlohmann::json Json() const { return nlohmann::json::parse(payload); }
  std::string Prop(const std::string& k) const {
    for (const auto& p : props) {
      if (p.first == k) return p.second;
    }
    return "";
  }
};

class FakeLink : public imchat::MqttLink {
 public:
  void Publish(const std::string& topic, const std::string& payload, int, bool retain,
               const imchat::UserProps& props, std::uint64_t tag,
               const std::string& correlation) override {
    sent.push_back({topic, payload, retain, props, tag, correlation});
  }
  // What was published on `topic`, in order.
  std::vector<Sent> On(const std::string& topic) const {
    std::vector<Sent> out;
    for (const auto& s : sent) {
      if (s.topic == topic) out.push_back(s);
    }
    return out;
  }
  std::vector<Sent> sent;
};

// The whole content of the file `path` ("" when it cannot be read).
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace imchat::testing

#endif  // IMCHAT_TESTS_UNIT_FAKE_LINK_H_
