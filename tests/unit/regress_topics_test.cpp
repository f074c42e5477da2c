// Regression table for topic matching and filter validation: each row's expected value is
// what libmosquitto 2.0.11's mosquitto_topic_matches_sub / mosquitto_sub_topic_check answer
// (checked by fuzz/topic_match_fuzz.cpp), so the ACL decides on the same matching as the
// broker's router. Edge cases: '$' topics, empty levels, the '#' parent level, name prefixes.
#include <catch2/catch.hpp>

#include "topics.h"

namespace {

struct MatchCase {
  const char* filter;
  const char* topic;
  bool matches;
};

const MatchCase kMatchCases[] = {
    {"#", "$SYS/broker", false},
    {"+/#", "$SYS/x", false},
    {"$SYS/#", "$SYS", true},
    {"im/#", "im", true},
    {"im/+", "im", false},
    {"im/all/+", "im/all/", true},
    {"im/all/+", "im/all", false},
    {"+/+", "/", true},
    {"+", "/", false},
    {"/#", "/", true},
    {"#", "/", true},
    {"im/user/alice/+", "im/user/alice2/bob", false},
    {"im/user/alice/+", "im/user/alice/bob/x", false},
    {"im/user/alice/#", "im/user/alice", true},
    {"im/user/+/bob", "im/user/alice/bob", true},
    {"im//+", "im//x", true},
    {"im/+/+", "im//", true},
    {"$share/g/im/#", "im/x", false},  // $share is stripped by the broker, not by matching
    {"+/all/+", "im/all/bob", true},
    {"im/all/bob", "im/all/bob/", false},
    {"im/all/bob/", "im/all/bob", false},
    {"#", "im/all/bob", true},
    {"$CONTROL/#", "$CONTROL/imchat/v1", true},
    {"+/imchat/v1", "$CONTROL/imchat/v1", false},
};

}  // namespace

TEST_CASE("topic matching agrees with libmosquitto on edge cases", "[unit][regress]") {
  for (const MatchCase& c : kMatchCases) {
    INFO("filter '" << c.filter << "' topic '" << c.topic << "'");
    CHECK(imchat::TopicMatches(c.filter, c.topic) == c.matches);
  }
}

TEST_CASE("filter validation agrees with libmosquitto", "[unit][regress]") {
  // "" is accepted by mosquitto_sub_topic_check but MQTT forbids empty filters.
  for (const char* ok : {"#", "+", "a/+/#", "//", "$share/g/#", "im/user/+/+"}) {
    INFO(ok);
    CHECK(imchat::IsValidFilter(ok));
  }
  for (const char* bad : {"", "a/#/b", "a#", "a/b+", "+a", "a/#/", "#/"}) {
    INFO(bad);
    CHECK_FALSE(imchat::IsValidFilter(bad));
  }
  CHECK_FALSE(imchat::IsValidFilter(std::string_view("a/\0/b", 5)));
}

TEST_CASE("ParseTopic refuses names with wildcards, empty levels and prefixes", "[unit][regress]") {
  using imchat::TopicKind;
  CHECK(imchat::ParseTopic("im/user/alice2/bob").first == "alice2");
  for (const char* t : {"im/user/alice/+", "im/user/+/bob", "im/all/#", "im/all/", "im/user//bob",
                        "im/user/alice/bob/", "im/presence/a+b", "im/all/alice/x", "IM/all/x",
                        "im/user/alice/b\x01", "/im/all/alice"}) {
    INFO(t);
    CHECK(imchat::ParseTopic(t).kind == TopicKind::kOther);
  }
  CHECK(imchat::ParseTopic(std::string_view("im/all/a\0b", 10)).kind == TopicKind::kOther);
}
