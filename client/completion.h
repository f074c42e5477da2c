// Tab completion of a command's arguments from the names the client knows.
// A pure function; the console asks it through ChatState::Complete.
#ifndef IMCHAT_CLIENT_COMPLETION_H_
#define IMCHAT_CLIENT_COMPLETION_H_

#include <string>
#include <string_view>
#include <vector>

namespace imchat::client {

// Tab completion of the word being typed, `word`, after `before` (the line up
// to it): room names as "#room" where a command takes a room (and for /query
// and /history, which take either), user names elsewhere; only candidates
// starting with `word` (a room also when `word` lacks the '#'), sorted.
std::vector<std::string> CompleteWord(std::string_view before, std::string_view word,
                                      const std::vector<std::string>& users,
                                      const std::vector<std::string>& rooms);

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_COMPLETION_H_
