// Helpers shared by the client chat-state tests: fixed times, messages as
// they come from the broker, and lines rendered in UTC for exact comparison.
#ifndef IMCHAT_TESTS_UNIT_CLIENT_STATE_UTIL_H_
#define IMCHAT_TESTS_UNIT_CLIENT_STATE_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "chat_state.h"

namespace client_state_test {

using imchat::client::Action;
using imchat::client::ChatState;
using imchat::client::Incoming;
using imchat::client::Line;
using imchat::client::ParseInput;
using imchat::client::Render;
using imchat::client::RenderOptions;

constexpr std::int64_t kNoon = 1795348801000;      // 2026-11-22 12:00:01 UTC
constexpr std::int64_t kEarlier = kNoon - 118000;  // 11:58:03

inline std::vector<std::string> Show(const std::vector<Line>& lines) {
  RenderOptions o;
  o.utc = true;
  o.now_ms = kNoon;
  std::vector<std::string> out;
  for (const Line& l : lines) out.push_back(Render(l, o));
  return out;
}

using Props = std::vector<std::pair<std::string, std::string>>;

inline Incoming Msg(std::string topic, std::string payload, Props props = {},
                    bool retained = false) {
  Incoming m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.props = std::move(props);
  m.retained = retained;
  return m;
}

inline std::vector<std::string> Receive(ChatState& s, const Incoming& m) {
  return Show(s.OnMessage(m, kNoon));
}

inline Action Type(ChatState& s, const std::string& line) {
  return s.OnInput(ParseInput(line), kNoon);
}

using Strings = std::vector<std::string>;

// The lines a fresh client (times in UTC) shows for `reply` on im/svc/alice
// after typing `command`.
inline Strings AnswerTo(const std::string& command, const std::string& reply) {
  ChatState s("alice");
  s.set_utc(true);
  Type(s, command);
  return Receive(s, Msg("im/svc/alice", reply));
}

}  // namespace client_state_test

#endif  // IMCHAT_TESTS_UNIT_CLIENT_STATE_UTIL_H_
