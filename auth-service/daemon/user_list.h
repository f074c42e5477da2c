// The set of chat user names in users.txt. The daemon needs only the names;
// the broker plugin verifies passwords. Loading and reloading follow the
// core's policy (users_reload.h), so the plugin and the daemon accept exactly
// the same files and keep their tables in the same cases.
#ifndef IMCHAT_DAEMON_USER_LIST_H_
#define IMCHAT_DAEMON_USER_LIST_H_

#include <set>
#include <string>

#include "users_file.h"

namespace imchat {

using UserNames = std::set<std::string, std::less<>>;

// The names of `table`'s users.
UserNames NamesOf(const UserTable& table);

}  // namespace imchat

#endif  // IMCHAT_DAEMON_USER_LIST_H_
