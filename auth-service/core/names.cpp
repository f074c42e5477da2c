#include "names.h"

#include <cstdio>

namespace imchat {

namespace {
bool IsNameChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}
}  // namespace

bool IsValidUserName(std::string_view name) {
  // The same rule as NameError, without building a message (checked per message).
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (unsigned char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::string NameError(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > kMaxNameLength) {
    return "the name is longer than " + std::to_string(kMaxNameLength) + " characters";
  }
  for (unsigned char c : name) {
    if (!IsNameChar(c)) {
      return "the name contains '" +
             Printable(std::string_view(reinterpret_cast<const char*>(&c), 1)) +
             "'; only A-Z a-z 0-9 _ . - are allowed";
    }
  }
  return "";
}

std::string Printable(std::string_view bytes, std::size_t max) {
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace imchat
