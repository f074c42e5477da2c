// The archive stream (topic im/archive, kArchiveTopic): how the broker plugin hands the
// service every chat message and command, in the order the broker accepted
// them, many to one MQTT message.
//
// Why: with the service subscribed to the chat topics, each message cost the
// broker a delivery and a PUBACK read for the service, and the service a
// PUBLISH to parse and acknowledge; on a 2-core machine that halved the
// private-message rate. A batch costs one delivery for a few hundred messages.
//
// Encoding (binary-safe, so bodies pass byte-exact, invalid UTF-8 included):
//   batch   := "IMA1\n" record*
//   record  := header '\n' ref body '\n'
//   header  := kind flags ' ' id ' ' ts ' ' from ' ' to ' ' ref-length ' ' body-length
// kind is 'b' (broadcast), 'd' (direct), 'r' (room: `to` is the room) or 'c'
// (command); flags is '-' or a
// set of 'o' (offline: the recipient held no inbox) and 'r' (resent after a
// service hello); id and to are '-' when empty; names follow IsValidUserName;
// a command's ref field carries its MQTT 5 Correlation Data (any bytes);
// ts and the lengths are decimal. ("-" is also a valid user name; the kind
// says which fields hold a name.)
#ifndef IMCHAT_CORE_ARCHIVE_STREAM_H_
#define IMCHAT_CORE_ARCHIVE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imchat {

struct ArchiveRecord {
  enum class Kind : char { kBroadcast = 'b', kDirect = 'd', kRoom = 'r', kCommand = 'c' };
  Kind kind = Kind::kBroadcast;
  bool offline = false;  // direct: nobody held the recipient's inbox (queue it)
  bool resend = false;   // direct: an offline message sent again (may be stored already)
  std::string id;        // broker-assigned message id; empty for commands
  std::int64_t ts = 0;   // ms since the Unix epoch, when the broker accepted it
  std::string from;      // sender, or the user who sent the command
  std::string to;        // direct: recipient; room: the room; empty otherwise
  std::string ref;       // the sender's `ref` user property, if any; for a command,
                         // its MQTT 5 Correlation Data (binary; "" = none)
  std::string body;      // payload bytes, or the command line

  bool operator==(const ArchiveRecord& o) const;
};

// The same fields, borrowed: what the plugin has at hand for each message,
// encoded without copying them first.
struct ArchiveRecordView {
  ArchiveRecord::Kind kind = ArchiveRecord::Kind::kBroadcast;
  bool offline = false;
  bool resend = false;
  std::string_view id;
  std::int64_t ts = 0;
  std::string_view from, to, ref, body;
};

// Appends the batch header when `out` is empty, then the record. The caller
// guarantees valid names and an id without spaces (the plugin builds both).
void AppendArchiveRecord(std::string* out, const ArchiveRecordView& r);
void AppendArchiveRecord(std::string* out, const ArchiveRecord& r);

inline ArchiveRecordView View(const ArchiveRecord& r) {
  return {r.kind, r.offline, r.resend, r.id, r.ts, r.from, r.to, r.ref, r.body};
}

// Decodes a whole batch into *records (appended). Returns false and sets
// *error at the first malformed record; the records before it are kept.
bool DecodeArchiveBatch(std::string_view batch, std::vector<ArchiveRecord>* records,
                        std::string* error);

}  // namespace imchat

#endif  // IMCHAT_CORE_ARCHIVE_STREAM_H_
