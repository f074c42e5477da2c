// Many users at once: the login storm (N distinct users log in; how long until all are in
// the retained im/online list, and CONNACK latency) and the scale run (N users connected and
// idle, 1 % of them chatting; memory of the broker and the daemon).
#pragma once

#include <string>
#include <vector>

#include "servers.h"

namespace imchat::bench {

struct StormResult {
  bool ok = false;
  std::string error;
  double login_seconds = 0;   // first connect until every user has its CONNACK and SUBACK
  double online_seconds = 0;  // first connect until im/online lists all (raw: = login_seconds)
  std::vector<double> connack_ms;
  bool logged_in = false;  // every user got CONNACK and SUBACK (connack_ms is complete)
};

// Logs in `users` fresh users, at most `window` logins in progress at once.
StormResult RunStorm(Server& server, int users, size_t window, double timeout_s);

struct ScaleResult {
  bool ok = false;
  std::string error;
  int users = 0;
  double login_seconds = 0;
  long broker_idle_kib = 0, daemon_idle_kib = 0;  // after login, before chatting
  long broker_kib = 0, daemon_kib = 0;            // after chatting
  long broker_peak_kib = 0, daemon_peak_kib = 0;  // VmHWM at the end
  long chat_sent = 0, chat_received = 0;
  std::vector<double> latency_us;
};

// Users 1..users (the server's reserved range) log in; 1 % send one private message a second
// each to random others for chat_s seconds; every message must arrive.
ScaleResult RunScale(Server& server, int users, double chat_s, double timeout_s);

}  // namespace imchat::bench
