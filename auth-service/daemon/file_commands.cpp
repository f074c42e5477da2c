// The file commands (topics.md "Files"): upload, fetch, fetch-ack, files.
// Every limit is checked before the first byte is sent, and a file someone
// may not fetch gets the same answer as an unknown id.
#include <sys/statvfs.h>

#include "commands.h"
#include "file_names.h"
#include "file_topics.h"
#include "files.h"
#include "names.h"

namespace imchat {

using nlohmann::json;

namespace {

// Words of `line` and where each starts (single or repeated spaces separate).
std::vector<std::pair<std::string_view, std::size_t>> Words(std::string_view line, int max) {
  std::vector<std::pair<std::string_view, std::size_t>> out;
  std::size_t i = 0;
  while (i < line.size() && static_cast<int>(out.size()) < max) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) out.push_back({line.substr(i, j - i), i});
    i = j;
  }
  return out;
}

bool ParseSize(std::string_view s, std::int64_t* out) {
  if (s.empty() || s.size() > 15 || (s.size() > 1 && s[0] == '0')) return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// A media type: type/subtype of RFC 6838 characters.
bool IsMediaType(std::string_view s) {
  if (s.empty() || s.size() > kMaxFileTypeChars) return false;
  const std::size_t slash = s.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == s.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == slash) continue;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

json Error(const std::string& cmd, const std::string& text) { return ReplyError(cmd, text); }

const char* const kUploadUsage = "usage: upload <user>|#<room>|all <size> <sha256> <type> <name>";

}  // namespace

bool Files::Handles(std::string_view line) {
  auto w = Words(line, 1);
  if (w.empty()) return false;
  const std::string_view v = w[0].first;
  return v == "upload" || v == "fetch" || v == "fetch-ack" || v == "files";
}

void Files::Run(const std::string& me, const std::string& raw, const std::string& correlation) {
  // Trailing CR/LF from line-oriented tools is not part of the command (nor of a name).
  std::string line = raw;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  auto w = Words(line, 3);
  const std::string verb(w[0].first);
  json reply;
  if (!store_) {
    reply = Error(verb, "files are not available on this server (" + open_error_ + ")");
  } else if (verb == "upload") {
    reply = line.size() > kMaxCommandBytes ? TooLong(line) : Begin(me, line, correlation);
  } else if (verb == "files") {
    reply = w.size() == 1 ? List(me) : Error(verb, "usage: files");
  } else if (w.size() < 2 || w.size() > 3 || Words(line, 4).size() > 3) {
    reply = Error(verb, verb == "fetch" ? "usage: fetch <file id> [offset]"
                                        : "usage: fetch-ack <file id> <offset>");
  } else {
    const std::string id(w[1].first);
    const std::string offset(w.size() > 2 ? std::string(w[2].first) : "");
    reply = verb == "fetch" ? Fetch(me, id, offset.empty() ? "0" : offset, correlation)
                            : Ack(me, id, offset);
  }
  if (reply.is_null()) return;  // fetch-ack: nothing to say when all is well
  const bool ok = reply.value("ok", false);
  if (!ok || verb != "fetch-ack") {
    env_.log.Log("command " + me + ": " + verb +
                 (ok ? " ok" : " refused: " + reply.value("text", std::string())));
  }
  env_.out.Reply(me, reply, correlation);
  // A fetch's first chunks follow its reply.
  if (verb == "fetch" && ok) {
    auto it = downloads_.find({me, reply.value("file", std::string())});
    if (it != downloads_.end()) Pump(it->first, it->second);
  }
}

json Files::TooLong(const std::string& line) {
  // Only the name can make a well-formed upload this long: say it is the name.
  auto w = Words(line, 5);
  if (w.size() == 5) {
    std::size_t name_at = w[4].second + w[4].first.size();
    while (name_at < line.size() && line[name_at] == ' ') ++name_at;
    const std::size_t name_bytes = line.size() - name_at;
    if (name_bytes > kMaxFileNameBytes) {
      return Error("upload", "the file name is " + std::to_string(name_bytes) + " bytes; at most " +
                                 std::to_string(kMaxFileNameBytes) + " are allowed");
    }
  }
  return Error("upload", "command too long (" + std::to_string(line.size()) + " bytes; at most " +
                             std::to_string(kMaxCommandBytes) + ")");
}

