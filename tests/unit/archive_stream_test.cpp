// The archive stream codec (plugin -> service batches on im/archive).
#include "archive_stream.h"

#include <catch2/catch.hpp>

namespace {

using imchat::ArchiveRecord;
using Kind = ArchiveRecord::Kind;

ArchiveRecord Rec(Kind kind, std::string id, std::string from, std::string to, std::string body) {
  ArchiveRecord r;
  r.kind = kind;
  r.id = std::move(id);
  r.ts = 1763829000123;
  r.from = std::move(from);
  r.to = std::move(to);
  r.body = std::move(body);
  return r;
}

std::vector<ArchiveRecord> Decode(std::string_view batch, std::string* error) {
  std::vector<ArchiveRecord> out;
  if (!imchat::DecodeArchiveBatch(batch, &out, error)) out.push_back({});  // marks a failure
  return out;
}

}  // namespace

TEST_CASE("archive batches round-trip every kind, flag and byte", "[unit]") {
  std::vector<ArchiveRecord> records = {
      Rec(Kind::kBroadcast, "k1-1", "alice", "", "hello all"),
      Rec(Kind::kDirect, "k1-2", "alice", "bob", "line\nbreak, spaces and \0 NUL"),
      Rec(Kind::kDirect, "k1-3", "bob", "alice", std::string("\xff\xfe not UTF-8 \x1b[31m", 19)),
      Rec(Kind::kCommand, "", "carol", "", "history bob 5"),
      Rec(Kind::kBroadcast, "k1-4", "dave", "", ""),
  };
  records[1].body.push_back('\0');
  records[1].ref = "my ref with spaces\n";
  records[3].ref = std::string("correlation \n\0\xff", 15);  // a command's: binary
  records[2].offline = true;
  records[3].ts = 0;
  ArchiveRecord resent = Rec(Kind::kDirect, "k0-9", "erin", "bob", "again");
  resent.offline = true;
  resent.resend = true;
  records.push_back(resent);

  std::string batch;
  for (const ArchiveRecord& r : records) imchat::AppendArchiveRecord(&batch, r);
  std::string error;
  std::vector<ArchiveRecord> back = Decode(batch, &error);
  REQUIRE(error.empty());
  REQUIRE(back.size() == records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    INFO(i);
    CHECK(back[i] == records[i]);
  }
}

TEST_CASE("malformed archive batches are refused at the first bad record", "[unit]") {
  std::string good;
  imchat::AppendArchiveRecord(&good, Rec(Kind::kBroadcast, "k1-1", "alice", "", "hi"));
  const std::string head = "IMA1\n";
  struct Case {
    std::string batch;
    const char* error;
  };
  const Case cases[] = {
      {"", "no IMA1 header"},
      {"IMA2\nb- k-1 1 alice - 0 2\nhi\n", "no IMA1 header"},
      {head + "b- k-1 1 alice - 0 2", "no header line"},
      {head + "b- k-1 1 alice - 0\nhi\n", "7 fields"},
      {head + "b- k-1 1 alice - 0 2 9\nhi\n", "7 fields"},
      {head + "x- k-1 1 alice - 0 2\nhi\n", "unknown kind"},
      {head + "bz k-1 1 alice - 0 2\nhi\n", "unknown flag"},
      {head + "b k-1 1 alice - 0 2\nhi\n", "no flags"},
      {head + "b- k-1 -1 alice - 0 2\nhi\n", "bad timestamp"},
      {head + "b- k-1 1x alice - 0 2\nhi\n", "bad timestamp"},
      {head + "b- k-1 1 alice - 0 99999999999\nhi\n", "bad length"},
      {head + "b- k-1 1 al/ce - 0 2\nhi\n", "bad sender"},
      {head + "d- k-1 1 alice b/b 0 2\nhi\n", "bad recipient"},
      {head + "b- k-1 1 alice bob 0 2\nhi\n", "bad recipient"},
      {head + "c- k-1 1 alice - 0 2\nhi\n", "bad message id"},
      {head + "b- - 1 alice - 0 2\nhi\n", "bad message id"},
      {head + "b- k-1 1 alice - 0 5\nhi\n", "truncated"},
      {head + "b- k-1 1 alice - 0 2\nhi!", "no record terminator"},
      {good + "b- k-1 1 alice - 0 2\nhi", "record 2: truncated"},
  };
  for (const Case& c : cases) {
    INFO(c.batch);
    std::string error;
    std::vector<ArchiveRecord> out;
    CHECK_FALSE(imchat::DecodeArchiveBatch(c.batch, &out, &error));
    CHECK_THAT(error, Catch::Contains(c.error));
  }
  std::vector<ArchiveRecord> out;
  std::string error;
  CHECK_FALSE(imchat::DecodeArchiveBatch(good + "junk", &out, &error));
  CHECK(out.size() == 1);  // the good record before the damage is kept
}
