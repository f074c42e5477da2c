#include "user_list.h"

#include "users_file.h"

namespace imchat {

bool LoadUserNames(const std::string& path, const std::string& service_user,
                   std::set<std::string, std::less<>>* names, std::string* error) {
  UsersResult r = LoadUsersFile(path, service_user);
  if (!r.ok()) {
    *error = r.error;
    return false;
  }
  std::vector<std::string> list = r.table->Names();
  names->clear();
  names->insert(list.begin(), list.end());
  return true;
}

}  // namespace imchat
