// Status and Result: success, failure with its message, and the value.
#include "status.h"

#include <catch2/catch.hpp>
#include <string>

using imchat::Result;
using imchat::Status;

TEST_CASE("a default Status is success with no message", "[unit]") {
  Status s;
  CHECK(s.ok());
  CHECK(s.message().empty());
  CHECK(Status::Ok().ok());
}

TEST_CASE("an error Status keeps its message, even an empty one", "[unit]") {
  Status s = Status::Error("users.txt:7: bad line");
  CHECK_FALSE(s.ok());
  CHECK(s.message() == "users.txt:7: bad line");
  CHECK_FALSE(Status::Error("").ok());
}

TEST_CASE("a Result holds a value or the error that says why not", "[unit]") {
  auto half = [](int n) -> Result<int> {
    if (n % 2 != 0) return Status::Error(std::to_string(n) + " is odd");
    return n / 2;
  };
  Result<int> good = half(8);
  REQUIRE(good.ok());
  CHECK(*good == 4);
  CHECK(good.message().empty());
  Result<int> bad = half(7);
  CHECK_FALSE(bad.ok());
  CHECK(bad.message() == "7 is odd");
  CHECK_FALSE(bad.status().ok());
}

TEST_CASE("a Result built from an ok Status is still a failure", "[unit]") {
  Result<std::string> r{Status::Ok()};
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.message().empty());
}
