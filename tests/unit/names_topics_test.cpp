// Name rules and topic parsing (the topic contract of topics.md).
#include <catch2/catch.hpp>

#include "names.h"
#include "topics.h"

TEST_CASE("user names: 1-32 of A-Z a-z 0-9 _ . -", "[unit]") {
  for (const char* ok : {"a", "alice", "Bob_2", "x.y-z", "12345678901234567890123456789012"}) {
    INFO(ok);
    CHECK(imchat::IsValidUserName(ok));
  }
  for (const char* bad :
       {"", "a/b", "a+", "#", "a b", "\xC3\xA9", "$SYS", "123456789012345678901234567890123"}) {
    INFO(bad);
    CHECK_FALSE(imchat::IsValidUserName(bad));
    CHECK_FALSE(imchat::NameError(bad).empty());
  }
}

TEST_CASE("topics parse into kinds and names", "[unit]") {
  using imchat::TopicKind;
  struct Case {
    const char* topic;
    TopicKind kind;
    const char* first;
    const char* second;
  };
  const Case cases[] = {
      {"im/all", TopicKind::kAll, "", ""},
      {"im/all/alice", TopicKind::kAllFrom, "alice", ""},
      {"im/user/bob", TopicKind::kUserTo, "bob", ""},
      {"im/user/bob/alice", TopicKind::kUserToFrom, "bob", "alice"},
      {"im/presence/bob", TopicKind::kPresence, "bob", ""},
      {"im/online", TopicKind::kOnline, "", ""},
      {"im/login/bob", TopicKind::kLogin, "bob", ""},
      {"im/logout/bob", TopicKind::kLogout, "bob", ""},
      {"im/sessions", TopicKind::kSessions, "", ""},
      {"im/archive", TopicKind::kArchive, "", ""},
      {"im/cmd/bob", TopicKind::kCmd, "bob", ""},
      {"im/svc/bob", TopicKind::kSvc, "bob", ""},
      {"$CONTROL/imchat/v1", TopicKind::kControl, "", ""},
      {"$SYS/broker", TopicKind::kSys, "", ""},
      {"im/user/bob/alice/x", TopicKind::kOther, "", ""},
      {"im/user/b+b", TopicKind::kOther, "", ""},
      {"im/all/", TopicKind::kOther, "", ""},
      {"im//all", TopicKind::kOther, "", ""},
      {"IM/all", TopicKind::kOther, "", ""},
      {"im", TopicKind::kOther, "", ""},
      {"", TopicKind::kOther, "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.topic);
    auto t = imchat::ParseTopic(c.topic);
    CHECK(t.kind == c.kind);
    CHECK(t.first == c.first);
    CHECK(t.second == c.second);
  }
}
