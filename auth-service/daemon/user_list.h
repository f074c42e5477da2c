// The set of chat user names in users.txt. The daemon needs only the names;
// the broker plugin verifies passwords.
#ifndef IMCHAT_DAEMON_USER_LIST_H_
#define IMCHAT_DAEMON_USER_LIST_H_

#include <set>
#include <string>

namespace imchat {

// Reads the names from `path` (lines "name password" or "name:hash"; blank
// lines and # comments skipped; lines with an invalid name are skipped).
// False with `*error` when the file cannot be read.
bool LoadUserNames(const std::string& path, std::set<std::string, std::less<>>* names,
                   std::string* error);

}  // namespace imchat

#endif  // IMCHAT_DAEMON_USER_LIST_H_
