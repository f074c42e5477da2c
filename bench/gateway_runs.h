// The WebSocket figures (issue 15): the same flows through imchat-gateway and directly over
// TCP to the same stack in the same round, and the gateway's memory with many idle clients.
#pragma once

#include <string>
#include <vector>

#include "flow.h"
#include "servers.h"

namespace imchat::bench {

struct GatewaySizes {
  long private_messages = 100000;  // 1 -> 1, 64-byte payloads, window of 200
  double latency_s = 10;           // at kLatencyRate
  long big = 2000;                 // 64 KiB messages, 1 -> 1
  int idle = 1000;                 // idle WebSocket clients, logged in
};

inline constexpr size_t kBigPayload = 64 * 1024;

struct GatewayResults {
  // Index 0: direct TCP, 1: WebSocket through the gateway (sender and receiver alike).
  std::vector<FlowResult> private_messages[2], latency[2], big[2];
  bool idle_ok = false;
  std::string idle_error;
  int idle_clients = 0;
  long rss_before_kib = 0, rss_idle_kib = 0;  // gateway VmRSS before and with the idle clients
  std::vector<std::string> failures;
};

// One round on a stack whose gateway runs: private, latency and the 64 KiB stream, each over
// TCP and over WebSocket (which goes first alternates with the round).
void RunGatewayRound(Server& stack, const GatewaySizes& sizes, int round, GatewayResults* results);
// Logs in sizes.idle fresh users over WebSocket, measures the gateway's RSS, logs them out.
void RunGatewayIdleOnce(Server& stack, const GatewaySizes& sizes, GatewayResults* results);
// The Markdown section of these figures against issue 15's goals.
std::string GatewayReport(const GatewayResults& results, const GatewaySizes& sizes);

}  // namespace imchat::bench