json Files::Begin(const std::string& me, const std::string& line, const std::string& correlation) {
  auto w = Words(line, 5);
  if (w.size() < 5) return Error("upload", kUploadUsage);
  // The name is the rest of the line after the type, spaces included.
  std::size_t name_at = w[4].second + w[4].first.size();
  while (name_at < line.size() && line[name_at] == ' ') ++name_at;
  FileRow row;
  row.owner = me;
  row.name = line.substr(name_at);
  const std::string to(w[1].first);
  if (row.name.empty()) return Error("upload", kUploadUsage);
  if (!ParseSize(w[2].first, &row.size)) {
    return Error("upload", "'" + Printable(w[2].first, 40) + "' is not a size in bytes");
  }
  row.sha256 = std::string(w[3].first);
  if (!IsSha256Hex(row.sha256)) {
    return Error("upload",
                 "'" + Printable(row.sha256, 80) + "' is not a SHA-256 (64 lower-case hex digits)");
  }
  row.mime = std::string(w[4].first);
  if (!IsMediaType(row.mime)) {
    return Error("upload", "'" + Printable(row.mime, 120) +
                               "' is not a media type such as image/png or "
                               "application/octet-stream");
  }
  if (row.name.size() > kMaxFileNameBytes) {
    return Error("upload", "the file name is " + std::to_string(row.name.size()) +
                               " bytes; at most " + std::to_string(kMaxFileNameBytes) +
                               " are allowed");
  }
  if (!IsValidFileName(row.name) || !IsValidUtf8(row.name)) {
    return Error("upload", "the file name must be UTF-8 text without control characters");
  }
  if (to == "all") {
    row.conv = "all";
  } else if (to[0] == '#') {
    const std::string room = to.substr(1);
    if (!rooms_.IsMember(room, me)) {
      return Error("upload", "you are not a member of #" + Printable(room, 40) +
                                 "; join it before sending it files");
    }
    row.conv = to;
  } else {
    if (!IsValidUserName(to) || !users_.count(to)) {
      return Error("upload", "there is no user '" + Printable(to, 40) + "'");
    }
    if (blocks_.Blocks(to, me)) return Error("upload", to + " does not accept your messages");
    row.conv = "@" + to;
  }
  if (row.size > options_.max_bytes) {
    return Error("upload", row.name + " is " + HumanSize(row.size) +
                               "; the largest file allowed is " + HumanSize(options_.max_bytes));
  }
  const std::int64_t now = env_.clock();
  // An unfinished upload of the same file to the same place: resume it.
  auto same = store_->FindResumable(row);
  if (!same.ok()) return Error("upload", "the server could not read its file list; try again");
  if (!*same) {
    auto unfinished = store_->UploadCount(me);
    if (!unfinished.ok()) {
      return Error("upload", "the server could not read its file list; try again");
    }
    if (*unfinished >= kMaxUploads) {
      return Error("upload", "you have " + std::to_string(*unfinished) +
                                 " unfinished uploads, the most allowed at once; finish one "
                                 "(send the same file to the same place again) or wait: "
                                 "unfinished uploads are dropped a day after they began");
    }
    auto used = store_->UsedBytes(me, now);
    if (!used.ok()) return Error("upload", "the server could not read its file list; try again");
    if (*used + row.size > options_.quota_bytes) {
      return Error("upload", "over your quota: you have " + HumanSize(*used) + " of " +
                                 HumanSize(options_.quota_bytes) + " in files; " + row.name +
                                 " needs " + HumanSize(row.size) + " more (files expire after " +
                                 std::to_string(options_.expiry_ms / 86400000) + " days)");
    }
    struct statvfs fs;
    if (statvfs(store_->dir().c_str(), &fs) == 0) {
      const auto free =
          static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize);
      if (free - row.size < options_.disk_reserve_bytes) {
        return Error("upload", "the server's disk has no room for " + HumanSize(row.size) +
                                   " now; try again later or send a smaller file");
      }
    }
    row.id = NewFileId();
    row.created = now;
    if (row.id.empty()) return Error("upload", "the server could not make an id; try again");
    Status added = store_->AddUpload(row);
    if (!added.ok()) {
      env_.log.Log("error: upload for " + me + ": " + added.message());
      return Error("upload", "the server could not record the upload; try again later");
    }
  } else {
    row = **same;
  }
  std::string error;
  Upload* u = Open(row, &error);
  if (!u) return Error("upload", error);
  u->correlation = correlation;  // its follow-ups go to the device that asked last
  json j = ReplyOk("upload", (u->have ? "resuming " : "send ") + row.name + " (" +
                                 HumanSize(row.size) + ") from byte " + std::to_string(u->have));
  j["upload"] = row.id;
  j["offset"] = u->have;
  j["chunk"] = kFileChunkBytes;
  j["window"] = kFileWindowChunks;
  j["topic"] = UploadChunkTopic(me, row.id, u->have);
  // Nothing to send (an empty file): done at once, after this reply.
  if (u->have == row.size) {
    env_.out.Reply(me, j, correlation);
    Finish(*u);
    return json();
  }
  return j;
}

