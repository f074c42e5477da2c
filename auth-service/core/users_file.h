// users.txt: the chat users and their passwords.
//
// Format, one user per line:
//   name password             plain text (the password is the rest of the line)
//   name:$7$<iter>$<salt>$<hash>   a hash line written by mosquitto_passwd
// Blank lines and lines starting with '#' are ignored; CRLF line ends and a UTF-8
// BOM at the start are tolerated. Errors name the file and line, e.g.
// "users.txt:7: invalid user name 'a/b': ...".
#ifndef IMCHAT_CORE_USERS_FILE_H_
#define IMCHAT_CORE_USERS_FILE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "password.h"
#include "status.h"

namespace imchat {

inline constexpr std::size_t kMaxUsersLine = 4096;

class UserTable {
 public:
  bool Contains(std::string_view name) const;
  // True when `password` is right for `name` (false for unknown names).
  bool Verify(std::string_view name, std::string_view password) const;
  // All user names, sorted.
  std::vector<std::string> Names() const;
  std::size_t size() const { return users_.size(); }

  // Adds a user; returns false when the name is already there.
  bool AddPlain(const std::string& name, const std::string& password);
  bool AddHashed(const std::string& name, const Pbkdf2Hash& hash);

 private:
  struct Entry {
    std::optional<std::string> plain;
    std::optional<Pbkdf2Hash> hash;
  };
  std::map<std::string, Entry, std::less<>> users_;
};

// Parses users.txt text into a table, or the first error ("<file>:<line>: <what>"). `file_label`
// names the file in errors (e.g. "users.txt"); `service_user` is refused as a chat user name.
Result<UserTable> ParseUsers(std::string_view text, std::string_view file_label,
                             std::string_view service_user);

// Reads and parses the file at `path`; an unreadable file is an error too.
// Errors are labelled with the file's base name.
Result<UserTable> LoadUsersFile(const std::string& path, std::string_view service_user);

}  // namespace imchat

#endif  // IMCHAT_CORE_USERS_FILE_H_
