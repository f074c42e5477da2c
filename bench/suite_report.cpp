// The report: medians over rounds of each figure, the stack/raw ratio, and the goal.
#include <functional>

#include "limits.h"
#include "report.h"
#include "stats.h"
#include "suite.h"

namespace imchat::bench {
namespace {

template <typename R>
double MedianOf(const std::vector<R>& runs, const std::function<double(const R&)>& figure) {
  std::vector<double> values;
  for (const auto& r : runs) {
    if (r.ok) values.push_back(figure(r));
  }
  return Median(values);
}

template <typename R>
bool AnyOk(const std::vector<R>& runs) {
  for (const auto& r : runs) {
    if (r.ok) return true;
  }
  return false;
}

std::string Cell(bool present, double value, const char* fmt = nullptr) {
  if (!present) return "n/a";
  return fmt ? Format(fmt, value) : Number(value);
}

std::string Verdict(bool known, bool met) { return !known ? "n/a" : met ? "yes" : "**no**"; }

}  // namespace

std::string Report(const Results& res, const Sizes& sizes, const std::string& machine) {
  Table t({"scenario", "figure", "raw", "stack", "stack ÷ raw", "goal", "met"});
  auto ratio_row = [&](const std::string& scenario, const std::string& figure,
                       const std::vector<FlowResult>* runs,
                       const std::function<double(const FlowResult&)>& f, double goal) {
    bool raw_ok = AnyOk(runs[0]), stack_ok = AnyOk(runs[1]);
    double raw = MedianOf(runs[0], f), stack = MedianOf(runs[1], f);
    bool both = raw_ok && stack_ok && raw > 0;
    t.Add({scenario, figure, Cell(raw_ok, raw), Cell(stack_ok, stack),
           Cell(both, both ? stack / raw : 0, "%.2f"), Format("≥ %.2f", goal),
           Verdict(both, both && stack / raw >= goal)});
  };
  ratio_row(
      "broadcast 1 → 10, QoS 1", "deliveries/s", res.broadcast,
      [](const FlowResult& r) { return r.deliveries_per_s; }, 0.90);
  ratio_row(
      "private 1 → 1, QoS 1", "messages/s", res.private_messages,
      [](const FlowResult& r) { return r.messages_per_s; }, 0.85);

  const std::string lat = Format("latency at %.0f msg/s, 1 → 1", kLatencyRate);
  bool lat_raw = AnyOk(res.latency[0]), lat_stack = AnyOk(res.latency[1]);
  for (double p : {50.0, 99.0, 99.9}) {
    auto f = [p](const FlowResult& r) { return Percentile(r.latency_us, p) / 1000; };
    double raw = MedianOf<FlowResult>(res.latency[0], f);
    double stack = MedianOf<FlowResult>(res.latency[1], f);
    bool both = lat_raw && lat_stack;
    std::string goal = p == 99.0 ? "≤ raw + 1 ms" : "";
    t.Add({lat, Format("p%g ms", p), Cell(lat_raw, raw, "%.3f"), Cell(lat_stack, stack, "%.3f"),
           Cell(both, stack - raw, "%+.3f ms"), goal,
           p == 99.0 ? Verdict(both, stack <= raw + 1) : ""});
  }

  auto drain_f = [](const DrainResult& r) { return r.drain_seconds; };
  bool d_raw = AnyOk(res.drain[0]), d_stack = AnyOk(res.drain[1]);
  double d_stack_v = MedianOf<DrainResult>(res.drain[1], drain_f);
  t.Add({Format("offline drain, %ld queued", sizes.drain), "s from login to the last, in order",
         Cell(d_raw, MedianOf<DrainResult>(res.drain[0], drain_f), "%.3f"),
         Cell(d_stack, d_stack_v, "%.3f"), "", "≤ 1 s", Verdict(d_stack, d_stack_v <= 1)});

  auto archived = [&](const FlowResult& r) {
    return r.archive_seconds > 0 ? static_cast<double>(sizes.archive) / r.archive_seconds : 0;
  };
  bool a_ok = AnyOk(res.archive), p_raw = AnyOk(res.private_messages[0]);
  double a = MedianOf<FlowResult>(res.archive, archived);
  double raw_p = MedianOf<FlowResult>(res.private_messages[0],
                                      [](const FlowResult& r) { return r.messages_per_s; });
  t.Add({Format("archive ingest, %ld private messages", sizes.archive),
         "messages/s until the last is archived (raw: 1 → 1 rate)", Cell(p_raw, raw_p),
         Cell(a_ok, a), Cell(a_ok && p_raw, a_ok && p_raw ? a / raw_p : 0, "%.2f"), "≥ 1.00",
         Verdict(a_ok && p_raw, a >= raw_p)});
  bool c_ok = AnyOk(res.catchup);
  double c = MedianOf<FlowResult>(res.catchup, archived);
  t.Add({Format("archive catch-up, %ld private messages", sizes.archive),
         "messages/s the daemon archives a backlog (sent while it was stopped)", Cell(p_raw, raw_p),
         Cell(c_ok, c), Cell(c_ok && p_raw, c_ok && p_raw ? c / raw_p : 0, "%.2f"), "", ""});

  bool s_raw = AnyOk(res.storm[0]), s_stack = AnyOk(res.storm[1]);
  auto online = [](const StormResult& r) { return r.online_seconds; };
  auto connack = [](const StormResult& r) { return Percentile(r.connack_ms, 99); };
  double so = MedianOf<StormResult>(res.storm[1], online);
  // CONNACK latency counts whenever every login completed, even if im/online fell behind.
  auto logins = [](const std::vector<StormResult>& runs) {
    std::vector<StormResult> out;
    for (StormResult r : runs) {
      if (r.logged_in) {
        r.ok = true;
        out.push_back(r);
      }
    }
    return out;
  };
  const std::vector<StormResult> login_runs[2] = {logins(res.storm[0]), logins(res.storm[1])};
  bool l_raw = AnyOk(login_runs[0]), l_stack = AnyOk(login_runs[1]);
  double sc = MedianOf<StormResult>(login_runs[1], connack);
  const std::string storm = Format("login storm, %d users", sizes.storm);
  t.Add({storm, "s until all are in im/online (raw: all logged in)",
         Cell(s_raw, MedianOf<StormResult>(res.storm[0], online), "%.3f"),
         Cell(s_stack, so, "%.3f"), "", "≤ 3 s", Verdict(s_stack, so <= 3)});
  t.Add({storm, "CONNACK p99 ms",
         Cell(l_raw, MedianOf<StormResult>(login_runs[0], connack), "%.1f"),
         Cell(l_stack, sc, "%.1f"), "", "≤ 20 ms", Verdict(l_stack, sc <= 20)});

  const ScaleResult& sr = res.scale[0];
  const ScaleResult& ss = res.scale[1];
  const std::string scale = Format("scale, %d users idle + 1 %% chatting", sizes.scale);
  auto mb = [](long kib) { return static_cast<double>(kib) / 1024; };
  t.Add({scale, "broker RSS MB (idle / chatting)",
         sr.users ? Format("%.1f / %.1f", mb(sr.broker_idle_kib), mb(sr.broker_kib)) : "n/a",
         ss.users ? Format("%.1f / %.1f", mb(ss.broker_idle_kib), mb(ss.broker_kib)) : "n/a", "",
         "", ""});
  t.Add({scale, "daemon RSS MB (idle / chatting / peak)", "—",
         ss.users ? Format("%.1f / %.1f / %.1f", mb(ss.daemon_idle_kib), mb(ss.daemon_kib),
                           mb(ss.daemon_peak_kib))
                  : "n/a",
         "", "≤ 64 MB", Verdict(ss.ok, mb(ss.daemon_peak_kib) <= 64)});

  ratio_row(
      Format("room fan-out 1 → %d members, QoS 1", sizes.room_members), "deliveries/s",
      res.room_fanout, [](const FlowResult& r) { return r.deliveries_per_s; }, 0.90);
  bool rr_raw = AnyOk(res.room_replay[0]), rr_stack = AnyOk(res.room_replay[1]);
  double rr_stack_v = MedianOf<DrainResult>(res.room_replay[1], drain_f);
  const long rr_rooms = (sizes.room_replay + kRoomReplayCap - 1) / kRoomReplayCap;
  t.Add({Format("room replay, %ld missed in %ld room%s", sizes.room_replay, rr_rooms,
                rr_rooms == 1 ? "" : "s"),
         "s from login to the last, each room in order",
         Cell(rr_raw, MedianOf<DrainResult>(res.room_replay[0], drain_f), "%.3f"),
         Cell(rr_stack, rr_stack_v, "%.3f"), "", "≤ 1 s", Verdict(rr_stack, rr_stack_v <= 1)});
  const RoomScaleResult& rs_raw = res.room_scale[0];
  const RoomScaleResult& rs_stack = res.room_scale[1];
  const RoomScaleResult& rs_any = rs_stack.rooms ? rs_stack : rs_raw;
  const std::string rooms =
      Format("rooms, %d × %d members, members idle", rs_any.rooms, rs_any.members);
  auto before_after = [&](const RoomScaleResult& r, long before, long after) {
    return r.ok ? Format("%.1f → %.1f", mb(before), mb(after)) : "n/a";
  };
  if (rs_any.rooms) {
    t.Add({rooms, "broker RSS MB (users connected: no rooms → rooms)",
           before_after(rs_raw, rs_raw.broker_before_kib, rs_raw.broker_kib),
           before_after(rs_stack, rs_stack.broker_before_kib, rs_stack.broker_kib), "", "", ""});
    t.Add({rooms, "daemon RSS MB (no rooms → rooms)", "—",
           before_after(rs_stack, rs_stack.daemon_before_kib, rs_stack.daemon_kib), "", "", ""});
  }

  // The generator's own ceiling: its CPU share while driving raw mosquitto.
  auto gen = [](const FlowResult& r) { return r.generator_cpu * 100; };
  auto broker = [](const FlowResult& r) { return r.broker_cpu * 100; };
  auto daemon = [](const FlowResult& r) { return r.daemon_cpu * 100; };
  Table cpu({"scenario", "generator CPU % (raw / stack)", "broker CPU % (raw / stack)",
             "daemon CPU % (stack)"});
  auto cpu_row = [&](const std::string& name, const std::vector<FlowResult>* runs) {
    cpu.Add({name,
             Format("%.0f / %.0f", MedianOf<FlowResult>(runs[0], gen),
                    MedianOf<FlowResult>(runs[1], gen)),
             Format("%.0f / %.0f", MedianOf<FlowResult>(runs[0], broker),
                    MedianOf<FlowResult>(runs[1], broker)),
             Format("%.0f", MedianOf<FlowResult>(runs[1], daemon))});
  };
  cpu_row("broadcast", res.broadcast);
  cpu_row("private", res.private_messages);
  cpu_row("room fan-out", res.room_fanout);

  std::string out = "# imchat benchmark\n\nMachine: " + machine + "\n\n";
  out += Format(
      "Medians of %d interleaved rounds (raw and stack alternate). "
      "QoS 1, MQTT 5, 64-byte payloads, window of 200 messages in flight.\n\n",
      sizes.rounds);
  out += t.Markdown();
  out += "\nCPU share of one core during the throughput runs (100 % = one core busy):\n\n";
  out += cpu.Markdown();
  out += FailuresSection("Failed runs", res.failures);
  return out;
}

}  // namespace imchat::bench
