// The daemon service test fixture: a Service on a fake MQTT link, a clock the
// test drives, a temporary database and a server.log the test can read, plus
// builders for the plugin's archive records and events.
#ifndef IMCHAT_TESTS_UNIT_SERVICE_FIXTURE_H_
#define IMCHAT_TESTS_UNIT_SERVICE_FIXTURE_H_

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "archive_stream.h"
#include "fake_link.h"
#include "server_log.h"
#include "service.h"
#include "store.h"
#include "store_test_util.h"

namespace service_test {

using imchat::ArchiveRecord;
using imchat::testing::FakeLink;
using imchat::testing::Must;
using imchat::testing::Sent;
using nlohmann::json;

inline ArchiveRecord Direct(const std::string& from, const std::string& to, const std::string& body,
                            const std::string& id, std::int64_t ts = 0, bool offline = false) {
  ArchiveRecord r;
  r.kind = ArchiveRecord::Kind::kDirect;
  r.from = from;
  r.to = to;
  r.body = body;
  r.id = id;
  r.ts = ts;
  r.offline = offline;
  return r;
}

inline ArchiveRecord Broadcast(const std::string& from, const std::string& body,
                               const std::string& id) {
  ArchiveRecord r;
  r.kind = ArchiveRecord::Kind::kBroadcast;
  r.from = from;
  r.body = body;
  r.id = id;
  return r;
}

inline ArchiveRecord Command(const std::string& user, const std::string& line) {
  ArchiveRecord r;
  r.kind = ArchiveRecord::Kind::kCommand;
  r.from = user;
  r.body = line;
  return r;
}

inline ArchiveRecord RoomMessage(const std::string& from, const std::string& room,
                                 const std::string& body, const std::string& id,
                                 std::int64_t ts = 0) {
  ArchiveRecord r;
  r.kind = ArchiveRecord::Kind::kRoom;
  r.from = from;
  r.to = room;
  r.body = body;
  r.id = id;
  r.ts = ts;
  return r;
}

inline std::string Batch(const std::vector<ArchiveRecord>& records) {
  std::string batch;
  for (const ArchiveRecord& r : records) imchat::AppendArchiveRecord(&batch, r);
  return batch;
}

struct Fixture {
  Fixture() : path(db.path), log(log_file.path, true) {
    std::string error;
    store = imchat::Store::Open(path, &error);
    REQUIRE(store);
    imchat::ServiceOptions options;
    options.replay_window = 2;
    service = std::make_unique<imchat::Service>(
        *store, link, log, [this] { return now; }, options);
    service->SetUsers({"alice", "bob", "carol"});
    service->on_ready = [this] { ++ready; };
    service->OnConnected();
    Event("im/sessions", {{"ts", now}, {"sessions", json::array()}});
  }
  // A new Service on the same database, link and log (a restart of the
  // daemon), with `options`; connected and ready when `connect`.
  void Restart(const imchat::ServiceOptions& options, bool connect = true) {
    service.reset();
    service = std::make_unique<imchat::Service>(
        *store, link, log, [this] { return now; }, options);
    service->SetUsers({"alice", "bob", "carol"});
    if (!connect) return;
    service->OnConnected();
    Event("im/sessions", {{"ts", now}, {"sessions", json::array()}});
  }
  ~Fixture() {
    service.reset();
    store.reset();
  }
  // What the service wrote to server.log so far.
  std::string Log() { return imchat::testing::ReadFile(log_file.path); }
  // One batch of the plugin's archive stream (not committed: the caller ends the batch).
  void Archive(const std::vector<ArchiveRecord>& records) {
    service->OnMessage({"im/archive", Batch(records), {}, false});
  }
  void Event(const std::string& topic, const json& j) {
    service->OnMessage({topic, j.dump(), {}, false});
    service->EndBatch();
  }
  void Login(const std::string& user, int conn, bool clean = true) {
    Event("im/login/" + user, {{"event", "login"},
                               {"user", user},
                               {"conn", conn},
                               {"client_id", "c" + std::to_string(conn)},
                               {"clean", clean}});
  }
  void Inbox(const std::string& user, int conn) {
    Event("im/login/" + user, {{"event", "inbox"}, {"user", user}, {"conn", conn}});
  }
  void Logout(const std::string& user, int conn, const std::string& reason) {
    Event("im/logout/" + user,
          {{"event", "logout"}, {"user", user}, {"conn", conn}, {"reason", reason}});
  }
  // Runs the command `line` of `user` in its own batch; its reply.
  json Run(const std::string& user, const std::string& line) {
    Archive({Command(user, line)});
    service->EndBatch();
    auto replies = link.On("im/svc/" + user);
    REQUIRE_FALSE(replies.empty());
    json j = replies.back().Json();
    REQUIRE(j["type"] == "reply");
    return j;
  }
  std::vector<Sent> Statuses(const std::string& user) {
    std::vector<Sent> out;
    for (const auto& s : link.On("im/svc/" + user)) {
      if (s.Json()["type"] == "status") out.push_back(s);
    }
    return out;
  }

  std::int64_t now = 1000000;
  imchat::testing::TempDb db;
  imchat::testing::TempDb log_file;
  std::string path;
  FakeLink link;
  imchat::ServerLog log;
  std::unique_ptr<imchat::Store> store;
  std::unique_ptr<imchat::Service> service;
  int ready = 0;
};

}  // namespace service_test

#endif  // IMCHAT_TESTS_UNIT_SERVICE_FIXTURE_H_
