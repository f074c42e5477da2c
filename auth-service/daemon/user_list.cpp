#include "user_list.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "names.h"

namespace imchat {

bool LoadUserNames(const std::string& path, std::set<std::string, std::less<>>* names,
                   std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  names->clear();
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    first = false;
    std::size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    std::size_t end = line.find_first_of(" \t\r:", start);
    std::string name = line.substr(start, end == std::string::npos ? end : end - start);
    // A malformed line is the plugin's to report; the daemon just skips it.
    if (IsValidUserName(name)) names->insert(name);
  }
  if (in.bad()) {
    *error = "error reading " + path;
    return false;
  }
  return true;
}

}  // namespace imchat
