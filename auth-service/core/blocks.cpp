#include "blocks.h"

namespace imchat {

void BlockSet::Replace(const std::vector<std::pair<std::string, std::string>>& pairs) {
  by_blocker_.clear();
  for (const auto& [blocker, blocked] : pairs) Add(blocker, blocked);
}

void BlockSet::Add(std::string_view blocker, std::string_view blocked) {
  auto it = by_blocker_.find(blocker);
  if (it == by_blocker_.end())
    it = by_blocker_.emplace(std::string(blocker), std::set<std::string, std::less<>>()).first;
  it->second.emplace(blocked);
}

void BlockSet::Remove(std::string_view blocker, std::string_view blocked) {
  auto it = by_blocker_.find(blocker);
  if (it == by_blocker_.end()) return;
  auto inner = it->second.find(blocked);
  if (inner != it->second.end()) it->second.erase(inner);
  // Empty entries would make BlocksAnyone() lie.
  if (it->second.empty()) by_blocker_.erase(it);
}

bool BlockSet::Blocks(std::string_view blocker, std::string_view blocked) const {
  auto it = by_blocker_.find(blocker);
  return it != by_blocker_.end() && it->second.find(blocked) != it->second.end();
}

bool BlockSet::EitherBlocks(std::string_view a, std::string_view b) const {
  return Blocks(a, b) || Blocks(b, a);
}

bool BlockSet::BlocksAnyone(std::string_view blocker) const {
  return by_blocker_.find(blocker) != by_blocker_.end();
}

bool BlockSet::InAnyPair(std::string_view name) const {
  if (BlocksAnyone(name)) return true;
  for (const auto& entry : by_blocker_) {
    if (entry.second.find(name) != entry.second.end()) return true;
  }
  return false;
}

std::size_t BlockSet::size() const {
  std::size_t n = 0;
  for (const auto& entry : by_blocker_) n += entry.second.size();
  return n;
}

}  // namespace imchat
