// The set of chat user names in users.txt. The daemon needs only the names;
// the broker plugin verifies passwords. Parsing is the core's (users_file.h),
// so the plugin and the daemon accept exactly the same files.
#ifndef IMCHAT_DAEMON_USER_LIST_H_
#define IMCHAT_DAEMON_USER_LIST_H_

#include <set>
#include <string>

namespace imchat {

// Reads the names from `path`. False with `*error` ("users.txt:7: ...") when
// the file cannot be read or is invalid; `*names` is then left unchanged.
bool LoadUserNames(const std::string& path, const std::string& service_user,
                   std::set<std::string, std::less<>>* names, std::string* error);

}  // namespace imchat

#endif  // IMCHAT_DAEMON_USER_LIST_H_
