// What the user types: one line of input becomes a chat message or a client
// command. The table of commands is data (name, aliases, usage, help), shared by
// the parser, /help and tab completion. Pure functions; no I/O.
#ifndef IMCHAT_CLIENT_INPUT_H_
#define IMCHAT_CLIENT_INPUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imchat::client {

enum class Verb {
  kMsg,      // /msg <user> <text>   (aliases /to, /message, /whisper)
  kAll,      // /all <text>          (aliases /toall, /broadcast): to everyone, also in a /query
  kQuery,    // /query [<user>]      (no user: back to the room)
  kWho,      // /who                 (aliases /list, /whoelse)
  kSince,    // /since <duration>    (alias /whoelsesince)
  kUsers,    // /users [page]        every user, a page at a time
  kBlock,    // /block <user>
  kUnblock,  // /unblock <user>
  kBlocked,  // /blocked
  kHistory,  // /history <user>|all|#<room> [n]
  kNick,     // /nick [<display name>]  (none: clear)
  kHelp,     // /help [command]
  kQuit,     // /quit                (aliases /exit, /logout)
  // Rooms (topics.md "Rooms"); a room is typed `dev` or `#dev`.
  kCreate,   // /create <room> [invite-only]
  kJoin,     // /join <room>
  kLeave,    // /leave [<room>]      (alias /part; no room: the current room conversation)
  kRooms,    // /rooms [all [page]]
  kMembers,  // /members [<room>]    (no room: the current room conversation)
  kInvite,   // /invite <room> <user>
  kKick,     // /kick <room> <user>
  kTopic,    // /topic <room> [<text>]
  // Files (topics.md "Files"): parsed and run by FileTransfers (file_transfers.h); here for
  // /help and completion. ParseInput keeps their arguments in `text`.
  kSend,   // /send <user>|#<room>|all <path>
  kGet,    // /get <file id> [directory]
  kFiles,  // /files
};

struct CommandInfo {
  std::string_view name;                  // without the slash, e.g. "msg"
  std::vector<std::string_view> aliases;  // other names typed from habit, e.g. "to"
  std::string_view usage;                 // e.g. "/msg <user> <text>"
  std::string_view help;                  // one sentence
  Verb verb;
};

// Every client command, in the order /help lists them.
const std::vector<CommandInfo>& ClientCommands();

// The /help line of a command: its name with the aliases beside it, the rest
// of the usage, the help, e.g. "/who (/list, /whoelse)  list who is online".
std::string HelpLine(const CommandInfo& info);
// The command named or aliased `name` (without the slash, any case); null if none.
const CommandInfo* FindClientCommand(std::string_view name);

// One parsed line of input.
struct Input {
  enum class Kind {
    kEmpty,    // blank line: nothing to do
    kText,     // plain text: a chat message for the current target
    kCommand,  // a valid command (verb + fields below)
    kError,    // a refused line; `error` says why and points to /help
  };
  Kind kind = Kind::kEmpty;
  Verb verb = Verb::kHelp;
  std::string user;          // msg/query/block/unblock/invite/kick target; history: a user or "all"
  std::string room;          // room commands, /query #room, /history #room: the name without '#'
  std::string text;          // kText, msg, all: the message; nick: the display name; help: topic;
                             // topic: the new topic; send, get, files: the arguments as typed
  std::int64_t seconds = 0;  // since
  int count = 20;            // history n (1-500)
  std::string before;        // history ... before <id>: the cursor ("" = the newest)
  std::int64_t page = 1;     // users, rooms all
  bool all = false;          // rooms all
  bool invite_only = false;  // create
  std::string error;         // kError: e.g. "unknown command '/frob'; type /help for the list"
};

// Parses one line. A line starting with "/" is a command, except "//text",
// which sends "/text" as a message. User and room names are checked against
// the name rules (names.h); whether they exist is the server's business.
// Never throws; the error text escapes what the user typed.
Input ParseInput(std::string_view line);

// "90" (seconds), "90s", "5m", "2h", "1d", and sums such as "1h30m" -> seconds.
// nullopt for anything else, for 0 and for more than 365 days.
std::optional<std::int64_t> ParseDuration(std::string_view text);

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_INPUT_H_
