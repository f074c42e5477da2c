// Password helpers: base64, $7$ parsing and PBKDF2-SHA512 verification.
#include "password.h"

#include <catch2/catch.hpp>

TEST_CASE("base64 decodes with and without padding and rejects junk", "[unit]") {
  CHECK(imchat::Base64Decode("aGk=") == std::optional<std::string>("hi"));
  CHECK(imchat::Base64Decode("aGVs") == std::optional<std::string>("hel"));
  CHECK(imchat::Base64Decode("aA==") == std::optional<std::string>("h"));
  CHECK_FALSE(imchat::Base64Decode("aGk"));
  CHECK_FALSE(imchat::Base64Decode("a=Gk"));
  CHECK_FALSE(imchat::Base64Decode("a*Gk"));
  CHECK_FALSE(imchat::Base64Decode(""));
}

TEST_CASE("$7$ hashes parse and verify like mosquitto_passwd's", "[unit]") {
  std::string err;
  auto h = imchat::ParsePbkdf2Hash(
      "$7$101$eKzP0V51fcxK0qb5$L360s4i2Zumvqu1HsAST/"
      "Hh7HqFxvYJ7AkCLQ9yp0kONkVZcrMMnh0Ws5SPpR7gt7H7OYhQo4TmxO8DgXF7O6A==",
      &err);
  REQUIRE(h);
  CHECK(h->iterations == 101);
  CHECK(h->salt.size() == 12);
  CHECK(h->hash.size() == 64);
  CHECK(imchat::VerifyPbkdf2(*h, "erin-secret"));
  CHECK_FALSE(imchat::VerifyPbkdf2(*h, "erin-secret "));
  CHECK_FALSE(imchat::VerifyPbkdf2(*h, ""));
}

TEST_CASE("malformed $7$ hashes are refused with a reason", "[unit]") {
  const char* bad[] = {"",
                       "$7$",
                       "$7$101",
                       "$7$101$c2FsdA==",
                       "$7$0$c2FsdA==$aGk=",
                       "$7$abc$c2FsdA==$aGk=",
                       "$7$101$!!!!$aGk=",
                       "$7$101$c2FsdA==$aGk=",
                       "$7$99999999999$c2FsdA==$aGk="};
  for (const char* text : bad) {
    INFO(text);
    std::string err;
    CHECK_FALSE(imchat::ParsePbkdf2Hash(text, &err));
    CHECK_FALSE(err.empty());
  }
}

TEST_CASE("constant-time compare is an exact compare", "[unit]") {
  CHECK(imchat::ConstantTimeEquals("abc", "abc"));
  CHECK(imchat::ConstantTimeEquals("", ""));
  CHECK_FALSE(imchat::ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(imchat::ConstantTimeEquals("abc", "ab"));
}
