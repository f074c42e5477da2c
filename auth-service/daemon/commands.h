// The command language on im/cmd/<me> (topics.md, "Commands"): the table of
// commands as data, and parsing/validating one line into a Command. Executing
// a command needs the service's state and lives in command_executor.h.
#ifndef IMCHAT_DAEMON_COMMANDS_H_
#define IMCHAT_DAEMON_COMMANDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "limits.h"

namespace imchat {

struct CommandSpec {
  std::string name;   // the verb, e.g. "history"
  std::string usage;  // e.g. "history <user>|all [n]"
  std::string help;   // one sentence
};

// Every command, in the order `help` lists them.
const std::vector<CommandSpec>& AllCommands();

// A parsed, syntactically valid command. Whether a named user exists is for
// the executor to check.
struct Command {
  std::string verb;             // lower-case name from AllCommands(); for errors the word as typed
  std::string user;             // block/unblock/history target ("all" allowed for history)
  std::int64_t seconds = 0;     // since
  int count = kDefaultHistory;  // history n
  std::string display;          // nick ("" clears)
  std::string room;             // the room of a room command, without '#' (history #room too)
  std::string before;           // history ... before <id>: the cursor's message id ("" = none)
  std::string text;             // topic: the new topic ("" shows it)
  bool invite_only = false;     // create ... invite-only
  bool all = false;             // rooms all
  std::int64_t page = 1;  // users, rooms all: 1 or more (past the last page: the executor's error)
  std::string error;      // non-empty when the line was refused
};

// Parses one command line (raw payload bytes). Never throws; a refused line
// comes back with `error` set and `verb` naming what was typed (printable).
Command ParseCommand(std::string_view line);

// True when `word` can be a message id as the broker assigns them (topics.md
// `id`): 1-64 of A-Z a-z 0-9 _ . - (whether it exists is the store's question).
bool IsMessageId(std::string_view word);

// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

// The error text for an unknown verb, listing the valid ones.
std::string UnknownCommandText(std::string_view verb);

}  // namespace imchat

#endif  // IMCHAT_DAEMON_COMMANDS_H_
