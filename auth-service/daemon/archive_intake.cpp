// Handling the archive stream's records in order.
#include "archive_intake.h"

#include <utility>

#include "names.h"

namespace imchat {

using nlohmann::json;

std::int64_t ParseTimestamp(const std::string& s, std::int64_t fallback) {
  if (s.empty() || s.size() > 18) return fallback;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return fallback;
    v = v * 10 + (c - '0');
  }
  return v;
}

void ArchiveIntake::OnBatch(const std::string& batch) {
  std::vector<ArchiveRecord> records;
  std::string error;
  if (!DecodeArchiveBatch(batch, &records, &error)) {
    env_.log.Log("error: damaged archive batch (" + error + "); " + std::to_string(records.size()) +
                 " records before the damage kept");
  }
  for (const ArchiveRecord& r : records) {
    switch (r.kind) {
      case ArchiveRecord::Kind::kBroadcast:
        HandleBroadcast(r);
        break;
      case ArchiveRecord::Kind::kDirect:
        HandleDirect(r);
        break;
      case ArchiveRecord::Kind::kCommand:
        HandleCommand(r.from, r.body, r.ref);
        break;
      case ArchiveRecord::Kind::kRoom:
        idle_.Touch(r.from);
        rooms_.OnMessage(r);
        break;
    }
  }
}

void ArchiveIntake::OnOldTopic(const InMessage& m, const ParsedTopic& t) {
  if (t.kind == TopicKind::kCmd) {
    HandleCommand(t.first, m.payload, "");
    return;
  }
  ArchiveRecord r;
  r.body = m.payload;
  r.id = m.Prop("id");
  if (r.id.empty()) return;  // not stamped by the plugin: not a message it accepted
  r.kind = t.kind == TopicKind::kAllFrom ? ArchiveRecord::Kind::kBroadcast
                                         : ArchiveRecord::Kind::kDirect;
  r.ts = ParseTimestamp(m.Prop("ts"), env_.clock());
  r.from = t.kind == TopicKind::kAllFrom ? t.first : t.second;
  if (t.kind == TopicKind::kUserToFrom) r.to = t.first;
  r.offline = m.Prop("offline") == "1";
  r.resend = m.Prop("resend") == "1";
  r.ref = m.Prop("ref");
  env_.log.Log("message on " + Printable(m.topic, 120) + " from the session of an older version");
  if (r.kind == ArchiveRecord::Kind::kDirect) {
    HandleDirect(r);
  } else {
    HandleBroadcast(r);
  }
}

void ArchiveIntake::HandleDirect(const ArchiveRecord& m) {
  const bool offline = m.offline || m.resend;
  StoredMessage sm{0, m.id, m.from, m.to, m.ts, m.body, m.ref};
  Store::AddResult r = env_.store.AddMessage(sm, offline);
  idle_.Touch(m.from);
  std::string line = "message " + m.from + " -> " + m.to + " " + std::to_string(m.body.size()) +
                     " bytes id " + Printable(m.id, 40) + (offline ? " (offline)" : "");
  if (log_text_) line += ": " + Printable(m.body, 200);
  if (r == Store::AddResult::kError) line += " [store error: " + env_.store.write_error() + "]";
  env_.log.Log(line);
  // A live message (the recipient had a connected inbox): the broker has
  // already told the sender it was delivered; it is only archived here.
  if (offline) queue_.Stored(m, r);
}

void ArchiveIntake::HandleBroadcast(const ArchiveRecord& m) {
  StoredMessage sm{0, m.id, m.from, "", m.ts, m.body, ""};
  Store::AddResult r = env_.store.AddMessage(sm, false);
  idle_.Touch(m.from);
  std::string line = "broadcast " + m.from + " " + std::to_string(m.body.size()) + " bytes id " +
                     Printable(m.id, 40);
  if (log_text_) line += ": " + Printable(m.body, 200);
  if (r == Store::AddResult::kError) line += " [store error: " + env_.store.write_error() + "]";
  env_.log.Log(line);
}

void ArchiveIntake::HandleCommand(const std::string& user, const std::string& line,
                                  const std::string& correlation) {
  idle_.Touch(user);
  Command cmd = ParseCommand(line);
  json reply;
  if (correlation.size() > kMaxCorrelationBytes) {
    // Not echoed (that is what is refused), so every device of the user sees
    // this; the command is not run.
    reply = ReplyError(cmd.verb, "the command's correlation data is " +
                                     std::to_string(correlation.size()) + " bytes; at most " +
                                     std::to_string(kMaxCorrelationBytes) +
                                     " are allowed; the command was not run");
    env_.log.Log("command " + user + ": " + (cmd.verb.empty() ? "(empty)" : cmd.verb) +
                 " refused: correlation data of " + std::to_string(correlation.size()) + " bytes");
    env_.out.Reply(user, reply);
    return;
  }
  // Over-long lines get ParseCommand's error, as every command does, except `upload`, whose
  // name may be what is too long: Files says so rather than "command too long".
  if (files_ && (line.size() <= kMaxCommandBytes || line.rfind("upload ", 0) == 0) &&
      Files::Handles(line)) {
    files_->Run(user, line, correlation);
    return;
  }
  if (!cmd.error.empty()) {
    std::string error = cmd.error;
    if (error.rfind("unknown command", 0) == 0) error = error.substr(0, error.find(';'));
    reply = {
        {"type", "reply"}, {"cmd", cmd.verb}, {"ok", false}, {"error", error}, {"text", cmd.error}};
  } else {
    reply = commands_.Run(user, cmd);
  }
  env_.log.Log(
      "command " + user + ": " + (cmd.verb.empty() ? std::string("(empty)") : cmd.verb) +
      (reply.value("ok", false) ? " ok" : " refused: " + reply.value("text", std::string())));
  env_.out.Reply(user, reply, correlation);
}

}  // namespace imchat
