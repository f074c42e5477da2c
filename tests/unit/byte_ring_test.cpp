// The gateway's per-direction ring (gateway/byte_ring.h): the reader fills while the writer
// drains a snapshot, wrap-around gives two regions, a full ring offers no space (the
// backpressure bound), and an emptied ring restarts at its first byte.
#include "byte_ring.h"

#include <boost/asio/buffer.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

namespace gw = imchat::gateway;
namespace asio = boost::asio;

namespace {

// Copies text into the ring's free space as a reader would, returning the bytes taken.
std::size_t Put(gw::ByteRing& ring, const std::string& text) {
  auto free = ring.Free();
  std::size_t n = asio::buffer_copy(free, asio::buffer(text));
  ring.Commit(n);
  return n;
}

std::string Take(const gw::ByteRing& ring) {
  auto filled = ring.Filled();
  std::string out(asio::buffer_size(filled), '\0');
  asio::buffer_copy(asio::buffer(out), filled);
  return out;
}

}  // namespace

TEST_CASE("byte ring: bytes come out in order, across the wrap", "[unit]") {
  gw::ByteRing ring(8);
  REQUIRE(ring.size() == 0);
  REQUIRE(asio::buffer_size(ring.Filled()) == 0);
  REQUIRE(Put(ring, "abcdef") == 6);
  REQUIRE(Take(ring) == "abcdef");
  ring.Consume(4);  // "ef" left at positions 4-5
  REQUIRE(Take(ring) == "ef");
  // Free space wraps: 2 bytes at the end, then 4 at the start.
  auto free = ring.Free();
  REQUIRE(free[0].size() == 2);
  REQUIRE(free[1].size() == 4);
  REQUIRE(ring.FreeContiguous().size() == 2);
  REQUIRE(Put(ring, "ghijkl") == 6);
  REQUIRE(ring.full());
  REQUIRE(Take(ring) == "efghijkl");
  auto filled = ring.Filled();
  REQUIRE(filled[0].size() == 4);  // e f g h up to the end
  REQUIRE(filled[1].size() == 4);  // i j k l from the start
}

TEST_CASE("byte ring: a full ring offers no space until the writer consumes", "[unit]") {
  gw::ByteRing ring(4);
  REQUIRE(Put(ring, "abcdefgh") == 4);  // only the capacity is taken
  REQUIRE(ring.full());
  REQUIRE(asio::buffer_size(ring.Free()) == 0);
  ring.Consume(1);
  REQUIRE(asio::buffer_size(ring.Free()) == 1);
  REQUIRE(Put(ring, "e") == 1);
  REQUIRE(Take(ring) == "bcde");
}

TEST_CASE("byte ring: a snapshot being written stays valid while the reader appends", "[unit]") {
  gw::ByteRing ring(16);
  Put(ring, "one");
  auto snapshot = ring.Filled();  // the writer's buffers
  Put(ring, "two");
  std::string written(asio::buffer_size(snapshot), '\0');
  asio::buffer_copy(asio::buffer(written), snapshot);
  REQUIRE(written == "one");
  ring.Consume(written.size());
  REQUIRE(Take(ring) == "two");
}

TEST_CASE("byte ring: an emptied ring restarts at its first byte", "[unit]") {
  gw::ByteRing ring(16);
  Put(ring, "hello");
  const void* start = ring.Filled()[0].data();
  ring.Consume(5);
  REQUIRE(ring.FreeContiguous().data() == start);
  REQUIRE(ring.FreeContiguous().size() == 16);
  // Not empty: the reader continues after the committed bytes.
  Put(ring, "ab");
  ring.Consume(1);
  REQUIRE(ring.FreeContiguous().data() == static_cast<const unsigned char*>(start) + 2);
}
