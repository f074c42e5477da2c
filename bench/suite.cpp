// Runs the scenarios. Raw and stack alternate within every round (and which goes first
// alternates between rounds) so that noise from other work on the machine hits both alike.
#include "suite.h"

#include <cstdio>
#include <cstdlib>

#include "report.h"
#include "room_replay.h"
#include "stats.h"

namespace imchat::bench {

Sizes FullSizes() { return Sizes{}; }

Sizes QuickSizes() {
  Sizes s;
  s.rounds = 2;
  s.broadcast = 2000;
  s.private_messages = 3000;
  s.latency_s = 1.5;
  s.drain = 2000;
  s.archive = 5000;
  s.storm = 200;
  s.scale = 1000;
  s.scale_chat_s = 3;
  s.room_fanout = 300;
  s.room_replay = 2000;
  s.room_scale = 100;
  s.ws_big = 300;
  s.file_mib = 10;
  s.wait_s = 5;
  return s;
}

bool SetSize(Sizes* s, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos) return false;
  const std::string name = assignment.substr(0, eq);
  char* end = nullptr;
  const double v = std::strtod(assignment.c_str() + eq + 1, &end);
  if (*end != '\0' || v <= 0) return false;
  if (name == "broadcast") {
    s->broadcast = static_cast<long>(v);
  } else if (name == "private") {
    s->private_messages = static_cast<long>(v);
  } else if (name == "latency_s") {
    s->latency_s = v;
  } else if (name == "drain") {
    s->drain = static_cast<long>(v);
  } else if (name == "archive") {
    s->archive = static_cast<long>(v);
  } else if (name == "storm") {
    s->storm = static_cast<int>(v);
  } else if (name == "scale") {
    s->scale = static_cast<int>(v);
  } else if (name == "roomfanout") {
    s->room_fanout = static_cast<long>(v);
  } else if (name == "room_members") {
    s->room_members = static_cast<int>(v);
  } else if (name == "roomreplay") {
    s->room_replay = static_cast<long>(v);
  } else if (name == "roomscale") {
    s->room_scale = static_cast<int>(v);
  } else if (name == "room_scale_members") {
    s->room_scale_members = static_cast<int>(v);
  } else if (name == "ws_big") {
    s->ws_big = static_cast<long>(v);
  } else if (name == "file_mib") {
    s->file_mib = static_cast<long>(v);
  } else if (name == "ws_idle") {
    s->ws_idle = static_cast<int>(v);
  } else if (name == "scale_chat_s") {
    s->scale_chat_s = v;
  } else {
    return false;
  }
  return true;
}

int UsersNeeded(const Sizes& s) {
  // The gateway runs: 6 flows of 2 users per round, and the idle clients once; the file runs:
  // a raw stream and two transfers of 2 users each per round.
  return s.scale + s.rounds * (s.storm + s.room_members + 64 + 12 + 6) + s.ws_idle + 64;
}

const std::set<std::string>& ScenarioNames() {
  static const std::set<std::string> names{"broadcast",  "private",   "latency", "drain",
                                           "archive",    "storm",     "scale",   "roomfanout",
                                           "roomreplay", "roomscale", "gateway",
                                           "files"};
  return names;
}

