// Every ACL decision of topics.md: publish, read (with blocks) and subscribe
// (including wide filters, shared subscriptions and name prefixes).
#include "acl.h"

#include <catch2/catch.hpp>

namespace {

struct Case {
  const char* who;  // "svc" = the service
  const char* topic;
  bool allowed;
};

imchat::Actor ActorFor(const char* who) {
  if (std::string(who) == "svc") return {"imchat-service", true};
  return {who, false};
}

}  // namespace

TEST_CASE("publish: users write as themselves, the service writes im/ and its control topic",
          "[unit]") {
  const Case cases[] = {
      {"alice", "im/all", true},
      {"alice", "im/all/alice", true},
      {"alice", "im/all/bob", false},
      {"alice", "im/all/alice2", false},
      {"alice", "im/user/bob", true},
      {"alice", "im/user/bob/alice", true},
      {"alice", "im/user/carol/bob", false},
      {"alice", "im/user/bob/alice/x", false},
      {"alice", "im/user/b+b", false},
      {"alice", "im/user/", false},
      {"alice", "im/cmd/alice", true},
      {"alice", "im/cmd/bob", false},
      {"alice", "im/svc/alice", false},
      {"alice", "im/presence/alice", false},
      {"alice", "im/online", false},
      {"alice", "im/login/alice", false},
      {"alice", "im/logout/alice", false},
      {"alice", "im/sessions", false},
      {"alice", "im/archive", false},
      {"alice", "$CONTROL/imchat/v1", false},
      {"alice", "$CONTROL/dynamic-security/v1", false},
      {"alice", "$SYS/broker/x", false},
      {"alice", "other", false},
      {"alice", "im", false},
      {"svc", "im/presence/alice", true},
      {"svc", "im/online", true},
      {"svc", "im/svc/alice", true},
      {"svc", "im/user/bob/alice", true},
      {"svc", "$CONTROL/imchat/v1", true},
      {"svc", "$CONTROL/dynamic-security/v1", false},
      {"svc", "$SYS/x", false},
      {"svc", "elsewhere", false},
  };
  imchat::BlockSet blocks;
  imchat::AclView view{&blocks};
  for (const auto& c : cases) {
    INFO(c.who << " -> " << c.topic);
    auto d = imchat::CanPublish(ActorFor(c.who), c.topic, false, view);
    CHECK(d.allowed == c.allowed);
    if (!d.allowed) CHECK_FALSE(d.reason.empty());
  }
}

TEST_CASE("publish: retained chat messages are refused, retained presence is the service's",
          "[unit]") {
  imchat::AclView view;
  for (const char* t :
       {"im/all", "im/all/alice", "im/user/bob", "im/user/bob/alice", "im/cmd/alice"}) {
    INFO(t);
    auto d = imchat::CanPublish({"alice", false}, t, true, view);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason.find("retained") != std::string::npos);
  }
  CHECK(imchat::CanPublish({"imchat-service", true}, "im/presence/alice", true, view).allowed);
}

TEST_CASE("read: users read broadcasts, their own inbox and service topics", "[unit]") {
  const Case cases[] = {
      {"alice", "im/all/bob", true},
      {"alice", "im/all/alice", true},
      {"alice", "im/all", false},
      {"alice", "im/user/alice/bob", true},
      {"alice", "im/user/bob/alice", true},  // a carbon of what alice sent (carbon_acl_test.cpp)
      {"alice", "im/user/bob/carol", false},
      {"alice2", "im/user/alice/bob", false},
      {"alice", "im/user/alice2/bob", false},
      {"alice", "im/user/alice", false},
      {"alice", "im/presence/bob", true},
      {"alice", "im/online", true},
      {"alice", "im/svc/alice", true},
      {"alice", "im/svc/bob", false},
      {"alice", "im/svc/alice2", false},
      {"alice", "im/cmd/alice", false},
      {"alice", "im/login/alice", false},
      {"alice", "im/logout/bob", false},
      {"alice", "im/sessions", false},
      {"alice", "im/archive", false},
      {"alice", "$SYS/broker/uptime", false},
      {"alice", "$CONTROL/imchat/v1", false},
      {"svc", "im/login/alice", true},
      {"svc", "im/archive", true},
      {"svc", "im/cmd/alice", true},
      {"svc", "im/user/bob/alice", true},
      {"svc", "$SYS/broker/uptime", false},
  };
  imchat::BlockSet blocks;
  imchat::AclView view{&blocks};
  for (const auto& c : cases) {
    INFO(c.who << " <- " << c.topic);
    CHECK(imchat::CanRead(ActorFor(c.who), c.topic, view).allowed == c.allowed);
  }
}

