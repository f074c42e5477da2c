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

TEST_CASE("topic table: builders and constants parse back to their kinds", "[unit]") {
  using imchat::TopicKind;
  struct Case {
    std::string topic;
    TopicKind kind;
  };
  const Case cases[] = {
      {imchat::kAllTopic, TopicKind::kAll},
      {imchat::AllTopic("bob"), TopicKind::kAllFrom},
      {imchat::UserToTopic("bob"), TopicKind::kUserTo},
      {imchat::UserTopic("bob", "alice"), TopicKind::kUserToFrom},
      {imchat::PresenceTopic("bob"), TopicKind::kPresence},
      {imchat::kOnlineTopic, TopicKind::kOnline},
      {imchat::LoginTopic("bob"), TopicKind::kLogin},
      {imchat::LogoutTopic("bob"), TopicKind::kLogout},
      {imchat::kSessionsTopic, TopicKind::kSessions},
      {imchat::kArchiveTopic, TopicKind::kArchive},
      {imchat::CmdTopic("bob"), TopicKind::kCmd},
      {imchat::SvcTopic("bob"), TopicKind::kSvc},
      {imchat::kControlTopic, TopicKind::kControl},
  };
  for (const auto& c : cases) {
    INFO(c.topic);
    CHECK(imchat::ParseTopic(c.topic).kind == c.kind);
    CHECK(imchat::ShapeOf(c.kind)->kind == c.kind);
  }
  CHECK(imchat::UserTopic("bob", "alice") == "im/user/bob/alice");
  CHECK(imchat::InboxFilter("bob") == "im/user/bob/+");
  CHECK(imchat::TopicMatches(imchat::kAllFilter, imchat::AllTopic("bob")));
  CHECK(imchat::TopicMatches(imchat::kPresenceFilter, imchat::PresenceTopic("bob")));
  CHECK(imchat::BuildTopic(TopicKind::kLogin, "+") == "im/login/+");
  CHECK(imchat::ShapeOf(TopicKind::kOther) == nullptr);
  // $ topics of any depth, and only with their exact first level.
  CHECK(imchat::ParseTopic("$SYS/a/b/c/d/e").kind == TopicKind::kSys);
  CHECK(imchat::ParseTopic("$SYS").kind == TopicKind::kSys);
  CHECK(imchat::ParseTopic("$CONTROL").kind == TopicKind::kControl);
  CHECK(imchat::ParseTopic("$SYSX/a").kind == TopicKind::kOther);
  CHECK(imchat::ParseTopic("$other/a").kind == TopicKind::kOther);
}

TEST_CASE("topic table: each row's count matches its levels; '#' only last", "[unit]") {
  for (const imchat::TopicShape& shape : imchat::kTopicShapes) {
    INFO("row of kind " << static_cast<int>(shape.kind));
    REQUIRE(shape.count >= 1);
    REQUIRE(shape.count <= imchat::kMaxTopicLevels);
    for (std::size_t l = 0; l < imchat::kMaxTopicLevels; ++l) {
      CHECK(shape.levels[l].empty() == (l >= shape.count));
      if (shape.levels[l] == imchat::kRestLevels) CHECK(l + 1 == shape.count);
    }
  }
}
