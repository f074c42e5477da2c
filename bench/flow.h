// A message flow from one publisher to N subscribers (broadcast) or to one recipient (private
// message), paced by a window of in-flight messages or at a fixed rate. Every subscriber
// checks that each message arrives once and in order; latency comes from the send time in
// the payload.
#pragma once

#include <string>
#include <vector>

#include "servers.h"

namespace imchat::bench {

struct FlowSpec {
  bool broadcast = false;  // im/all to `subscribers` users; else im/user to one recipient
  // Non-empty: a room flow to `subscribers` members of this room (new name per run). On the
  // stack the publisher creates it and the members join with commands before sending; the
  // members subscribe as the imchat client does (im/room/+/+, im/svc/<me>, their inbox), on raw
  // too, and the publisher sends to im/room/<room> (raw: im/room/<room>/<me>).
  std::string room;
  int subscribers = 1;
  long messages = 1000;
  size_t window = 200;  // messages sent but not yet received by every subscriber
  double rate = 0;      // messages/s; 0: as fast as the window allows
  size_t payload = 64;
  double timeout_s = 60;
  bool wait_archive = false;  // stack: also wait until the daemon archived every message
  // stack: SIGSTOP the daemon while sending, SIGCONT once all are delivered; archive_seconds
  // then times only its catching up with the backlog (its own ingest rate, the broker idle).
  bool pause_daemon = false;
  // Every client (sender and receivers) over WebSocket through the server's gateway instead
  // of TCP to the broker.
  bool websocket = false;
};

struct FlowResult {
  bool ok = false;
  std::string error;
  double seconds = 0;  // first send to last delivery
  double messages_per_s = 0;
  double deliveries_per_s = 0;
  std::vector<double> latency_us;
  long lost = 0, duplicates = 0, out_of_order = 0;
  // Share of one core used during the run.
  double generator_cpu = 0, broker_cpu = 0, daemon_cpu = 0, gateway_cpu = 0;
  double gateway_cpu_s = 0;    // the gateway's CPU seconds (user + system) during the run
  double archive_seconds = 0;  // first send (or the daemon's resume) to last message archived
  long archive_backlog = 0;    // not yet archived when the last delivery arrived
};

FlowResult RunFlow(Server& server, const FlowSpec& spec);

}  // namespace imchat::bench
