// Uploads and downloads for /send and /get (file_transfers.h). Files are read
// and written a chunk at a time; nothing holds a whole file in memory.
#include "file_transfers.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "file_names.h"
#include "file_topics.h"
#include "hex.h"
#include "names.h"
#include "topics.h"

namespace imchat::client {

using nlohmann::json;

struct FileTransfers::Upload {
  std::string to, path, name, mime, sha256;
  std::int64_t size = 0;
  int fd = -1;
  std::string id;     // the service's upload id, once it answered
  bool asked = true;  // `upload` sent, no reply yet
  std::int64_t chunk = 0, window = 0, acked = 0, sent = 0, resent_from = -1;
  std::int64_t started_ms = 0, start_offset = 0, shown_ms = 0;
};

struct FileTransfers::Download {
  std::string id, dir, name, sha256, part;
  std::int64_t size = 0, have = 0;
  int fd = -1;
  EVP_MD_CTX* sha = nullptr;
  std::int64_t started_ms = 0, start_offset = 0, shown_ms = 0;
  ~Download() {
    if (fd >= 0) close(fd);
    EVP_MD_CTX_free(sha);
  }
};

namespace {

Line Info(const std::string& text, std::int64_t now_ms) {
  Line l;
  l.kind = Line::Kind::kInfo;
  l.ts_ms = now_ms;
  l.text = text;
  return l;
}

Line Err(const std::string& text, std::int64_t now_ms) {
  Line l = Info(text, now_ms);
  l.kind = Line::Kind::kError;
  return l;
}

std::string Finish(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  return LowerHex(digest, len);
}

// The SHA-256 of what `fd` holds from the start (read a chunk at a time).
bool HashFile(int fd, EVP_MD_CTX* ctx, std::int64_t* bytes) {
  std::vector<char> buf(kFileChunkBytes);
  *bytes = 0;
  ssize_t n;
  while ((n = pread(fd, buf.data(), buf.size(), *bytes)) > 0) {
    EVP_DigestUpdate(ctx, buf.data(), static_cast<std::size_t>(n));
    *bytes += n;
  }
  return n == 0;
}

std::string MediaType(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},       {"png", "image/png"},
      {"gif", "image/gif"},       {"webp", "image/webp"},       {"svg", "image/svg+xml"},
      {"pdf", "application/pdf"}, {"zip", "application/zip"},   {"txt", "text/plain"},
      {"md", "text/markdown"},    {"json", "application/json"}, {"mp4", "video/mp4"},
      {"mp3", "audio/mpeg"},      {"html", "text/html"},        {"csv", "text/csv"}};
  const std::size_t dot = name.rfind('.');
  if (dot == std::string::npos) return "application/octet-stream";
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// "12.3 MB of 100.0 MB (12%), 25.1 MB/s, 4 s left"
std::string Progress(std::int64_t done, std::int64_t total, std::int64_t moved,
                     std::int64_t elapsed_ms) {
  std::string text = HumanSize(done) + " of " + HumanSize(total);
  if (total > 0) text += " (" + std::to_string(done * 100 / total) + "%)";
  if (elapsed_ms > 0 && moved > 0) {
    const double rate = static_cast<double>(moved) * 1000.0 / static_cast<double>(elapsed_ms);
    text += ", " + HumanSize(static_cast<std::int64_t>(rate)) + "/s";
    const auto left = static_cast<std::int64_t>(static_cast<double>(total - done) / rate);
    text += ", " + std::to_string(left) + " s left";
  }
  return text;
}

Outgoing Command(const std::string& me, const std::string& line) {
  return {CmdTopic(me), line, "", {}};
}

}  // namespace

bool IsTransferTraffic(const Outgoing& out) {
  return out.topic.rfind("im/up/", 0) == 0 || out.payload.rfind("fetch-ack ", 0) == 0;
}

FileTransfers::FileTransfers(std::string me) : me_(std::move(me)) {}

FileTransfers::~FileTransfers() {
  for (auto& u : uploads_) {
    if (u->fd >= 0) close(u->fd);
  }
}

bool FileTransfers::Handles(const std::string& line) {
  for (const char* verb : {"/send", "/get", "/files"}) {
    const std::size_t n = std::strlen(verb);
    if (line.compare(0, n, verb) == 0 && (line.size() == n || line[n] == ' ')) return true;
  }
  return false;
}

