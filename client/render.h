// Turning events into terminal lines: what each kind of line looks like, with
// or without colours, and escaping of untrusted text so that nothing a sender
// writes can move the cursor, change colours or forge a line. Pure functions.
#ifndef IMCHAT_CLIENT_RENDER_H_
#define IMCHAT_CLIENT_RENDER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace imchat::client {

// One displayable event. Which fields matter depends on `kind`.
struct Line {
  enum class Kind {
    kBroadcast,   // <from> text                    (im/all/<from>)
    kPrivateIn,   // *from* text                    (im/user/<me>/<from>)
    kPrivateOut,  // -> *to* text                   (what I just sent privately)
    kStatus,      // -- delivered to bob: <snippet> / queued for bob (offline) / not delivered
    kJoin,        // -- bob joined
    kLeave,       // -- bob left (<reason>)
    kInfo,        // -- text (welcome, replies, connection notices, history headers)
    kError,       // -- error: text
  };
  Kind kind = Kind::kInfo;
  std::int64_t ts_ms = 0;  // event time (ms since epoch); for replayed messages the send time
  bool away = false;       // a message replayed from the offline queue: tagged "[away]"
  bool elsewhere = false;  // kPrivateOut sent by me from another client (a carbon): tagged
                           // "[other device]"
  std::string from;        // sender name
  std::string display;     // sender's display name, if any
  std::string to;          // recipient (kPrivateOut, kStatus); a room message: "#room"
  std::string context;     // "" or the conversation a chat line belongs to when it is not the
                           // current one ("#dev"; "all" for a broadcast while a room is current)
  std::string text;        // message text or notice text (untrusted: escaped when rendered)
};

// A line of `kind` at `ts_ms` with `text`; the other fields are left empty.
Line MakeLine(Line::Kind kind, std::int64_t ts_ms, std::string text);

struct RenderOptions {
  bool color = false;       // ANSI colours (only when writing to a terminal, no NO_COLOR)
  std::int64_t now_ms = 0;  // for "today": other days show the date too (0: time only)
  bool utc = false;         // tests: format times in UTC instead of local time
};

// The line without a trailing newline. Formats (without colour):
//   12:00:01 <alice> hello            12:00:01 <alice (Alice L.)> hello
//   12:00:01 *alice* hi               12:00:01 -> *bob* hi
//   12:00:01 [other device] -> *bob* hi  (elsewhere: I sent it from another client)
//   11:58:03 [away] *alice* hi        (away; another day: "2026-11-21 11:58:03 [away] ...")
//   12:00:01 [#dev] <bob> hi          (context: a room message outside the current conversation)
//   12:00:01 -- bob joined            12:00:01 -- bob left (connection lost)
//   12:00:01 -- <text>                12:00:01 -- error: <text>
//   12:00:01 -- delivered to bob: hi  (kStatus: `text` holds the whole status sentence)
std::string Render(const Line& line, const RenderOptions& options);

// Makes untrusted bytes safe for one terminal line: C0 controls, DEL, C1
// controls (U+0080-U+009F), bidi overrides and invalid UTF-8 become visible
// escapes (\x1b, \n, \t, \u0085, \u202e, \xff); valid printable UTF-8 is kept.
std::string EscapeForTerminal(std::string_view bytes);

// HH:MM:SS, or YYYY-MM-DD HH:MM:SS when ts is not on the same day as now.
std::string FormatTime(std::int64_t ts_ms, const RenderOptions& options);

// A message cut to at most `max` characters (UTF-8 aware), "..." appended when cut.
std::string Snippet(std::string_view text, std::size_t max = 40);

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_RENDER_H_
