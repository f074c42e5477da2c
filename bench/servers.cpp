// Process management for the brokers under test. Children inherit the raised open-files limit
// from the bench (set in main), which mosquitto needs for 10,000 connections.
#include "servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace imchat::bench {
namespace {

namespace fs = std::filesystem;

int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

bool Listening(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

// fork + exec with stdout/stderr appended to log.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  dup2(fd, 1);
  dup2(fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

void Stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

bool Exited(pid_t pid) {
  if (pid <= 0) return true;
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string RenderConfig(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return pclose(p) == 0 ? out : std::string();
}

// The raw broker keeps every setting except the plugin and authentication.
std::string WithoutPlugin(const std::string& conf) {
  std::istringstream in(conf);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("plugin", 0) == 0) continue;
    if (line.rfind("allow_anonymous", 0) == 0) line = "allow_anonymous true";
    out += line + "\n";
  }
  return out;
}

long StatusField(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size());
  }
  return 0;
}

}  // namespace

const char* KindName(Kind kind) { return kind == Kind::kStack ? "stack" : "raw"; }

std::string UserName(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "u%05d", i);
  return b;
}

std::string UserPassword(int i) { return "pw" + std::to_string(i * 7919 % 100003); }

ClientOptions LoginFor(const Server& server, int user) {
  ClientOptions o;
  o.name = UserName(user);
  o.client_id = "b-" + UserName(user);
  if (server.stack()) {
    o.username = UserName(user);
    o.password = UserPassword(user);
  }
  return o;
}

std::string PublishTopic(const Server& server, const std::string& me, const std::string& to) {
  if (to.empty()) return server.stack() ? std::string(kAllTopic) : AllTopic(me);
  return server.stack() ? UserToTopic(to) : UserTopic(to, me);
}

std::unique_ptr<Server> Server::Start(Kind kind, const ServerPaths& paths, int users, int reserved,
                                      std::string* error) {
  std::unique_ptr<Server> s(new Server());
  s->kind_ = kind;
  s->users_ = users;
  s->next_user_ = reserved + 1;
  char tmpl[] = "/tmp/imchat-bench-XXXXXX";
  if (!mkdtemp(tmpl)) {
    *error = "cannot create a temp dir";
    return nullptr;
  }
  s->dir_ = tmpl;
  fs::create_directories(s->dir_ + "/data");
  s->users_path_ = s->dir_ + "/users.txt";
  {
    std::ofstream u(s->users_path_);
    for (int i = 1; i <= users; ++i) u << UserName(i) << ' ' << UserPassword(i) << '\n';
  }
  s->pwfile_ = s->dir_ + "/service.secret";
  {
    std::random_device rd;
    std::ofstream p(s->pwfile_);
    char b[40];
    std::snprintf(b, sizeof b, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
    p << b << '\n';
  }
  fs::permissions(s->pwfile_, fs::perms::owner_read | fs::perms::owner_write);
  s->port_ = FreePort();
  if (!s->StartBroker(paths, error)) return nullptr;
  if (kind == Kind::kStack && !s->StartDaemon(paths, error)) return nullptr;
  return s;
}

bool Server::StartGateway(const ServerPaths& paths, int connections, std::string* error) {
  const int port = FreePort();
  const pid_t pid =
      Spawn({paths.gateway, "--web-root", paths.source_dir + "/gateway/www", "--listen",
             "127.0.0.1:" + std::to_string(port), "--broker", "127.0.0.1:" + std::to_string(port_),
             "--max-connections", std::to_string(connections), "--idle-timeout", "0"},
            dir_ + "/gateway.log");
  for (int i = 0; i < 100; ++i) {
    if (Listening(port)) {
      gateway_pid_ = pid;
      gateway_port_ = port;
      return true;
    }
    if (Exited(pid)) {
      *error = "imchat-gateway exited at its start; see " + dir_ + "/gateway.log";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop(pid);
  *error = "imchat-gateway did not listen within 5 s; see " + dir_ + "/gateway.log";
  return false;
}

bool Server::StartBroker(const ServerPaths& paths, std::string* error) {
  std::string cmd = "'" + paths.source_dir + "/scripts/broker-conf' --port " +
                    std::to_string(port_) + " --plugin '" + paths.plugin + "' --users '" +
                    users_path_ + "' --data '" + dir_ + "/data' --service-password-file '" +
                    pwfile_ + "'";
  std::string conf = RenderConfig(cmd);
  if (conf.empty()) {
    *error = "scripts/broker-conf failed";
    return false;
  }
  if (kind_ == Kind::kRaw) conf = WithoutPlugin(conf);
  // As root mosquitto would switch to the `mosquitto` user, who cannot read this temp dir.
  if (geteuid() == 0) conf += "user root\n";
  std::ofstream(dir_ + "/mosquitto.conf") << conf;
  broker_pid_ = Spawn({"mosquitto", "-c", dir_ + "/mosquitto.conf"}, dir_ + "/mosquitto.log");
  for (int i = 0; i < 100; ++i) {
    if (Listening(port_)) return true;
    if (Exited(broker_pid_)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = std::string("mosquitto (") + KindName(kind_) +
           ") did not start: " + ReadFile(dir_ + "/mosquitto.log").substr(0, 2000);
  return false;
}

bool Server::StartDaemon(const ServerPaths& paths, std::string* error) {
  const std::string log = dir_ + "/service.log";
  daemon_pid_ = Spawn({paths.daemon, "--host", "127.0.0.1", "--port", std::to_string(port_),
                       "--users", users_path_, "--data", dir_ + "/data", "--service-user",
                       "imchat-service", "--service-password-file", pwfile_},
                      log);
  for (int i = 0; i < 300; ++i) {
    if (ReadFile(log).find("imchat-service: ready") != std::string::npos) return true;
    if (Exited(daemon_pid_)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "imchat-service did not become ready: " + ReadFile(log).substr(0, 2000);
  return false;
}

Server::~Server() {
  Stop(gateway_pid_);
  Stop(daemon_pid_);
  Stop(broker_pid_);
  if (!dir_.empty() && !getenv("IMCHAT_BENCH_KEEP")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

bool Server::Alive() const {
  return kill(broker_pid_, 0) == 0 && (daemon_pid_ == 0 || kill(daemon_pid_, 0) == 0);
}

long long Server::DbCount(const std::string& sql) const {
  sqlite3* db = nullptr;
  long long value = -1;
  std::string path = dir_ + "/data/imchat.db";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      value = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return value;
}

long RssKib(pid_t pid) { return StatusField(pid, "VmRSS:"); }
long PeakRssKib(pid_t pid) { return StatusField(pid, "VmHWM:"); }

double CpuSeconds(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream in(stat.substr(close_paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields after the command: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace imchat::bench
