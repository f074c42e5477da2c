// The file-transfer figures (issue 17): one file uploaded and then downloaded through the
// whole stack with the real protocol (topics.md "Files": upload, chunks on im/up with the
// service's window, fetch, chunks on im/down confirmed with fetch-ack), against the same bytes
// published as 64 KiB QoS 1 messages from one client to one subscriber on plain mosquitto, in
// the same round. Over the gateway too when it runs. The daemon's RSS is sampled during the
// transfers against its idle figure.
#pragma once

#include <string>
#include <vector>

#include "flow.h"
#include "servers.h"

namespace imchat::bench {

struct FileSizes {
  long mib = 100;  // the file's size (and the raw stream's)
};

struct FileRun {
  bool ok = false;
  std::string error;
  double up_seconds = 0;    // `upload` sent to its "done"
  double down_seconds = 0;  // `fetch` sent to the last byte and "done"
  long daemon_idle_kib = 0, daemon_peak_kib = 0;  // VmRSS before, and the most seen during
  // Share of one core used by the daemon and the broker over both transfers.
  double daemon_cpu = 0, broker_cpu = 0;
  // The same during the upload alone, and the gateway's (WebSocket) and this
  // process's (the clients): where an upload's time goes.
  double up_daemon_cpu = 0, up_broker_cpu = 0, up_gateway_cpu = 0, up_bench_cpu = 0;
};

struct FileResults {
  // Index 0: direct TCP, 1: WebSocket through the gateway.
  std::vector<FileRun> runs[2];
  std::vector<FlowResult> raw;  // the 64 KiB QoS 1 stream on plain mosquitto
  // MB/s of the upload's own work alone (SHA-256 and write, one thread): what
  // the service could do with no network at all.
  std::vector<double> store_mbps;
  long bytes = 0;
  std::vector<std::string> failures;
};

// One round: the raw stream, then the file over TCP and (with a gateway) over WebSocket; the
// order alternates with the round.
void RunFilesRound(Server* raw, Server* stack, const FileSizes& sizes, int round,
                   FileResults* results);
// The Markdown section of these figures against issue 17's goals.
std::string FilesReport(const FileResults& results);

}  // namespace imchat::bench