Action FileTransfers::Input(const std::string& line, std::int64_t now_ms) {
  std::vector<std::string> words;
  std::size_t i = 0;
  // /send keeps the path as typed after the target (it may hold spaces).
  std::string rest;
  while (i < line.size() && words.size() < 2) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t j = line.find(' ', i);
    if (j == std::string::npos) j = line.size();
    if (j > i) words.push_back(line.substr(i, j - i));
    i = j;
  }
  while (i < line.size() && line[i] == ' ') ++i;
  rest = line.substr(i);
  Action a;
  if (words[0] == "/files") {
    if (words.size() > 1) {
      a.lines.push_back(Err("usage: /files", now_ms));
      return a;
    }
    pending_list_ = true;
    a.publish.push_back(Command(me_, "files"));
    return a;
  }
  if (words[0] == "/send") {
    if (words.size() < 2 || rest.empty()) {
      a.lines.push_back(Err("usage: /send <user>|#<room>|all <path>", now_ms));
      return a;
    }
    return Send(words[1], rest, now_ms);
  }
  if (words.size() < 2 || rest.find(' ') != std::string::npos) {
    a.lines.push_back(Err("usage: /get <file id> [directory]", now_ms));
    return a;
  }
  return Get(words[1], rest.empty() ? "." : rest, now_ms);
}