TEST_CASE("read: blocks hide broadcasts and presence", "[unit]") {
  imchat::BlockSet blocks;
  blocks.Add("alice", "bob");  // alice blocks bob
  imchat::AclView view{&blocks};
  imchat::Actor alice{"alice", false}, bob{"bob", false}, carol{"carol", false};
  CHECK_FALSE(imchat::CanRead(alice, "im/all/bob", view).allowed);
  CHECK(imchat::CanRead(bob, "im/all/alice", view).allowed);
  CHECK_FALSE(imchat::CanRead(alice, "im/presence/bob", view).allowed);
  CHECK_FALSE(imchat::CanRead(bob, "im/presence/alice", view).allowed);
  CHECK(imchat::CanRead(carol, "im/presence/bob", view).allowed);
  CHECK_FALSE(imchat::CanRead(alice, "im/user/alice/bob", view).allowed);
  CHECK(imchat::CanRead(alice, "im/user/alice/carol", view).allowed);
}

TEST_CASE("subscribe: granted when the filter can match something readable", "[unit]") {
  const Case cases[] = {
      {"alice", "im/all/+", true},
      {"alice", "im/all/bob", true},
      {"alice", "im/user/alice/+", true},
      {"alice", "im/user/alice/bob", true},
      {"alice", "im/user/+/+", true},
      {"alice", "+/+/+", true},
      {"alice", "+/+/+/+", true},
      {"alice", "#", true},
      {"alice", "im/#", true},
      {"alice", "im/user/#", true},
      {"alice", "im/presence/+", true},
      {"alice", "im/online", true},
      {"alice", "im/svc/alice", true},
      {"alice", "im/svc/+", true},
      {"alice", "im/user/bob/+", false},
      {"alice", "im/user/bob/#", false},
      {"alice", "im/user/alice2/+", false},
      {"alice2", "im/user/alice/+", false},
      {"alice", "im/user/alice", false},
      {"alice", "im/all", false},
      {"alice", "im/svc/bob", false},
      {"alice", "im/login/#", false},
      {"alice", "im/login/+", false},
      {"alice", "im/logout/alice", false},
      {"alice", "im/sessions", false},
      {"alice", "im/archive", false},
      {"alice", "im/cmd/+", false},
      {"alice", "$SYS/#", false},
      {"alice", "$CONTROL/#", false},
      {"alice", "$CONTROL/imchat/v1", false},
      {"alice", "other/#", false},
      {"alice", "im/all/+/+", false},
      // Five levels match im/down/<me>/<file>/<offset> since files (a download is alice's to read).
      {"alice", "im/+/+/+/+", true},
      {"alice", "im/all/+/+/+", false},
      {"alice", "im/+/bob/+/+", false},
      {"alice", "im/#/x", false},
      {"alice", "im/a+", false},
      {"alice", "$share/g/im/all/+", true},
      {"alice", "$share/g/im/user/alice/+", true},
      {"alice", "$share/g/im/user/bob/+", false},
      {"alice", "$share/g/im/user/+/+", false},
      {"alice", "$share/g/#", false},
      {"alice", "$share/g/im/#", false},
      {"alice", "$share/g/im/presence/+", true},
      {"alice", "$share/g/im/+", false},  // im/all is unreadable
      {"alice", "$share/g/im/online", true},
      {"alice", "$share/g", false},
      {"alice", "$share//im/all/+", false},
      {"svc", "im/login/+", true},
      {"svc", "im/archive", true},
      {"svc", "#", true},
      {"svc", "im/user/+/+", true},
      {"svc", "$share/svc/im/cmd/+", true},
      {"svc", "$SYS/#", false},
  };
  imchat::BlockSet blocks;
  imchat::AclView view{&blocks};
  for (const auto& c : cases) {
    INFO(c.who << " subscribes " << c.topic);
    auto d = imchat::CanSubscribe(ActorFor(c.who), c.topic, view);
    CHECK(d.allowed == c.allowed);
    if (!d.allowed) CHECK_FALSE(d.reason.empty());
  }
}

