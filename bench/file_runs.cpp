// The file runs and their report. The uploader and the downloader are bench users of their
// own per run (a fresh name each time, so no run resumes another's upload), both on the same
// transport; the downloader compares every chunk with the bytes sent rather than hashing, so
// the generator's CPU stays out of the figure (the service checks the SHA-256 on upload).
#include "file_runs.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "connect_wave.h"
#include "file_topics.h"
#include "gateway_runs.h"
#include "report.h"
#include "stats.h"
#include "topics.h"

namespace imchat::bench {
namespace {

const std::string& Content(long bytes) {
  static std::string data;
  if (static_cast<long>(data.size()) != bytes) {
    data.resize(static_cast<size_t>(bytes));
    uint64_t x = 0x9e3779b97f4a7c15ULL;  // xorshift: incompressible, the same every run
    for (size_t i = 0; i + 8 <= data.size(); i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(&data[i], &x, 8);
    }
  }
  return data;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) hex += Format("%02x", digest[i]);
  return hex;
}

double Mbps(long bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0;
}

// MB/s of hashing `data` with SHA-256 and writing it to a new file in 64 KiB
// pieces, as the service does with upload chunks; 0 when the file cannot be
// written.
double StoreMbps(const std::string& data) {
  char path[] = "/tmp/imchat-bench-store-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return 0;
  unlink(path);
  EVP_MD_CTX* sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(sha, EVP_sha256(), nullptr);
  const int64_t t0 = NowNs();
  bool ok = true;
  for (size_t at = 0; ok && at < data.size(); at += kFileChunkBytes) {
    const size_t n = std::min(kFileChunkBytes, data.size() - at);
    ok = pwrite(fd, data.data() + at, n, static_cast<off_t>(at)) == static_cast<ssize_t>(n);
    EVP_DigestUpdate(sha, data.data() + at, n);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(sha, digest, &len);
  const double seconds = static_cast<double>(NowNs() - t0) / 1e9;
  EVP_MD_CTX_free(sha);
  close(fd);
  return ok ? Mbps(static_cast<long>(data.size()), seconds) : 0;
}

FileRun RunFileTransfer(Server& stack, long bytes, bool websocket, const std::string& tag) {
  FileRun r;
  const std::string& data = Content(bytes);
  static const std::string sha = Sha256Hex(data);
  const int first = stack.TakeUsers(2);
  LoadLoop loop("127.0.0.1", websocket ? stack.gateway_port() : stack.port(),
                websocket ? "/mqtt" : "");
  LoadClient* up = loop.Add(LoginFor(stack, first));
  LoadClient* down = loop.Add(LoginFor(stack, first + 1));
  const std::string me = up->name(), peer = down->name();
  WaveResult wave = ConnectWave(
      loop, {up, down},
      [&](LoadClient* c) -> std::vector<std::string> {
        if (c == up) return {SvcTopic(me)};
        return {SvcTopic(peer), DownloadsFilter(peer)};
      },
      2, 30);
  if (!wave.ok) {
    r.error = wave.error;
    return r;
  }
  const pid_t daemon = stack.daemon_pid();
  r.daemon_idle_kib = RssKib(daemon);
  r.daemon_peak_kib = r.daemon_idle_kib;
  int64_t next_sample = 0;
  auto sample = [&] {
    const int64_t now = NowNs();
    if (now < next_sample) return;
    next_sample = now + 20'000'000;  // every 20 ms
    r.daemon_peak_kib = std::max(r.daemon_peak_kib, RssKib(daemon));
  };

  const pid_t gateway = websocket ? stack.gateway_pid() : 0;
  const double daemon0 = CpuSeconds(daemon), broker0 = CpuSeconds(stack.broker_pid()),
               gateway0 = gateway ? CpuSeconds(gateway) : 0, bench0 = CpuSeconds(getpid());
  const int64_t wall0 = NowNs();
  // Upload: `upload`, then chunks at most `window` past the offset the service confirmed.
  std::string upload, file;
  int64_t chunk = 0, window = 0, confirmed = -1, next = 0;
  bool up_done = false;
  auto pump = [&] {
    if (confirmed < 0 || up_done) return;
    while (next < bytes && next - confirmed < window * chunk) {
      const int64_t n = std::min<int64_t>(chunk, bytes - next);
      up->Publish(UploadChunkTopic(me, upload, next), data.data() + next, static_cast<int>(n), 1);
      next += n;
    }
  };
  up->on_message = [&](const char*, const char* payload, int len) {
    auto j = nlohmann::json::parse(payload, payload + len, nullptr, false);
    if (j.is_discarded()) return;
    if (j.value("type", "") == "reply" && j.value("cmd", "") == "upload") {
      if (!j.value("ok", false)) {
        r.error = "upload refused: " + j.value("text", std::string());
        return;
      }
      upload = j.value("upload", "");
      chunk = j.value("chunk", 0);
      window = j.value("window", 0);
      confirmed = next = j.value("offset", 0);
      pump();
    } else if (j.value("type", "") == "upload") {
      const std::string status = j.value("status", "");
      if (status == "progress") {
        confirmed = std::max<int64_t>(confirmed, j.value("offset", 0));
        pump();
      } else if (status == "done") {
        file = j.value("file", "");
        up_done = true;
      } else if (j.contains("offset")) {
        confirmed = next = j.value("offset", 0);  // a refused chunk: resume from there
        pump();
      } else {
        r.error = "upload failed: " + j.value("text", std::string());
      }
    }
  };
  const double timeout = 60 + static_cast<double>(bytes) / 5e6;  // 5 MB/s at the least
  int64_t t0 = NowNs();
  const std::string begin = Format("upload %s %ld %s application/octet-stream %s.bin",
                                   peer.c_str(), bytes, sha.c_str(), tag.c_str());
  up->Publish(CmdTopic(me), begin.data(), static_cast<int>(begin.size()), 1);
  if (!loop.RunUntil([&] { return up_done || !r.error.empty(); }, timeout, sample, 5)) {
    r.error = Format("upload timed out at byte %lld", static_cast<long long>(confirmed));
  }
  r.up_seconds = static_cast<double>(NowNs() - t0) / 1e9;
  {
    const double up_wall = static_cast<double>(NowNs() - wall0) / 1e9;
    r.up_daemon_cpu = (CpuSeconds(daemon) - daemon0) / up_wall;
    r.up_broker_cpu = (CpuSeconds(stack.broker_pid()) - broker0) / up_wall;
    r.up_gateway_cpu = gateway ? (CpuSeconds(gateway) - gateway0) / up_wall : 0;
    r.up_bench_cpu = (CpuSeconds(getpid()) - bench0) / up_wall;
  }
  if (!r.error.empty()) {
    LeaveAll(loop, {up, down});
    return r;
  }

  // Download: `fetch`, every chunk compared and confirmed with fetch-ack.
  int64_t got = 0;
  bool fetch_done = false;
  down->on_message = [&](const char* topic, const char* payload, int len) {
    if (std::strncmp(topic, "im/svc/", 7) == 0) {
      auto j = nlohmann::json::parse(payload, payload + len, nullptr, false);
      if (j.is_discarded()) return;
      if (j.value("type", "") == "reply" && !j.value("ok", false)) {
        r.error = j.value("cmd", std::string()) + " refused: " + j.value("text", std::string());
      } else if (j.value("type", "") == "fetch") {
        if (j.value("status", "") == "done") {
          fetch_done = true;
        } else {
          r.error = "download failed: " + j.value("text", std::string());
        }
      }
      return;
    }
    auto t = ParseFileChunkTopic(topic);
    if (!t || t->id != file || t->offset != got || got + len > bytes ||
        std::memcmp(payload, data.data() + got, static_cast<size_t>(len)) != 0) {
      r.error = Format("download: a wrong chunk at byte %lld", static_cast<long long>(got));
      return;
    }
    got += len;
    const std::string ack = "fetch-ack " + file + " " + std::to_string(got);
    down->Publish(CmdTopic(peer), ack.data(), static_cast<int>(ack.size()), 1);
  };
  t0 = NowNs();
  const std::string fetch = "fetch " + file;
  down->Publish(CmdTopic(peer), fetch.data(), static_cast<int>(fetch.size()), 1);
  if (!loop.RunUntil([&] { return (fetch_done && got == bytes) || !r.error.empty(); }, timeout,
                     sample, 5)) {
    r.error = Format("download timed out at byte %lld", static_cast<long long>(got));
  }
  r.down_seconds = static_cast<double>(NowNs() - t0) / 1e9;
  sample();
  const double wall = static_cast<double>(NowNs() - wall0) / 1e9;
  r.daemon_cpu = (CpuSeconds(daemon) - daemon0) / wall;
  r.broker_cpu = (CpuSeconds(stack.broker_pid()) - broker0) / wall;
  LeaveAll(loop, {up, down});
  r.ok = r.error.empty();
  return r;
}

}  // namespace

void RunFilesRound(Server* raw, Server* stack, const FileSizes& sizes, int round,
                   FileResults* results) {
  const long bytes = sizes.mib * 1024 * 1024;
  results->bytes = bytes;
  const std::string tag = "round " + std::to_string(round + 1) + " files ";
  if (const double store = StoreMbps(Content(bytes)); store > 0) {
    results->store_mbps.push_back(store);
    Progress(tag + Format("SHA-256 + write alone: %.1f MB/s", store));
  }
  for (int step = 0; step < 3; ++step) {
    const int k = (round % 2 == 0) ? step : 2 - step;
    if (k == 0 && raw) {
      FlowSpec spec;
      spec.messages = (bytes + static_cast<long>(kBigPayload) - 1) / static_cast<long>(kBigPayload);
      spec.payload = kBigPayload;
      spec.window = 16;  // the file protocol's window
      spec.timeout_s = 120;
      FlowResult f = RunFlow(*raw, spec);
      Progress(tag + "raw 64 KiB QoS 1 stream: " +
               Format("%.1f", Mbps(bytes, f.seconds)) + " MB/s");
      Keep(f, tag + "raw stream", results, &results->raw);
    } else if (k >= 1 && stack && (k == 1 || stack->gateway_pid())) {
      const bool ws = k == 2;
      FileRun f = RunFileTransfer(*stack, bytes, ws,
                                  Format("bench-r%d-%s", round + 1, ws ? "ws" : "tcp"));
      if (f.ok) {
        Progress(tag + (ws ? "ws" : "tcp") +
                 Format(" upload %.1f MB/s, download %.1f MB/s; daemon RSS %.1f -> peak %.1f MB; "
                        "CPU daemon %.0f %%, broker %.0f %%; upload CPU: daemon %.0f %%, "
                        "broker %.0f %%, gateway %.0f %%, clients %.0f %%",
                        Mbps(bytes, f.up_seconds), Mbps(bytes, f.down_seconds),
                        static_cast<double>(f.daemon_idle_kib) / 1024,
                        static_cast<double>(f.daemon_peak_kib) / 1024, f.daemon_cpu * 100,
                        f.broker_cpu * 100, f.up_daemon_cpu * 100, f.up_broker_cpu * 100,
                        f.up_gateway_cpu * 100, f.up_bench_cpu * 100));
      }
      Keep(f, tag + (ws ? "ws" : "tcp"), results, &results->runs[ws ? 1 : 0]);
    }
  }
}

std::string FilesReport(const FileResults& res) {
  const long bytes = res.bytes;
  auto figures = [&](const std::vector<FileRun>& runs, bool upload) {
    std::vector<double> out;
    for (const auto& r : runs) {
      if (r.ok) out.push_back(Mbps(bytes, upload ? r.up_seconds : r.down_seconds));
    }
    return out;
  };
  std::vector<double> raw_mbps;
  for (const auto& f : res.raw) {
    if (f.ok) raw_mbps.push_back(Mbps(bytes, f.seconds));
  }
  const double raw = Median(raw_mbps);
  auto verdict = [](bool known, bool met) { return !known ? "n/a" : met ? "yes" : "**no**"; };
  Table t({"transfer", "figure", "MB/s (10⁶ bytes)", "vs raw stream", "goal", "met"});
  const std::string mib = Format("%ld MiB", bytes / (1024 * 1024));
  t.Add({"raw mosquitto: " + mib + " as 64 KiB QoS 1 messages, 1 → 1, window 16", "MB/s",
         raw_mbps.empty() ? "n/a" : Format("%.1f", raw), "1.00", "", ""});
  if (!res.store_mbps.empty()) {
    const double store = Median(res.store_mbps);
    t.Add({"the upload's own work alone: SHA-256 + write of " + mib +
               " in 64 KiB pieces, one thread, no network",
           "MB/s", Format("%.1f", store), raw > 0 ? Format("%.2f", store / raw) : "n/a", "", ""});
  }
  const char* transport[2] = {"TCP", "WebSocket (gateway)"};
  for (int k = 0; k < 2; ++k) {
    if (res.runs[k].empty()) continue;
    for (bool upload : {true, false}) {
      const auto f = figures(res.runs[k], upload);
      const double m = Median(f);
      const bool known = !f.empty() && raw > 0;
      t.Add({std::string("stack, ") + transport[k] + ": " + mib +
                 (upload ? " upload" : " download") + " (file protocol)",
             "MB/s", f.empty() ? "n/a" : Format("%.1f", m),
             known ? Format("%.2f", m / raw) : "n/a", "≥ 0.50", verdict(known, m >= 0.5 * raw)});
    }
  }
  long idle = 0, peak_growth = 0;
  bool mem_known = false;
  for (int k = 0; k < 2; ++k) {
    for (const auto& r : res.runs[k]) {
      if (!r.ok) continue;
      if (!mem_known || r.daemon_peak_kib - r.daemon_idle_kib > peak_growth) {
        idle = r.daemon_idle_kib;
        peak_growth = r.daemon_peak_kib - r.daemon_idle_kib;
      }
      mem_known = true;
    }
  }
  t.Add({"daemon RSS during the transfers (worst run)", "MB idle → peak",
         mem_known ? Format("%.1f → %.1f", static_cast<double>(idle) / 1024,
                            static_cast<double>(idle + peak_growth) / 1024)
                   : "n/a",
         "", "≤ idle + 16 MB", verdict(mem_known, peak_growth <= 16 * 1024)});
  std::string out =
      "\nFiles: upload then download through the stack (mosquitto + plugin + daemon) with the "
      "file protocol and its window of 16 × 64 KiB, vs the same bytes as 64 KiB QoS 1 messages "
      "on plain mosquitto (medians; MB/s from the first command to the last byte):\n\n";
  out += t.Markdown();
  out += FailuresSection("Failed file runs", res.failures);
  return out;
}

}  // namespace imchat::bench