Action FileTransfers::Send(const std::string& to, const std::string& path, std::int64_t now_ms) {
  Action a;
  const bool room = to[0] == '#';
  if (to != "all" && !IsValidUserName(room ? to.substr(1) : to)) {
    a.lines.push_back(Err("'" + to + "' is not a user, #room or all", now_ms));
    return a;
  }
  auto u = std::make_unique<Upload>();
  u->to = to;
  u->path = path;
  u->fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (u->fd < 0 || fstat(u->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    a.lines.push_back(Err(
        "cannot send " + path + ": " + (u->fd < 0 ? std::strerror(errno) : "not a regular file"),
        now_ms));
    return a;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  const bool read_ok = HashFile(u->fd, ctx, &u->size);
  u->sha256 = Finish(ctx);
  EVP_MD_CTX_free(ctx);
  if (!read_ok) {
    a.lines.push_back(Err("cannot read " + path + ": " + std::strerror(errno), now_ms));
    return a;
  }
  // The name shown to others: the file's own name, cleaned and at most 255 bytes (the
  // service refuses longer ones), shortened keeping its extension.
  const std::string full = SafeFileName(path, "file", std::string::npos);
  u->name = ShortenFileName(full, kMaxFileNameBytes);
  if (u->name != full) {
    a.lines.push_back(Info("the name " + std::to_string(full.size()) +
                               " bytes long was shortened to " + u->name + " (at most " +
                               std::to_string(kMaxFileNameBytes) + " bytes)",
                           now_ms));
  }
  u->mime = MediaType(u->name);
  u->started_ms = now_ms;
  a.publish.push_back(Command(me_, "upload " + to + " " + std::to_string(u->size) + " " +
                                       u->sha256 + " " + u->mime + " " + u->name));
  a.lines.push_back(
      Info("sending " + u->name + " (" + HumanSize(u->size) + ") to " + to + "...", now_ms));
  uploads_.push_back(std::move(u));
  return a;
}

std::string FileTransfers::Resolve(const std::string& id) const {
  if (IsFileId(id)) return id;
  std::string found;
  for (const std::string& s : seen_) {
    if (id.size() >= 4 && s.compare(0, id.size(), id) == 0) {
      if (!found.empty() && found != s) return "";  // ambiguous
      found = s;
    }
  }
  return found;
}

Action FileTransfers::Get(const std::string& typed, const std::string& dir, std::int64_t now_ms) {
  Action a;
  const std::string id = Resolve(typed);
  if (id.empty()) {
    a.lines.push_back(Err(
        "'" + typed + "' is not a file id (32 hex digits, or the start of one seen here)", now_ms));
    return a;
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    a.lines.push_back(Err("cannot save into " + dir + ": not a directory", now_ms));
    return a;
  }
  auto d = std::make_unique<Download>();
  d->id = id;
  d->dir = dir;
  d->started_ms = now_ms;
  // The partial file is named by the id only: a name from the network never makes a path.
  d->part = dir + "/.imchat-" + id + ".part";
  d->fd = open(d->part.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (d->fd < 0 || fstat(d->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    a.lines.push_back(Err("cannot write " + d->part + ": " + std::strerror(errno), now_ms));
    return a;
  }
  d->sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(d->sha, EVP_sha256(), nullptr);
  // What an earlier /get left is kept: the download continues after it.
  (void)HashFile(d->fd, d->sha, &d->have);
  d->start_offset = d->have;
  a.publish.push_back(Command(me_, "fetch " + id + " " + std::to_string(d->have)));
  asked_.push_back(std::move(d));
  return a;
}

bool FileTransfers::OnMessage(const Incoming& m, std::int64_t now_ms, Action* out) {
  auto chunk = ParseFileChunkTopic(m.topic);
  if (chunk && chunk->kind == TopicKind::kFileDown && chunk->owner == me_) {
    OnChunk(chunk->id, chunk->offset, m.payload, now_ms, out);
    return true;
  }
  if (m.topic != SvcTopic(me_)) {
    // A file message in a chat: remember its id for /get <short id>.
    if (auto id = FileIdOfText(m.payload)) {
      if (std::find(seen_.begin(), seen_.end(), *id) == seen_.end()) seen_.push_back(*id);
      if (seen_.size() > 1000) seen_.erase(seen_.begin());
    }
    return false;
  }
  json j = json::parse(m.payload, nullptr, false);
  if (!j.is_object()) return false;
  const std::string type = j.value("type", "");
  const std::string cmd = j.value("cmd", "");
  if (type == "reply" && cmd == "upload") {
    OnUploadReply(j, now_ms, out);
  } else if (type == "upload") {
    OnUploadEvent(j, now_ms, out);
  } else if (type == "reply" && cmd == "fetch") {
    OnFetchReply(j, now_ms, out);
  } else if (type == "fetch") {
    auto it = downloads_.find(j.value("file", ""));
    if (it != downloads_.end() && j.value("status", "") == "error") {
      out->lines.push_back(
          Err("download of " + it->second->name + " failed: " + j.value("text", ""), now_ms));
      downloads_.erase(it);  // the .part stays: /get again continues it
    }
  } else if (type == "reply" && cmd == "fetch-ack") {
    out->lines.push_back(Err(j.value("text", ""), now_ms));
  } else if (type == "reply" && cmd == "files" && pending_list_) {
    pending_list_ = false;
    const json files = j.value("files", json::array());
    if (!j.value("ok", false) || !files.is_array() || files.empty()) {
      out->lines.push_back(j.value("ok", false) ? Info(j.value("text", ""), now_ms)
                                                : Err(j.value("text", ""), now_ms));
      return true;
    }
    // One line per file (a line never holds a newline): short id, name, size, who, where.
    out->lines.push_back(Info("recent files (/get <id> [dir]):", now_ms));
    for (const json& f : files) {
      if (!f.is_object()) continue;
      const std::string id = f.value("file", "");
      if (IsFileId(id) && std::find(seen_.begin(), seen_.end(), id) == seen_.end()) {
        seen_.push_back(id);
      }
      const std::string to = f.value("to", "");
      out->lines.push_back(Info("  " + id.substr(0, 8) + "  " + f.value("name", "") + " (" +
                                    HumanSize(f.value("size", std::int64_t{0})) + ") from " +
                                    f.value("from", "") + " to " + (to == "@" + me_ ? "you" : to),
                                now_ms));
    }
  } else {
    return false;
  }
  return true;
}

void FileTransfers::OnUploadReply(const json& j, std::int64_t now_ms, Action* out) {
  auto it = std::find_if(uploads_.begin(), uploads_.end(), [](const auto& u) { return u->asked; });
  if (it == uploads_.end()) return;
  Upload& u = **it;
  u.asked = false;
  if (!j.value("ok", false)) {
    out->lines.push_back(Err("not sent: " + j.value("text", ""), now_ms));
    uploads_.erase(it);
    return;
  }
  u.id = j.value("upload", "");
  u.chunk = std::clamp<std::int64_t>(j.value("chunk", 0), 1, kFileChunkBytes);
  u.window = std::clamp<std::int64_t>(j.value("window", 1), 1, 256);
  u.acked = u.sent = j.value("offset", 0);
  u.resent_from = -1;
  u.start_offset = u.acked;
  if (u.acked > 0) {
    out->lines.push_back(Info("resuming " + u.name + " at " + HumanSize(u.acked), now_ms));
  }
  FillWindow(u, out);
}

void FileTransfers::FillWindow(Upload& u, Action* out) {
  std::string buf;
  while (u.sent < u.size && u.sent < u.acked + u.window * u.chunk) {
    buf.resize(static_cast<std::size_t>(std::min(u.chunk, u.size - u.sent)));
    const ssize_t n = pread(u.fd, buf.data(), buf.size(), u.sent);
    if (n <= 0) break;  // the file shrank: the service will refuse the hash
    buf.resize(static_cast<std::size_t>(n));
    out->publish.push_back({UploadChunkTopic(me_, u.id, u.sent), buf, "", {}});
    u.sent += n;
  }
}

void FileTransfers::OnUploadEvent(const json& j, std::int64_t now_ms, Action* out) {
  const std::string id = j.value("upload", "");
  auto it = std::find_if(uploads_.begin(), uploads_.end(),
                         [&](const auto& u) { return !u->id.empty() && u->id == id; });
  if (it == uploads_.end()) return;
  Upload& u = **it;
  const std::string status = j.value("status", "");
  if (status == "progress") {
    u.acked = std::max(u.acked, j.value("offset", std::int64_t{0}));
    if (now_ms - u.shown_ms >= 1000) {
      u.shown_ms = now_ms;
      out->lines.push_back(
          Info("[send " + u.name + "] " +
                   Progress(u.acked, u.size, u.acked - u.start_offset, now_ms - u.started_ms),
               now_ms));
    }
    FillWindow(u, out);
    return;
  }
  if (status == "error" && j.contains("offset")) {
    // A chunk refused: continue from the service's offset (once per offset).
    const std::int64_t at = j.value("offset", std::int64_t{0});
    if (at != u.resent_from) {
      u.resent_from = at;
      u.acked = u.sent = at;
      FillWindow(u, out);
    }
    return;
  }
  if (status == "error") {
    out->lines.push_back(Err("not sent: " + j.value("text", ""), now_ms));
  } else if (status == "done") {
    // The file message: readable text, the details as user properties.
    Outgoing msg;
    msg.topic = u.to == "all"    ? std::string(kAllTopic)
                : u.to[0] == '#' ? RoomTopic(u.to.substr(1))
                                 : UserToTopic(u.to);
    msg.payload = j.value("text", "");
    msg.props = {{"file", j.value("file", "")},
                 {"name", j.value("name", "")},
                 {"mime", j.value("mime", "")},
                 {"size", std::to_string(j.value("size", std::int64_t{0}))},
                 {"sha256", j.value("sha256", "")}};
    out->publish.push_back(msg);
    const std::string file = j.value("file", "");
    seen_.push_back(file);
    out->lines.push_back(Info("sent " + u.name + " (" + HumanSize(u.size) + ") to " + u.to +
                                  " in " + std::to_string((now_ms - u.started_ms) / 1000) +
                                  " s; file " + file.substr(0, 8),
                              now_ms));
  }
  uploads_.erase(it);
}

void FileTransfers::OnFetchReply(const json& j, std::int64_t now_ms, Action* out) {
  if (asked_.empty()) return;
  std::unique_ptr<Download> d = std::move(asked_.front());
  asked_.erase(asked_.begin());
  if (!j.value("ok", false)) {
    out->lines.push_back(Err(j.value("text", ""), now_ms));
    if (d->have == 0) unlink(d->part.c_str());
    return;
  }
  d->name = j.value("name", "");
  d->size = j.value("size", std::int64_t{0});
  d->sha256 = j.value("sha256", "");
  out->lines.push_back(Info(
      "receiving " + d->name + " (" + HumanSize(d->size) + ") from " + j.value("from", "") + "...",
      now_ms));
  Download& ref = *d;
  downloads_[d->id] = std::move(d);
  if (ref.have >= ref.size) FinishDownload(ref, now_ms, out);
}

void FileTransfers::OnChunk(const std::string& id, std::int64_t offset, const std::string& data,
                            std::int64_t now_ms, Action* out) {
  auto it = downloads_.find(id);
  if (it == downloads_.end()) return;  // another client of mine asked for it
  Download& d = *it->second;
  if (offset != d.have || d.have + static_cast<std::int64_t>(data.size()) > d.size) return;
  if (pwrite(d.fd, data.data(), data.size(), offset) != static_cast<ssize_t>(data.size())) {
    out->lines.push_back(Err("cannot write " + d.part + ": " + std::strerror(errno), now_ms));
    downloads_.erase(it);
    return;
  }
  EVP_DigestUpdate(d.sha, data.data(), data.size());
  d.have += static_cast<std::int64_t>(data.size());
  out->publish.push_back(Command(me_, "fetch-ack " + id + " " + std::to_string(d.have)));
  if (d.have >= d.size) {
    FinishDownload(d, now_ms, out);
    return;
  }
  if (now_ms - d.shown_ms >= 1000) {
    d.shown_ms = now_ms;
    out->lines.push_back(
        Info("[get " + d.name + "] " +
                 Progress(d.have, d.size, d.have - d.start_offset, now_ms - d.started_ms),
             now_ms));
  }
}

void FileTransfers::FinishDownload(Download& d, std::int64_t now_ms, Action* out) {
  const std::string id = d.id;
  const std::string sha = Finish(d.sha);
  EVP_MD_CTX_free(d.sha);
  d.sha = nullptr;
  if (sha != d.sha256) {
    unlink(d.part.c_str());
    out->lines.push_back(Err(d.name + ": the SHA-256 does not match (got " + sha.substr(0, 12) +
                                 "..., expected " + d.sha256.substr(0, 12) +
                                 "...); nothing was saved, /get it again",
                             now_ms));
    downloads_.erase(id);
    return;
  }
  (void)fsync(d.fd);
  // Never replace a file: "name", "name (1).ext", "name (2).ext"... link() fails on any existing
  // entry.
  const std::string base = SafeFileName(d.name, "file-" + id.substr(0, 8));
  const std::size_t dot = base.rfind('.');
  const std::string stem = dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
  const std::string ext = dot == std::string::npos || dot == 0 ? "" : base.substr(dot);
  std::string saved;
  for (int n = 0; n < 1000 && saved.empty(); ++n) {
    const std::string candidate =
        d.dir + "/" + (n == 0 ? base : stem + " (" + std::to_string(n) + ")" + ext);
    if (link(d.part.c_str(), candidate.c_str()) == 0)
      saved = candidate;
    else if (errno != EEXIST)
      break;
  }
  if (saved.empty()) {
    out->lines.push_back(Err("cannot save " + d.name + " in " + d.dir + ": " +
                                 std::strerror(errno) + "; the bytes are in " + d.part,
                             now_ms));
  } else {
    unlink(d.part.c_str());
    out->lines.push_back(
        Info("saved " + d.name + " (" + HumanSize(d.size) + ") as " + saved + ", SHA-256 verified",
             now_ms));
  }
  downloads_.erase(id);
}

std::vector<Outgoing> FileTransfers::Resume() {
  std::vector<Outgoing> out;
  for (auto& d : asked_) {  // asked before the link dropped: ask again
    out.push_back(Command(me_, "fetch " + d->id + " " + std::to_string(d->have)));
  }
  for (auto& u : uploads_) {
    u->asked = true;
    u->resent_from = -1;
    out.push_back(Command(me_, "upload " + u->to + " " + std::to_string(u->size) + " " + u->sha256 +
                                   " " + u->mime + " " + u->name));
  }
  for (auto& [id, d] : downloads_) {
    // Back to the asked list: the fetch reply re-opens the download at `have`.
    out.push_back(Command(me_, "fetch " + id + " " + std::to_string(d->have)));
    d->start_offset = d->have;
    asked_.push_back(std::move(d));
  }
  downloads_.clear();
  return out;
}

}  // namespace imchat::client
