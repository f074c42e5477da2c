// Who the client knows about: presence (online or not, from im/presence/<user>,
// the im/online list and the welcome), display names, and every name seen in
// presence or messages, and every name of the address book (for tab completion). Presence changes
// that are news (not retained copies, not my own) become join/leave/nick lines. Not thread-safe:
// one thread owns it (through ChatState).
#ifndef IMCHAT_CLIENT_ROSTER_H_
#define IMCHAT_CLIENT_ROSTER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "render.h"

namespace imchat::client {

class Roster {
 public:
  explicit Roster(std::string me) : me_(std::move(me)) {}

  // A name seen in a message, or listed by the service's `users`.
  void Seen(const std::string& name) { known_.insert(name); }
  // The display name of `name`, "" when none.
  std::string Display(const std::string& name) const;

  // A message on im/presence/<name> (retained or not); "" clears the user.
  std::vector<Line> OnPresence(const std::string& name, const std::string& payload, bool retained,
                               std::int64_t now_ms);
  // The im/online list (a JSON array of names): exactly these are online.
  void OnOnlineList(const std::string& payload);
  // Names the welcome lists as online.
  void SetOnline(const std::vector<std::string>& names);

  // Everyone seen but me, sorted.
  std::vector<std::string> KnownUsers() const;
  // Online now but me, sorted.
  std::vector<std::string> OnlineUsers() const;

 private:
  std::string me_;
  std::map<std::string, bool> online_;          // presence by name
  std::map<std::string, std::string> display_;  // display names
  std::set<std::string> known_;
};

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_ROSTER_H_