TEST_CASE("subscribe: blocks narrow exact filters and shared subscriptions", "[unit]") {
  imchat::BlockSet blocks;
  blocks.Add("alice", "bob");
  imchat::AclView view{&blocks};
  imchat::Actor alice{"alice", false}, bob{"bob", false}, carol{"carol", false};
  CHECK_FALSE(imchat::CanSubscribe(alice, "im/all/bob", view).allowed);
  CHECK(imchat::CanSubscribe(alice, "im/all/+", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(alice, "$share/g/im/all/+", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(bob, "im/presence/alice", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(bob, "$share/g/im/presence/+", view).allowed);
  CHECK(imchat::CanSubscribe(carol, "$share/g/im/presence/+", view).allowed);
}

TEST_CASE("inbox coverage: filters matching im/user/<me>/<anyone>", "[unit]") {
  struct InboxCase {
    const char* filter;
    bool covers;
  };
  const InboxCase cases[] = {
      {"im/user/alice/+", true},
      {"im/user/+/+", true},
      {"im/user/alice/#", true},
      {"im/user/#", true},
      {"im/#", true},
      {"#", true},
      {"+/+/+/+", true},
      {"$share/g/im/user/alice/+", true},
      {"im/user/alice/bob", false},
      {"im/user/alice2/+", false},
      {"im/user/bob/+", false},
      {"im/all/+", false},
      {"im/user/alice", false},
      {"+/+/+", false},
  };
  for (const auto& c : cases) {
    INFO(c.filter);
    CHECK(imchat::FilterCoversInbox(c.filter, "alice") == c.covers);
  }
}

TEST_CASE("will: a user's will goes only to their own broadcast topic", "[unit]") {
  imchat::BlockSet blocks;
  imchat::AclView view{&blocks};
  imchat::Actor alice{"alice", false}, svc{"svc", true};
  CHECK(imchat::CanPublishWill(alice, "im/all/alice", false, view).allowed);
  // Allowed as ordinary publishes (the broker stamps them), refused as wills (it does not).
  for (const char* topic : {"im/all", "im/user/bob", "im/cmd/alice"}) {
    INFO(topic);
    CHECK(imchat::CanPublish(alice, topic, false, view).allowed);
    auto d = imchat::CanPublishWill(alice, topic, false, view);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason.find("im/all/alice") != std::string::npos);
  }
  // A will is still a publish: others' topics and retained chat stay refused.
  CHECK_FALSE(imchat::CanPublishWill(alice, "im/all/bob", false, view).allowed);
  CHECK_FALSE(imchat::CanPublishWill(alice, "im/all/alice", true, view).allowed);
  // The service's wills follow its publish rights.
  CHECK(imchat::CanPublishWill(svc, "im/presence/alice", true, view).allowed);
}

TEST_CASE("read and subscribe follow one read rule per topic kind", "[unit]") {
  // For each readable concrete topic, the exact filter is granted, and vice versa,
  // with and without blocks.
  imchat::BlockSet blocks;
  blocks.Add("alice", "bob");
  imchat::AclView view{&blocks};
  for (const char* who : {"alice", "bob", "carol"}) {
    imchat::Actor actor{who, false};
    for (const char* topic :
         {"im/all/alice", "im/all/bob", "im/user/alice/bob", "im/user/bob/carol",
          "im/user/carol/alice", "im/presence/alice", "im/presence/bob", "im/presence/carol",
          "im/online", "im/svc/alice", "im/svc/carol", "im/login/alice", "im/cmd/alice", "im/all",
          "im/sessions"}) {
      INFO(who << " " << topic);
      CHECK(imchat::CanRead(actor, topic, view).allowed ==
            imchat::CanSubscribe(actor, topic, view).allowed);
    }
  }
}
