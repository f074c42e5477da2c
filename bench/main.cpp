// imchat-bench: what imchat adds to the broker's cost. Starts the full stack (mosquitto +
// imchat_auth.so + imchat-service) and a plain mosquitto with the same settings, drives both
// with the same libmosquitto load generator in interleaved rounds, and prints a Markdown table
// of medians and stack/raw ratios (also written to --out). Progress goes to stderr.
//
// The "gateway" scenario starts imchat-gateway beside the stack and runs the private, latency
// and 64 KiB flows over WebSocket and over TCP in the same rounds (gateway_runs.h).
//
// Usage: imchat-bench --source-dir DIR --build-dir DIR [--quick] [--rounds N]
//                     [--only a,b,...] [--out FILE] [--raw-only] [--set size=value]
// Sizes for --set: broadcast, private, latency_s, drain, archive, storm, scale, scale_chat_s,
// roomfanout, room_members, roomreplay, roomscale, room_scale_members, ws_big, ws_idle, file_mib.
// Usually started by scripts/bench.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "file_runs.h"
#include "gateway_runs.h"
#include "report.h"
#include "suite.h"

namespace {

using namespace imchat::bench;

struct Options {
  std::string source_dir, build_dir, out;
  bool quick = false, raw_only = false;
  int rounds = 0;
  std::set<std::string> only;
  std::vector<std::string> sets;  // size=value overrides
};

int Usage(const char* why) {
  std::fprintf(stderr,
               "imchat-bench: %s\nusage: imchat-bench --source-dir DIR --build-dir DIR [--quick] "
               "[--rounds N] [--only broadcast,private,latency,drain,archive,storm,scale,"
               "roomfanout,roomreplay,roomscale,gateway,files] "
               "[--out FILE] [--raw-only] [--set size=value ...]\n",
               why);
  return 2;
}

// 10,000 clients here and 10,000 connections in mosquitto (which inherits the limit).
void RaiseOpenFiles() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--source-dir") {
      o.source_dir = value();
    } else if (a == "--build-dir") {
      o.build_dir = value();
    } else if (a == "--out") {
      o.out = value();
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--raw-only") {
      o.raw_only = true;
    } else if (a == "--rounds") {
      o.rounds = std::atoi(value().c_str());
      if (o.rounds < 1) return Usage("--rounds needs a number ≥ 1");
    } else if (a == "--set") {
      o.sets.push_back(value());
    } else if (a == "--only") {
      std::stringstream list(value());
      std::string name;
      while (std::getline(list, name, ',')) {
        if (!ScenarioNames().count(name)) return Usage(("unknown scenario '" + name + "'").c_str());
        o.only.insert(name);
      }
    } else {
      return Usage(("unknown option '" + a + "'").c_str());
    }
  }
  if (o.source_dir.empty() || o.build_dir.empty())
    return Usage("--source-dir and --build-dir are required");
  if (o.out.empty()) o.out = o.source_dir + "/bench/results/latest.md";

  Sizes sizes = o.quick ? QuickSizes() : FullSizes();
  if (o.rounds) sizes.rounds = o.rounds;
  for (const auto& set : o.sets) {
    if (!SetSize(&sizes, set)) return Usage(("bad --set '" + set + "'").c_str());
  }
  if (!o.only.empty() && !o.only.count("scale")) sizes.scale = 0;
  if (!o.only.empty() && !o.only.count("roomscale")) sizes.room_scale = 0;
  RaiseOpenFiles();

  ServerPaths paths{o.source_dir, o.build_dir + "/auth-service/imchat_auth.so",
                    o.build_dir + "/auth-service/imchat-service",
                    o.build_dir + "/gateway/imchat-gateway"};
  std::string error;
  const int users = UsersNeeded(sizes);
  std::unique_ptr<Server> raw = Server::Start(Kind::kRaw, paths, users, sizes.scale, &error);
  if (!raw) {
    std::fprintf(stderr, "imchat-bench: %s\n", error.c_str());
    return 1;
  }
  std::unique_ptr<Server> stack;
  if (!o.raw_only) {
    stack = Server::Start(Kind::kStack, paths, users, sizes.scale, &error);
    if (!stack) {
      std::fprintf(stderr, "imchat-bench: the stack did not start (%s); raw only\n", error.c_str());
    }
  }
  Server* servers[2] = {raw.get(), stack.get()};
  Results results;
  GatewayResults gateway;
  const GatewaySizes gateway_sizes{sizes.private_messages, sizes.latency_s, sizes.ws_big,
                                   sizes.ws_idle};
  bool with_gateway = stack && (o.only.empty() || o.only.count("gateway"));
  const bool with_files = o.only.empty() || o.only.count("files");
  FileResults files;
  const FileSizes file_sizes{sizes.file_mib};
  if (stack && (with_gateway || with_files)) {
    if (!stack->StartGateway(paths, sizes.ws_idle + 100, &error)) {
      gateway.failures.push_back("gateway: " + error);
      std::fprintf(stderr, "imchat-bench: %s; no WebSocket figures\n", error.c_str());
      with_gateway = false;
    }
  }
  for (int round = 0; round < sizes.rounds; ++round) {
    RunRound(servers, sizes, o.only, round, &results);
    if (with_gateway) RunGatewayRound(*stack, gateway_sizes, round, &gateway);
    if (with_files) RunFilesRound(raw.get(), stack.get(), file_sizes, round, &files);
  }
  if (with_gateway) RunGatewayIdleOnce(*stack, gateway_sizes, &gateway);
  if (sizes.room_scale > 0) RunRoomScaleOnce(paths, o.raw_only, sizes, &results);
  if (sizes.scale > 0) RunScaleOnce(servers, sizes, &results);

  std::string report = Report(results, sizes, MachineDescription());
  if (with_gateway || !gateway.failures.empty()) report += GatewayReport(gateway, gateway_sizes);
  if (with_files) report += FilesReport(files);
  std::cout << report << std::flush;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(o.out).parent_path(), ec);
  std::ofstream(o.out) << report;
  std::fprintf(stderr, "bench: wrote %s\n", o.out.c_str());
  return results.failures.empty() && gateway.failures.empty() && files.failures.empty() ? 0 : 1;
}
