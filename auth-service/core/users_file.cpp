#include "users_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "names.h"

namespace imchat {

bool UserTable::Contains(std::string_view name) const { return users_.find(name) != users_.end(); }

bool UserTable::Verify(std::string_view name, std::string_view password) const {
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  if (it->second.plain) return ConstantTimeEquals(*it->second.plain, password);
  return it->second.hash && VerifyPbkdf2(*it->second.hash, password);
}

std::vector<std::string> UserTable::Names() const {
  std::vector<std::string> names;
  for (const auto& entry : users_) names.push_back(entry.first);
  return names;
}

bool UserTable::AddPlain(const std::string& name, const std::string& password) {
  return users_.emplace(name, Entry{password, std::nullopt}).second;
}

bool UserTable::AddHashed(const std::string& name, const Pbkdf2Hash& hash) {
  return users_.emplace(name, Entry{std::nullopt, hash}).second;
}

Result<UserTable> ParseUsers(std::string_view text, std::string_view file_label,
                             std::string_view service_user) {
  UserTable table;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::size_t line_no = 0;
  std::size_t pos = 0;
  auto fail = [&](const std::string& what) {
    return Status::Error(std::string(file_label) + ":" + std::to_string(line_no) + ": " + what);
  };
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() > kMaxUsersLine) {
      return fail("the line is longer than " + std::to_string(kMaxUsersLine) + " bytes");
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line.remove_prefix(first);
    // A name ends at the first space, tab or ':' (hash lines).
    std::size_t name_end = line.find_first_of(" \t:");
    std::string_view name = line.substr(0, name_end);
    bool hashed = name_end != std::string_view::npos && line[name_end] == ':';
    std::string name_err = NameError(name);
    if (!name_err.empty()) {
      return fail("invalid user name '" + Printable(name) + "': " + name_err);
    }
    if (name == service_user) {
      return fail("'" + std::string(name) + "' is the service account's name, not a chat user");
    }
    std::string_view secret =
        name_end == std::string_view::npos ? std::string_view() : line.substr(name_end + 1);
    if (!hashed) {
      std::size_t start = secret.find_first_not_of(" \t");
      secret = start == std::string_view::npos ? std::string_view() : secret.substr(start);
      while (!secret.empty() && (secret.back() == ' ' || secret.back() == '\t'))
        secret.remove_suffix(1);
    }
    if (secret.empty()) return fail("user '" + std::string(name) + "' has no password");
    if (table.Contains(name)) return fail("duplicate user '" + std::string(name) + "'");
    if (hashed) {
      std::string why;
      auto hash = ParsePbkdf2Hash(secret, &why);
      if (!hash) return fail("user '" + std::string(name) + "': invalid password hash: " + why);
      table.AddHashed(std::string(name), *hash);
    } else {
      table.AddPlain(std::string(name), std::string(secret));
    }
  }
  return table;
}

Result<UserTable> LoadUsersFile(const std::string& path, std::string_view service_user) {
  std::string label = path;
  std::size_t slash = label.rfind('/');
  if (slash != std::string::npos) label = label.substr(slash + 1);
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return Status::Error(label + ": '" + path + "' is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(label + ": cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::Error(label + ": read error on '" + path + "'");
  return ParseUsers(buf.str(), label, service_user);
}

}  // namespace imchat
