// users.txt parsing: every line kind and every error, with file:line messages.
#include "users_file.h"

#include <catch2/catch.hpp>

namespace {

const char* kErinHash =
    "$7$101$eKzP0V51fcxK0qb5$L360s4i2Zumvqu1HsAST/"
    "Hh7HqFxvYJ7AkCLQ9yp0kONkVZcrMMnh0Ws5SPpR7gt7H7OYhQo4TmxO8DgXF7O6A==";

imchat::Result<imchat::UserTable> Parse(const std::string& text) {
  return imchat::ParseUsers(text, "users.txt", "imchat-service");
}

}  // namespace

TEST_CASE("users.txt: plain and hash lines, comments, blanks, CRLF, BOM", "[unit]") {
  std::string text = std::string("\xEF\xBB\xBF") + "# comment\r\n\r\nalice wonderland\r\n" +
                     "  bob   two words  \n\t# indented comment\nerin:" + kErinHash + "\n";
  auto r = Parse(text);
  REQUIRE(r.ok());
  CHECK(r->Names() == std::vector<std::string>{"alice", "bob", "erin"});
  CHECK(r->Verify("alice", "wonderland"));
  CHECK_FALSE(r->Verify("alice", "wonderland\r"));
  CHECK_FALSE(r->Verify("alice", "Wonderland"));
  CHECK(r->Verify("bob", "two words"));
  CHECK(r->Verify("erin", "erin-secret"));
  CHECK_FALSE(r->Verify("erin", "erin-secreT"));
  CHECK_FALSE(r->Verify("zed", ""));
  CHECK(r->Contains("erin"));
  CHECK_FALSE(r->Contains("eri"));
}

TEST_CASE("users.txt: an empty file is an empty table", "[unit]") {
  auto r = Parse("");
  REQUIRE(r.ok());
  CHECK(r->size() == 0);
}

TEST_CASE("users.txt: errors name the file, the line and the problem", "[unit]") {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::string long_line = "alice " + std::string(5000, 'x');
  const Case cases[] = {
      {"alice a\na/b pw\n", "users.txt:2: invalid user name 'a/b': "},
      {"alice\n", "users.txt:1: user 'alice' has no password"},
      {"alice   \n", "users.txt:1: user 'alice' has no password"},
      {"alice:\n", "users.txt:1: user 'alice' has no password"},
      {"alice a\n# x\nalice b\n", "users.txt:3: duplicate user 'alice'"},
      {"imchat-service pw\n", "users.txt:1: 'imchat-service' is the service account"},
      {"erin:$7$101$eKzP0V51fcxK0qb5\n", "users.txt:1: user 'erin': invalid password hash: "},
      {"erin:$7$101$eKzP0V51fcxK0qb5$L360s4i2\n",
       "users.txt:1: user 'erin': invalid password hash: "},
      {"erin:$6$abc$def\n", "users.txt:1: user 'erin': invalid password hash: "},
      {"erin:$7$x$eKzP0V51fcxK0qb5$L360\n", "users.txt:1: user 'erin': invalid password hash: "},
      {"\n\n" + long_line + "\n", "users.txt:3: the line is longer than 4096 bytes"},
      {std::string(33, 'a') + " pw\n", "users.txt:1: invalid user name"},
      {"al ice pw\nb\xC3\xA9 pw\n", "users.txt:2: invalid user name 'b\\xc3\\xa9'"},
  };
  for (const auto& c : cases) {
    INFO(c.text.substr(0, 80));
    auto r = Parse(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message().rfind(c.error, 0) == 0);
    INFO(r.message());
  }
}

TEST_CASE("users.txt: a missing file is a clear error", "[unit]") {
  auto r = imchat::LoadUsersFile("/nonexistent-dir/users.txt", "imchat-service");
  REQUIRE_FALSE(r.ok());
  CHECK(r.message().find("users.txt: cannot read") == 0);
}
