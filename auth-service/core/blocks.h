// Who blocks whom: a set of (blocker, blocked) pairs mirrored from the service.
// Not thread-safe; the plugin uses it from the broker thread only.
#ifndef IMCHAT_CORE_BLOCKS_H_
#define IMCHAT_CORE_BLOCKS_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imchat {

class BlockSet {
 public:
  // Replaces every pair with `pairs` (each is {blocker, blocked}).
  void Replace(const std::vector<std::pair<std::string, std::string>>& pairs);
  void Add(std::string_view blocker, std::string_view blocked);
  void Remove(std::string_view blocker, std::string_view blocked);
  // True when `blocker` blocks `blocked`.
  bool Blocks(std::string_view blocker, std::string_view blocked) const;
  // True when `a` blocks `b` or `b` blocks `a`.
  bool EitherBlocks(std::string_view a, std::string_view b) const;
  // True when `blocker` blocks at least one user.
  bool BlocksAnyone(std::string_view blocker) const;
  // True when `name` blocks someone or is blocked by someone.
  bool InAnyPair(std::string_view name) const;
  std::size_t size() const;

 private:
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> by_blocker_;
};

}  // namespace imchat

#endif  // IMCHAT_CORE_BLOCKS_H_
