#include "secret_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace imchat {

namespace {
std::string Label(std::string_view path) {
  return "the service password file '" + std::string(path) + "'";
}
}  // namespace

Result<std::string> ParseSecret(std::string_view text, std::string_view label) {
  std::string_view line = text.substr(0, text.find('\n'));
  // Trailing whitespace is what editors, `echo` and Windows line ends add
  // unseen; a password that really ends in a space cannot be told from that.
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    return Status::Error(std::string(label) +
                         " has no password on its first line (write the password there)");
  }
  return std::string(line);
}

Result<std::string> ReadSecretFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return Status::Error(Label(path) + " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + Label(path) + ": " + std::strerror(errno));
  std::string first_line;
  std::getline(in, first_line);
  if (in.bad()) return Status::Error("read error on " + Label(path));
  return ParseSecret(first_line, Label(path));
}

}  // namespace imchat
