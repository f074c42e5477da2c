// BlockSet: directed pairs, replace, add/remove and the summary queries.
#include "blocks.h"

#include <catch2/catch.hpp>

TEST_CASE("blocks are directed and exact", "[unit]") {
  imchat::BlockSet b;
  b.Add("alice", "bob");
  CHECK(b.Blocks("alice", "bob"));
  CHECK_FALSE(b.Blocks("bob", "alice"));
  CHECK_FALSE(b.Blocks("alice", "bob2"));
  CHECK(b.EitherBlocks("bob", "alice"));
  CHECK(b.BlocksAnyone("alice"));
  CHECK_FALSE(b.BlocksAnyone("bob"));
  CHECK(b.InAnyPair("bob"));
  CHECK_FALSE(b.InAnyPair("carol"));
  b.Remove("alice", "bob");
  CHECK_FALSE(b.Blocks("alice", "bob"));
  CHECK_FALSE(b.BlocksAnyone("alice"));
  CHECK(b.size() == 0);
  b.Remove("nobody", "x");
}

TEST_CASE("Replace swaps the whole set", "[unit]") {
  imchat::BlockSet b;
  b.Add("x", "y");
  b.Replace({{"alice", "bob"}, {"alice", "carol"}, {"dave", "alice"}});
  CHECK_FALSE(b.Blocks("x", "y"));
  CHECK(b.Blocks("alice", "carol"));
  CHECK(b.Blocks("dave", "alice"));
  CHECK(b.size() == 3);
  b.Replace({});
  CHECK(b.size() == 0);
}
