// The benchmark suite: which scenarios run with what sizes, interleaving raw and stack runs
// round by round, and the report of medians and ratios.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "crowd.h"
#include "drain.h"
#include "flow.h"
#include "room_scale.h"
#include "servers.h"

namespace imchat::bench {

struct Sizes {
  int rounds = 3;
  // Throughput runs last about a second each: shorter ones (0.2-0.3 s) moved by ±10 %
  // between rounds on a shared machine.
  long broadcast = 50000;  // messages, each to 10 subscribers
  long private_messages = 100000;
  double latency_s = 10;  // at kLatencyRate
  long drain = 10000;
  long archive = 100000;
  int storm = 1000;
  int scale = 10000;
  double scale_chat_s = 20;
  long room_fanout = 5000;  // messages, each to room_members members (0.5 M deliveries)
  int room_members = 100;
  long room_replay = 10000;  // missed room messages replayed at login
  int room_scale = 1000;     // rooms of room_scale_members members each
  int room_scale_members = 20;
  long ws_big = 2000;  // 64 KiB messages in the gateway's stream run (gateway_runs.h)
  int ws_idle = 1000;  // idle WebSocket clients for the gateway's memory figure
  long file_mib = 100;  // the file uploaded and downloaded in the files scenario (file_runs.h)
  double wait_s = 20;  // how long a drain or im/online may take before the run counts as failed
};
Sizes FullSizes();
Sizes QuickSizes();
// Applies "name=value" (a Sizes field name); false for an unknown name or a bad value.
bool SetSize(Sizes* sizes, const std::string& assignment);
// Users the servers need: the scale range plus everything the rounds take.
int UsersNeeded(const Sizes& sizes);

inline constexpr double kLatencyRate = 2000;

struct Results {
  // Index 0: raw, 1: stack.
  std::vector<FlowResult> broadcast[2], private_messages[2], latency[2], archive, catchup,
      room_fanout[2];
  std::vector<DrainResult> drain[2], room_replay[2];
  RoomScaleResult room_scale[2];
  std::vector<StormResult> storm[2];
  ScaleResult scale[2];
  std::vector<std::string> failures;
};

// Scenario names for --only: broadcast private latency drain archive storm scale roomfanout
// roomreplay roomscale gateway files.
const std::set<std::string>& ScenarioNames();

// Runs one round of the interleaved scenarios on the servers that are non-null
// (servers[0] raw, servers[1] stack); odd rounds start with the stack.
void RunRound(Server* servers[2], const Sizes& sizes, const std::set<std::string>& only, int round,
              Results* results);
// The one-off room memory run, each kind on a fresh server of its own started here (raw, then
// the stack unless raw_only), so its RSS figures carry nothing of the other scenarios and the
// rooms it leaves behind touch none of them.
void RunRoomScaleOnce(const ServerPaths& paths, bool raw_only, const Sizes& sizes,
                      Results* results);
// The one-off scale run on each server (run last: it leaves thousands of presences behind).
void RunScaleOnce(Server* servers[2], const Sizes& sizes, Results* results);
// Markdown report: summary table against the goals, then the per-run figures.
std::string Report(const Results& results, const Sizes& sizes, const std::string& machine);

}  // namespace imchat::bench
