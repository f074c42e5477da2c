#include "user_list.h"

namespace imchat {

UserNames NamesOf(const UserTable& table) {
  const std::vector<std::string> list = table.Names();
  return UserNames(list.begin(), list.end());
}

}  // namespace imchat
