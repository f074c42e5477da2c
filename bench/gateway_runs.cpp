// The WebSocket runs and their report. Both ends of every WebSocket flow go through the
// gateway, as two browser users would, so each message crosses it twice (in from the sender,
// out to the receiver) plus the PUBACKs both ways; its CPU per message counts all of that.
#include "gateway_runs.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "connect_wave.h"
#include "report.h"
#include "stats.h"
#include "suite.h"

namespace imchat::bench {
namespace {

const char* kTransport[2] = {"tcp", "ws"};

double MegabytesPerS(const FlowResult& r) {
  return r.seconds > 0 ? r.messages_per_s * static_cast<double>(kBigPayload) / 1e6 : 0;
}

double CpuUsPerMessage(const FlowResult& r, long messages) {
  return messages > 0 ? r.gateway_cpu_s * 1e6 / static_cast<double>(messages) : 0;
}

std::vector<double> Figures(const std::vector<FlowResult>& runs,
                            const std::function<double(const FlowResult&)>& f) {
  std::vector<double> out;
  for (const auto& r : runs) {
    if (r.ok) out.push_back(f(r));
  }
  return out;
}

}  // namespace

void RunGatewayRound(Server& stack, const GatewaySizes& sizes, int round, GatewayResults* results) {
  const std::string tag = "round " + std::to_string(round + 1) + " gateway ";
  for (int step = 0; step < 2; ++step) {
    const int k = (round % 2 == 0) ? step : 1 - step;
    const std::string name = tag + kTransport[k] + " ";
    FlowSpec p;
    p.messages = sizes.private_messages;
    p.websocket = k == 1;
    FlowResult r = RunFlow(stack, p);
    Progress(name + "private: " + Number(r.messages_per_s) + " messages/s, gateway " +
             Format("%.1f", CpuUsPerMessage(r, p.messages)) + " us CPU/message");
    Keep(r, name + "private", results, &results->private_messages[k]);

    FlowSpec l;
    l.rate = kLatencyRate;
    l.window = 100000;
    l.messages = static_cast<long>(kLatencyRate * sizes.latency_s);
    l.websocket = k == 1;
    r = RunFlow(stack, l);
    Progress(name + "latency: p50 " + Format("%.0f", Percentile(r.latency_us, 50)) + " us, p99 " +
             Format("%.0f", Percentile(r.latency_us, 99)) + " us");
    Keep(r, name + "latency", results, &results->latency[k]);

    FlowSpec b;
    b.messages = sizes.big;
    b.payload = kBigPayload;
    b.window = 32;  // 2 MiB in flight
    b.websocket = k == 1;
    r = RunFlow(stack, b);
    Progress(name + "64 KiB stream: " + Format("%.1f", MegabytesPerS(r)) + " MB/s");
    Keep(r, name + "64 KiB stream", results, &results->big[k]);
  }
}

void RunGatewayIdleOnce(Server& stack, const GatewaySizes& sizes, GatewayResults* results) {
  LoadLoop loop("127.0.0.1", stack.gateway_port(), "/mqtt");
  const int first = stack.TakeUsers(sizes.idle);
  std::vector<LoadClient*> clients;
  for (int i = 0; i < sizes.idle; ++i) clients.push_back(loop.Add(LoginFor(stack, first + i)));
  results->idle_clients = sizes.idle;
  results->rss_before_kib = RssKib(stack.gateway_pid());
  Progress("gateway: logging in " + std::to_string(sizes.idle) + " idle WebSocket clients");
  WaveResult w = ConnectWave(loop, clients, ChatFilters, 100, 60);
  if (!w.ok) {
    results->idle_error = "idle WebSocket clients: " + w.error;
    results->failures.push_back(results->idle_error);
    Progress(results->idle_error);
    LeaveAll(loop, clients);
    return;
  }
  // Let the presence updates of the logins pass, then measure with everyone quiet.
  loop.RunUntil([] { return false; }, 2);
  results->rss_idle_kib = RssKib(stack.gateway_pid());
  results->idle_ok = results->rss_idle_kib > 0;
  Progress(Format("gateway: RSS %.1f MB -> %.1f MB with %d idle WebSocket clients",
                  static_cast<double>(results->rss_before_kib) / 1024,
                  static_cast<double>(results->rss_idle_kib) / 1024, sizes.idle));
  LeaveAll(loop, clients);
}

std::string GatewayReport(const GatewayResults& res, const GatewaySizes& sizes) {
  Table t({"scenario", "figure", "TCP", "WebSocket", "WS vs TCP", "goal", "met"});
  auto med = [](const std::vector<FlowResult>& runs,
                const std::function<double(const FlowResult&)>& f) {
    return Median(Figures(runs, f));
  };
  auto ok = [](const std::vector<FlowResult>& runs) {
    for (const auto& r : runs) {
      if (r.ok) return true;
    }
    return false;
  };
  auto verdict = [](bool known, bool met) { return !known ? "n/a" : met ? "yes" : "**no**"; };
  const auto* pm = res.private_messages;
  auto rate = [](const FlowResult& r) { return r.messages_per_s; };
  {
    const bool both = ok(pm[0]) && ok(pm[1]);
    const double tcp = med(pm[0], rate), ws = med(pm[1], rate);
    const double ratio = both && tcp > 0 ? ws / tcp : 0;
    t.Add({"private 1 → 1, QoS 1, 64 B", "messages/s", ok(pm[0]) ? Number(tcp) : "n/a",
           ok(pm[1]) ? Number(ws) : "n/a", both ? Format("%.2f", ratio) : "n/a", "≥ 0.80",
           verdict(both, ratio >= 0.80)});
  }
  const std::string lat = Format("latency at %.0f msg/s, 1 → 1", kLatencyRate);
  const bool lat_both = ok(res.latency[0]) && ok(res.latency[1]);
  for (double p : {50.0, 99.0, 99.9}) {
    auto f = [p](const FlowResult& r) { return Percentile(r.latency_us, p) / 1000; };
    const double tcp = med(res.latency[0], f), ws = med(res.latency[1], f);
    t.Add({lat, Format("p%g ms", p), Format("%.3f", tcp), Format("%.3f", ws),
           lat_both ? Format("%+.3f ms", ws - tcp) : "n/a", p == 99.0 ? "≤ TCP + 1 ms" : "",
           p == 99.0 ? verdict(lat_both, ws <= tcp + 1) : ""});
  }
  {
    const bool both = ok(res.big[0]) && ok(res.big[1]);
    const double tcp = med(res.big[0], MegabytesPerS), ws = med(res.big[1], MegabytesPerS);
    t.Add({Format("stream of %ld × 64 KiB, 1 → 1", sizes.big), "MB/s (10⁶ bytes)",
           Format("%.1f", tcp), Format("%.1f", ws), both ? Format("%.2f", ws / tcp) : "n/a",
           "WS ≥ 50 MB/s", verdict(ok(res.big[1]), ws >= 50)});
  }
  auto per_msg = [](long n) { return [n](const FlowResult& r) { return CpuUsPerMessage(r, n); }; };
  auto share = [](const FlowResult& r) { return r.gateway_cpu * 100; };
  t.Add({"gateway CPU, private 1 → 1 (both ends WS)", "µs per message (utime+stime ÷ messages)",
         "—", Format("%.1f", med(pm[1], per_msg(sizes.private_messages))), "",
         Format("%.0f %% of a core", med(pm[1], share)), ""});
  t.Add({"gateway CPU, 64 KiB stream (both ends WS)", "µs per message", "—",
         Format("%.1f", med(res.big[1], per_msg(sizes.big))), "",
         Format("%.0f %% of a core", med(res.big[1], share)), ""});
  const double mb_before = static_cast<double>(res.rss_before_kib) / 1024;
  const double mb_idle = static_cast<double>(res.rss_idle_kib) / 1024;
  const double per_kib =
      res.idle_clients > 0
          ? static_cast<double>(res.rss_idle_kib - res.rss_before_kib) / res.idle_clients
          : 0;
  t.Add({Format("%d idle WebSocket clients, logged in", res.idle_clients),
         "gateway RSS MB (before → with them; per connection)", "—",
         res.idle_ok ? Format("%.1f → %.1f; %.1f KiB", mb_before, mb_idle, per_kib) : "n/a", "", "",
         ""});

  std::string out =
      "\nWebSocket through imchat-gateway vs direct TCP, the same stack in the same rounds "
      "(medians; every WebSocket flow has both ends on WebSocket):\n\n";
  out += t.Markdown();
  out += FailuresSection("Failed gateway runs", res.failures);
  return out;
}

}  // namespace imchat::bench