bool Files::MayFetch(const std::string& me, const FileRow& f) const {
  if (f.owner == me || f.conv == "all") return true;
  if (f.conv == "@" + me) return true;
  if (f.conv[0] == '#') return rooms_.IsMember(f.conv.substr(1), me);
  return false;
}

json Files::Fetch(const std::string& me, const std::string& id, const std::string& offset_text,
                  const std::string& correlation) {
  const std::string unknown = "no such file: " + Printable(id, 40);
  std::int64_t offset = 0;
  if (!ParseSize(offset_text, &offset)) {
    return Error("fetch", "'" + Printable(offset_text, 40) + "' is not a byte offset");
  }
  if (!IsFileId(id)) return Error("fetch", unknown);
  auto found = store_->FindFile(id);
  if (!found.ok()) return Error("fetch", "the server could not read its file list; try again");
  if (!*found || !MayFetch(me, **found)) return Error("fetch", unknown);
  const FileRow& f = **found;
  const std::int64_t now = env_.clock();
  if (f.expires <= now) return Error("fetch", f.name + " (" + id + ") has expired");
  if (offset > f.size) {
    return Error("fetch", "offset " + offset_text + " is past the end of " + f.name + " (" +
                              std::to_string(f.size) + " bytes)");
  }
  int mine = 0;
  for (const auto& [key, other] : downloads_) mine += key.first == me && key.second != id;
  if (mine >= kMaxDownloads) {
    return Error("fetch", "you have " + std::to_string(mine) +
                              " downloads in progress; wait for one to finish");
  }
  Download d;
  d.path = store_->ContentPath(f.sha256);
  d.size = f.size;
  d.sent = d.acked = offset;
  d.touched = now;
  d.sha256 = f.sha256;
  d.correlation = correlation;
  downloads_[{me, id}] = d;
  json j = ReplyOk("fetch", "sending " + f.name + " (" + HumanSize(f.size) + ") from byte " +
                                std::to_string(offset));
  j["file"] = id;
  j["name"] = f.name;
  j["mime"] = f.mime;
  j["size"] = f.size;
  j["sha256"] = f.sha256;
  j["from"] = f.owner;
  j["to"] = f.conv;
  j["offset"] = offset;
  j["chunk"] = kFileChunkBytes;
  j["window"] = kFileWindowChunks;
  j["topic"] = DownloadFilter(me, id);
  return j;
}

json Files::Ack(const std::string& me, const std::string& id, const std::string& offset_text) {
  std::int64_t offset = 0;
  if (offset_text.empty() || !ParseSize(offset_text, &offset)) {
    return Error("fetch-ack", "usage: fetch-ack <file id> <offset>");
  }
  auto it = downloads_.find({me, id});
  if (it == downloads_.end()) {
    return Error("fetch-ack", "no download of " + Printable(id, 40) +
                                  " in progress; send fetch <id> <offset> to start one");
  }
  Download& d = it->second;
  // A confirmation can only move forward and never past what was sent.
  if (offset > d.acked && offset <= d.sent) d.acked = offset;
  d.touched = env_.clock();
  if (d.done && d.acked >= d.size) {
    downloads_.erase(it);
    return json();
  }
  Pump(it->first, d);
  return json();
}

json Files::List(const std::string& me) {
  const std::int64_t now = env_.clock();
  auto rows = store_->Recent(now - options_.expiry_ms, 500);
  if (!rows.ok()) return Error("files", "the server could not read its file list; try again");
  json list = json::array();
  std::string text;
  for (const FileRow& f : *rows) {
    if (!MayFetch(me, f)) continue;
    const std::string where = f.conv == "all" ? "all" : f.conv[0] == '#' ? f.conv : "DM";
    list.push_back({{"file", f.id},
                    {"name", f.name},
                    {"mime", f.mime},
                    {"size", f.size},
                    {"sha256", f.sha256},
                    {"from", f.owner},
                    {"to", f.conv},
                    {"created", f.created},
                    {"expires", f.expires}});
    text += "\n  " + f.id.substr(0, 8) + "  " + f.name + " (" + HumanSize(f.size) + ") from " +
            f.owner + " in " +
            (where == "DM" ? "@" + (f.owner == me ? f.conv.substr(1) : f.owner) : where);
    if (list.size() >= 20) break;
  }
  json j = ReplyOk("files", list.empty() ? "no files yet" : "recent files:" + text);
  j["files"] = list;
  return j;
}

}  // namespace imchat
