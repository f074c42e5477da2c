// Carbons (topics.md "Several devices"): the sender of a direct message may
// read im/user/<to>/<sender>, through filters that name them as the sender;
// nobody else gains anything.
#include <catch2/catch.hpp>

#include "acl.h"

namespace {

const imchat::Actor kAlice{"alice", false};
const imchat::Actor kCarol{"carol", false};

}  // namespace

TEST_CASE("carbons: the sender reads the direct messages they sent, nobody else", "[unit]") {
  imchat::BlockSet blocks;
  imchat::AclView view{&blocks};
  CHECK(imchat::CanRead(kAlice, "im/user/bob/alice", view).allowed);
  CHECK(imchat::CanRead(kAlice, "im/user/alice/alice", view).allowed);
  CHECK_FALSE(imchat::CanRead(kCarol, "im/user/bob/alice", view).allowed);
  CHECK_FALSE(imchat::CanRead(kAlice, "im/user/bob/alice2", view).allowed);
  CHECK_FALSE(imchat::CanRead(kAlice, "im/user/bob/alic", view).allowed);
  // The rooms' and broadcasts' rules are untouched: no carbon there.
  CHECK_FALSE(imchat::CanRead(kAlice, "im/svc/bob", view).allowed);
}

TEST_CASE("carbons: a block by the recipient or of the recipient hides nothing of one's own",
          "[unit]") {
  imchat::BlockSet blocks;
  blocks.Add("alice", "bob");  // alice blocks bob (bob blocking alice refuses her DMs at publish)
  blocks.Add("bob", "alice");
  imchat::AclView view{&blocks};
  CHECK(imchat::CanRead(kAlice, "im/user/bob/alice", view).allowed);
  CHECK(imchat::CanSubscribe(kAlice, "im/user/+/alice", view).allowed);
  CHECK(imchat::CanSubscribe(kAlice, "$share/g/im/user/+/alice", view).allowed);
}

TEST_CASE("carbons: only filters naming the sender are granted for them", "[unit]") {
  imchat::BlockSet blocks;
  imchat::AclView view{&blocks};
  struct Case {
    const imchat::Actor& who;
    const char* filter;
    bool allowed;
  };
  const Case cases[] = {
      {kAlice, "im/user/+/alice", true},
      {kAlice, "im/user/bob/alice", true},
      {kAlice, "+/user/+/alice", true},
      {kAlice, "$share/g/im/user/+/alice", true},
      {kAlice, "$share/g/im/user/bob/alice", true},
      // Not naming alice as the sender: what it may match of hers does not count.
      {kAlice, "im/user/bob/+", false},
      {kAlice, "im/user/bob/#", false},
      {kAlice, "$share/g/im/user/+/+", false},
      // Somebody else's carbons. (carol's im/user/+/alice is granted as before carbons:
      // it matches her inbox's im/user/carol/alice; each delivery is checked.)
      {kCarol, "im/user/+/alice", true},
      {kCarol, "im/user/bob/alice", false},
      {kCarol, "$share/g/im/user/+/alice", false},
      {kAlice, "im/user/bob/carol", false},
      {kAlice, "im/user/bob/alice2", false},
  };
  for (const Case& c : cases) {
    INFO(c.who.name << " subscribes " << c.filter);
    CHECK(imchat::CanSubscribe(c.who, c.filter, view).allowed == c.allowed);
  }
  // Wide filters stay granted as before, and each delivery is checked: carol
  // gets none of alice's direct messages through them.
  for (const char* wide : {"im/user/#", "im/#", "#", "+/+/+/+", "im/user/+/+"}) {
    INFO(wide);
    CHECK(imchat::CanSubscribe(kCarol, wide, view).allowed);
  }
  CHECK_FALSE(imchat::CanRead(kCarol, "im/user/bob/alice", view).allowed);
  CHECK(imchat::CanRead(kCarol, "im/user/carol/alice", view).allowed);
}

TEST_CASE("carbons: the inbox is still only im/user/<me>/+", "[unit]") {
  CHECK_FALSE(imchat::FilterCoversInbox("im/user/+/alice", "alice"));
  CHECK(imchat::FilterCoversInbox("im/user/alice/+", "alice"));
}
