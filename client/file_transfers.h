// /send, /get and /files (topics.md "Files"): the client side of uploads and
// downloads, without MQTT or a terminal. The chat loop hands it the lines
// that start with those commands and every message first; it answers with
// publishes and display lines. Progress is a line at most once a second
// (bytes, rate, time left), printed above the prompt like any other line.
//
// Upload: the file is hashed first, then `upload` is sent; chunks follow
// from the service's offset with at most the service's window in flight;
// after `done` the file message goes to the conversation (text and user
// properties). Download: `fetch`, chunks written to "<name>.part" in the
// chosen directory as they arrive (each confirmed with fetch-ack), the
// SHA-256 checked, then linked to its final name, which never replaces an
// existing file ("name (1).ext" instead) and is only ever a plain name made
// by SafeFileName. After a reconnect, Resume() continues both from where
// the service and the disk are.
#ifndef IMCHAT_CLIENT_FILE_TRANSFERS_H_
#define IMCHAT_CLIENT_FILE_TRANSFERS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat_state.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace imchat::client {

// True for publishes only a live transfer needs (chunks, fetch-ack): after a
// lost connection they are dropped, not held, since Resume() starts again
// from what the service holds.
bool IsTransferTraffic(const Outgoing& out);

class FileTransfers {
 public:
  explicit FileTransfers(std::string me);
  ~FileTransfers();
  FileTransfers(const FileTransfers&) = delete;
  FileTransfers& operator=(const FileTransfers&) = delete;

  // True when `line` is /send, /get or /files (then Input() handles it).
  static bool Handles(const std::string& line);
  Action Input(const std::string& line, std::int64_t now_ms);
  // A message for the transfers (their replies and chunks): true when taken.
  // File messages in chats are not taken, only remembered for /get <short id>.
  bool OnMessage(const Incoming& m, std::int64_t now_ms, Action* out);
  // After a reconnect: what continues the transfers in progress.
  std::vector<Outgoing> Resume();
  // Transfers still running (stdin mode waits for them before it exits).
  bool busy() const { return !uploads_.empty() || !downloads_.empty() || pending_list_; }

 private:
  struct Upload;
  struct Download;
  Action Send(const std::string& to, const std::string& path, std::int64_t now_ms);
  Action Get(const std::string& id, const std::string& dir, std::int64_t now_ms);
  void OnUploadReply(const nlohmann::json& j, std::int64_t now_ms, Action* out);
  void OnUploadEvent(const nlohmann::json& j, std::int64_t now_ms, Action* out);
  void OnFetchReply(const nlohmann::json& j, std::int64_t now_ms, Action* out);
  void OnChunk(const std::string& id, std::int64_t offset, const std::string& data,
               std::int64_t now_ms, Action* out);
  void FillWindow(Upload& u, Action* out);
  void FinishDownload(Download& d, std::int64_t now_ms, Action* out);
  std::string Resolve(const std::string& id) const;  // a short id of a seen file -> full id

  std::string me_;
  // Uploads by the key "<to> <size> <sha256> <name>" until the service names them.
  std::vector<std::unique_ptr<Upload>> uploads_;
  std::map<std::string, std::unique_ptr<Download>> downloads_;  // by file id
  std::vector<std::unique_ptr<Download>> asked_;                // fetch sent, no reply yet
  std::vector<std::string> seen_;                               // file ids seen in chats
  bool pending_list_ = false;
};

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_FILE_TRANSFERS_H_
