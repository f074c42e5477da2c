// Tab completion of arguments (completion.h): what the command typed so far
// takes at the cursor decides between users and rooms.
#include "completion.h"

#include <algorithm>

#include "input.h"

namespace imchat::client {

namespace {

enum class Arg { kUser, kRoom, kEither, kNone };

// The words of `line`, split at spaces and tabs.
std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// What the `index`-th argument (0-based) of `verb` names.
Arg ArgumentOf(Verb verb, std::size_t index) {
  switch (verb) {
    case Verb::kJoin:
    case Verb::kLeave:
    case Verb::kMembers:
    case Verb::kTopic:
      return index == 0 ? Arg::kRoom : Arg::kNone;
    case Verb::kInvite:
    case Verb::kKick:
      return index == 0 ? Arg::kRoom : index == 1 ? Arg::kUser : Arg::kNone;
    case Verb::kQuery:
    case Verb::kHistory:
    case Verb::kSend:  // then a local path: nothing to complete
      return index == 0 ? Arg::kEither : Arg::kNone;
    case Verb::kGet:
    case Verb::kFiles:
    case Verb::kCreate:  // a new name: nothing to complete
    case Verb::kRooms:
    case Verb::kWho:
    case Verb::kBlocked:
    case Verb::kSince:
    case Verb::kNick:
    case Verb::kHelp:
    case Verb::kQuit:
      return Arg::kNone;
    default:
      return Arg::kUser;
  }
}

}  // namespace

std::vector<std::string> CompleteWord(std::string_view before, std::string_view word,
                                      const std::vector<std::string>& users,
                                      const std::vector<std::string>& rooms) {
  Arg arg = Arg::kUser;  // plain text: names, as always
  const std::vector<std::string_view> words = Words(before);
  if (!words.empty() && words[0].front() == '/') {
    const CommandInfo* info = FindClientCommand(words[0].substr(1));
    arg = info ? ArgumentOf(info->verb, words.size() - 1) : Arg::kNone;
  }
  std::vector<std::string> out;
  auto starts = [](std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
  };
  if (arg == Arg::kUser || arg == Arg::kEither) {
    for (const std::string& u : users) {
      if (starts(u, word)) out.push_back(u);
    }
  }
  if (arg == Arg::kRoom || arg == Arg::kEither) {
    // "#de" and, after a room command, "de" both complete to "#dev".
    for (const std::string& r : rooms) {
      const std::string tagged = "#" + r;
      if (starts(tagged, word) || (arg == Arg::kRoom && starts(r, word))) out.push_back(tagged);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace imchat::client