void RunRound(Server* servers[2], const Sizes& sizes, const std::set<std::string>& only, int round,
              Results* results) {
  auto want = [&](const char* name) { return only.empty() || only.count(name); };
  const std::string tag =
      "round " + std::to_string(round + 1) + "/" + std::to_string(sizes.rounds) + " ";
  for (int step = 0; step < 2; ++step) {
    const int k = (round % 2 == 0) ? step : 1 - step;
    Server* server = servers[k];
    if (!server) continue;
    const std::string name = tag + KindName(server->kind()) + " ";
    if (want("storm")) {
      StormResult r = RunStorm(*server, sizes.storm, 100, sizes.wait_s);
      if (r.ok)
        Progress(name + "login storm: all online after " + Format("%.3f", r.online_seconds) +
                 " s, CONNACK p99 " + Format("%.1f", Percentile(r.connack_ms, 99)) + " ms");
      Keep(r, name + "storm", results, &results->storm[k]);
    }
    if (want("broadcast")) {
      FlowSpec spec;
      spec.broadcast = true;
      spec.subscribers = 10;
      spec.messages = sizes.broadcast;
      FlowResult r = RunFlow(*server, spec);
      Progress(name + "broadcast: " + Number(r.deliveries_per_s) + " deliveries/s");
      Keep(r, name + "broadcast", results, &results->broadcast[k]);
    }
    if (want("private")) {
      FlowSpec spec;
      spec.messages = sizes.private_messages;
      FlowResult r = RunFlow(*server, spec);
      Progress(name + "private: " + Number(r.messages_per_s) + " messages/s");
      Keep(r, name + "private", results, &results->private_messages[k]);
    }
    if (want("latency")) {
      FlowSpec spec;
      spec.rate = kLatencyRate;
      spec.window = 100000;
      spec.messages = static_cast<long>(kLatencyRate * sizes.latency_s);
      FlowResult r = RunFlow(*server, spec);
      Progress(name + "latency: p50 " + Format("%.0f", Percentile(r.latency_us, 50)) + " us, p99 " +
               Format("%.0f", Percentile(r.latency_us, 99)) + " us");
      Keep(r, name + "latency", results, &results->latency[k]);
    }
    if (want("archive") && server->stack()) {
      FlowSpec spec;
      spec.messages = sizes.archive;
      spec.wait_archive = true;
      spec.timeout_s = 120;
      FlowResult r = RunFlow(*server, spec);
      Progress(name + "archive: " +
               Number(r.archive_seconds > 0 ? static_cast<double>(sizes.archive) / r.archive_seconds
                                            : 0) +
               " messages/s archived, backlog " + std::to_string(r.archive_backlog));
      Keep(r, name + "archive", results, &results->archive);
      spec.pause_daemon = true;
      FlowResult c = RunFlow(*server, spec);
      Progress(name + "archive catch-up: " +
               Number(c.archive_seconds > 0 ? static_cast<double>(sizes.archive) / c.archive_seconds
                                            : 0) +
               " messages/s archived from a backlog");
      Keep(c, name + "archive catch-up", results, &results->catchup);
    }
    if (want("drain")) {
      DrainResult r = RunDrain(*server, sizes.drain, sizes.wait_s);
      if (r.ok) Progress(name + "offline drain: " + Format("%.3f", r.drain_seconds) + " s");
      Keep(r, name + "drain", results, &results->drain[k]);
    }
    if (want("roomfanout")) {
      FlowSpec spec;
      spec.room = "fanout" + std::to_string(round) + "-" + std::to_string(k);
      spec.subscribers = sizes.room_members;
      spec.messages = sizes.room_fanout;
      FlowResult r = RunFlow(*server, spec);
      Progress(name + "room fan-out: " + Number(r.deliveries_per_s) + " deliveries/s");
      Keep(r, name + "room fan-out", results, &results->room_fanout[k]);
    }
    if (want("roomreplay")) {
      DrainResult r = RunRoomReplay(*server, sizes.room_replay, sizes.wait_s);
      if (r.ok) Progress(name + "room replay: " + Format("%.3f", r.drain_seconds) + " s");
      Keep(r, name + "room replay", results, &results->room_replay[k]);
    }
    if (!server->Alive()) {
      results->failures.push_back(name + "server died");
      Progress(name + "the server died");
    }
  }
}

void RunRoomScaleOnce(const ServerPaths& paths, bool raw_only, const Sizes& sizes,
                      Results* results) {
  auto mb = [](long kib) { return static_cast<double>(kib) / 1024; };
  for (int k = 0; k < (raw_only ? 1 : 2); ++k) {
    const Kind kind = k == 0 ? Kind::kRaw : Kind::kStack;
    const std::string name = std::string(KindName(kind)) + " room scale ";
    std::string error;
    std::unique_ptr<Server> server = Server::Start(kind, paths, sizes.room_scale + 64, 0, &error);
    if (!server) {
      results->failures.push_back(name + "did not start: " + error);
      Progress(name + "FAILED: " + error);
      continue;
    }
    Progress(name + std::to_string(sizes.room_scale) + " rooms x " +
             std::to_string(sizes.room_scale_members) + " members (fresh server)");
    RoomScaleResult r = RunRoomScale(*server, sizes.room_scale, sizes.room_scale_members, 300);
    Progress(name + Format("set up in %.1f s; broker %.1f -> %.1f MB, daemon %.1f -> %.1f MB",
                           r.setup_seconds, mb(r.broker_before_kib), mb(r.broker_kib),
                           mb(r.daemon_before_kib), mb(r.daemon_kib)));
    if (!r.ok) {
      results->failures.push_back(name + r.error);
      Progress(name + "FAILED: " + r.error);
    }
    results->room_scale[k] = r;
  }
}

void RunScaleOnce(Server* servers[2], const Sizes& sizes, Results* results) {
  for (int k = 0; k < 2; ++k) {
    if (!servers[k]) continue;
    const std::string name = std::string(KindName(servers[k]->kind())) + " scale ";
    Progress(name + "logging in " + std::to_string(sizes.scale) + " users");
    ScaleResult r = RunScale(*servers[k], sizes.scale, sizes.scale_chat_s, 300);
    Progress(name + Format("broker %.1f MB, daemon %.1f MB, %ld/%ld chat messages",
                           static_cast<double>(r.broker_kib) / 1024,
                           static_cast<double>(r.daemon_kib) / 1024, r.chat_received, r.chat_sent));
    if (!r.ok) results->failures.push_back(name + r.error);
    results->scale[k] = r;
  }
}

}  // namespace imchat::bench
