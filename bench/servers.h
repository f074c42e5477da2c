// The brokers under test, started the way tests/integration/imtest.py starts them: a temp dir,
// a config rendered by scripts/broker-conf, a generated users file and a random service
// password. kStack = mosquitto + imchat_auth.so + imchat-service; kRaw = the same config with
// no plugin, no daemon and anonymous access.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "load_loop.h"
#include "topics.h"

namespace imchat::bench {

struct ServerPaths {
  std::string source_dir;  // repo root (scripts/broker-conf, mosquitto.conf)
  std::string plugin;      // imchat_auth.so
  std::string daemon;      // imchat-service
  std::string gateway;     // imchat-gateway (started beside the stack for the WebSocket runs)
};

enum class Kind { kRaw, kStack };

const char* KindName(Kind kind);
// Bench user i (1-based) and its password, as written to the users file.
std::string UserName(int i);
std::string UserPassword(int i);

class Server {
 public:
  // Starts the broker (and for kStack the daemon, waiting for its ready line) with users
  // u00001..u<users>. Returns nullptr and sets *error when something does not come up.
  // TakeUsers hands out users from reserved+1 on.
  static std::unique_ptr<Server> Start(Kind kind, const ServerPaths& paths, int users, int reserved,
                                       std::string* error);
  ~Server();  // stops the processes and removes the temp dir
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Kind kind() const { return kind_; }
  bool stack() const { return kind_ == Kind::kStack; }
  int port() const { return port_; }
  pid_t broker_pid() const { return broker_pid_; }
  pid_t daemon_pid() const { return daemon_pid_; }  // 0 for kRaw
  // Starts imchat-gateway (paths.gateway, serving the repo's gateway/www) on a free port in
  // front of this broker, with room for `connections` WebSockets and no idle timeout.
  bool StartGateway(const ServerPaths& paths, int connections, std::string* error);
  pid_t gateway_pid() const { return gateway_pid_; }  // 0 until StartGateway succeeded
  int gateway_port() const { return gateway_port_; }
  // False when the broker or daemon has exited.
  bool Alive() const;
  // Runs a single-value query (SELECT count(*) ...) on the daemon's database; -1 on error.
  long long DbCount(const std::string& sql) const;
  const std::string& dir() const { return dir_; }
  // Reserves n fresh bench users (never used before on this server) and returns the first
  // index. Users 1..reserved (see Start) are kept for the scale scenario.
  int TakeUsers(int n) {
    int first = next_user_;
    next_user_ += n;
    return first;
  }
  int users() const { return users_; }

 private:
  Server() = default;
  bool StartBroker(const ServerPaths& paths, std::string* error);
  bool StartDaemon(const ServerPaths& paths, std::string* error);

  Kind kind_ = Kind::kRaw;
  std::string dir_;
  std::string users_path_;
  std::string pwfile_;
  int port_ = 0;
  pid_t broker_pid_ = 0;
  pid_t daemon_pid_ = 0;
  pid_t gateway_pid_ = 0;
  int gateway_port_ = 0;
  int users_ = 0;
  int next_user_ = 1;
};

// Connect options for bench user i: its name and password on the stack, anonymous on raw
// (client id b-<name> either way).
ClientOptions LoginFor(const Server& server, int user);
// Where user `me` publishes a message for `to` (empty: everyone). The stack rewrites
// im/all and im/user/<to>; on raw the client names the final topic itself.
std::string PublishTopic(const Server& server, const std::string& me, const std::string& to);
using imchat::InboxFilter;  // im/user/<me>/+ (core/topics.h)
inline constexpr const char* kBroadcastFilter = imchat::kAllFilter;

// Resident memory (VmRSS) and its peak (VmHWM) of a process in KiB; 0 when unknown.
long RssKib(pid_t pid);
long PeakRssKib(pid_t pid);
// User + system CPU seconds a process has used so far; 0 when unknown.
double CpuSeconds(pid_t pid);
// CPU seconds this process (the load generator) has used so far.
double SelfCpuSeconds();

}  // namespace imchat::bench
