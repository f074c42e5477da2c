// The service password file rule (core/secret_file.h), shared by plugin and daemon.
#include "secret_file.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

TEST_CASE("secret file: first line, trailing spaces, tabs and CR removed", "[unit]") {
  struct Case {
    std::string text;
    std::string password;
  };
  const Case cases[] = {
      {"s3cret", "s3cret"},
      {"s3cret\n", "s3cret"},
      {"s3cret\r\n", "s3cret"},
      {"s3cret  \r\n", "s3cret"},
      {"s3cret \t \r\r\nsecond line\n", "s3cret"},
      {" lead", " lead"},
      {"two words \n", "two words"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    auto r = imchat::ParseSecret(c.text, "pw");
    REQUIRE(r.ok());
    CHECK(*r == c.password);
  }
}

TEST_CASE("secret file: an empty first line is an error naming the file", "[unit]") {
  for (const char* text : {"", "\n", " \t\r\n", "\nsecret-on-line-two\n"}) {
    INFO(text);
    auto r = imchat::ParseSecret(text, "the file 'pw'");
    CHECK_FALSE(r.ok());
    CHECK(r.message().find("the file 'pw' has no password") != std::string::npos);
  }
}

TEST_CASE("secret file: read from disk; a missing file or a directory is an error", "[unit]") {
  char name[] = "/tmp/imchat-secret-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(name, std::ios::binary);
    out << "pw with trailing  \r\nignored\n";
  }
  auto r = imchat::ReadSecretFile(name);
  REQUIRE(r.ok());
  CHECK(*r == "pw with trailing");
  std::remove(name);
  auto missing = imchat::ReadSecretFile(name);
  CHECK_FALSE(missing.ok());
  CHECK(missing.message().find("cannot read the service password file") != std::string::npos);
  auto dir = imchat::ReadSecretFile("/tmp");
  CHECK_FALSE(dir.ok());
  CHECK(dir.message().find("not a regular file") != std::string::npos);
}
