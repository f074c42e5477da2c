// Fuzzes the client's chat state with arbitrary broker messages: nothing throws or crashes
// whatever arrives on any topic (broken JSON, wrong field types, huge numbers), and every
// line it produces renders without a single control byte.
// Input: records separated by 0x1e. Each record is <kind byte> <flags byte> <payload>;
// kind picks the topic (chat, inbox, presence, online, service, a room's line, a room's
// info, or a topic read from the payload up to its first newline); flags pick the retain
// flag, the user properties and a line typed first (so replies and statuses find something
// to match; some switch the conversation to a room). "REF" in a payload becomes the ref of
// the last private or room message sent. The prompt always names a valid conversation.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chat_state.h"
#include "names.h"
#include "topics.h"

namespace {

using imchat::client::ChatState;
using imchat::client::Incoming;

void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "client_state: %s: '%s'\n", what, imchat::Printable(input, 300).c_str());
  std::abort();
}

const char* const kTyped[] = {"/msg bob hi",  "/who",         "/since 5m",     "/blocked",
                              "/history bob", "/query #dev",  "/join dev",     "/nick Bo",
                              "room line",    "/rooms",       "/rooms all 2",  "/members",
                              "/leave",       "/topic dev x", "/history #dev", "/create ops"};

void Feed(ChatState& state, std::string_view record, std::string* last_ref) {
  if (record.size() < 2) return;
  const unsigned kind = static_cast<unsigned char>(record[0]);
  const unsigned flags = static_cast<unsigned char>(record[1]);
  std::string payload(record.substr(2));
  const std::int64_t now = 1795348801000;

  if (flags & 0x10) {
    const unsigned pick = ((flags >> 5) & 7) | (kind & 0x40 ? 8 : 0);
    auto action = state.OnInput(imchat::client::ParseInput(kTyped[pick]), now);
    for (const auto& out : action.publish) {
      if (!out.ref.empty()) *last_ref = out.ref;
    }
  }
  for (std::size_t at = payload.find("REF"); at != std::string::npos;
       at = payload.find("REF", at + last_ref->size())) {
    payload.replace(at, 3, *last_ref);
  }

  Incoming m;
  switch (kind % 8) {
    case 0:
      m.topic = imchat::AllTopic("bob");
      break;
    case 1:
      m.topic = imchat::UserTopic("alice", "bob");
      break;
    case 2:
      m.topic = imchat::PresenceTopic(kind & 0x80 ? "alice" : "bob");
      break;
    case 3:
      m.topic = imchat::kOnlineTopic;
      break;
    case 4:
      m.topic = imchat::SvcTopic("alice");
      break;
    case 5:
      m.topic = imchat::RoomFromTopic(kind & 0x80 ? "dev" : "ops", kind & 0x20 ? "alice" : "bob");
      break;
    case 6:
      m.topic = imchat::RoomInfoTopic(kind & 0x80 ? "dev" : "ops");
      break;
    default: {
      std::size_t nl = payload.find('\n');
      m.topic = payload.substr(0, nl);
      payload = nl == std::string::npos ? "" : payload.substr(nl + 1);
    }
  }
  m.payload = payload;
  m.retained = flags & 0x01;
  if (flags & 0x02) m.props.push_back({"id", std::to_string(kind)});
  if (flags & 0x04) m.props.push_back({"ts", payload.substr(0, 24)});
  if (flags & 0x08) m.props.push_back({"queued", "1"});

  imchat::client::RenderOptions options;
  options.utc = true;
  options.now_ms = now;
  for (const imchat::client::Line& line : state.OnMessage(m, now)) {
    const std::string shown = imchat::client::Render(line, options);
    for (unsigned char c : shown) Check(c >= 0x20 && c != 0x7f, "control byte shown", record);
  }
  Check(state.AwaitingReplies() <= 20000, "unbounded pending replies", record);
  const std::string& target = state.query();
  Check(target.empty() || (target.front() == '#' ? imchat::IsValidRoomName(target.substr(1))
                                                 : imchat::IsValidUserName(target)),
        "bad conversation", record);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ChatState state("alice");
  state.set_utc(true);
  std::string last_ref = "none";
  std::size_t start = 0;
  while (start <= bytes.size()) {
    std::size_t end = bytes.find('\x1e', start);
    if (end == std::string_view::npos) end = bytes.size();
    Feed(state, bytes.substr(start, end - start), &last_ref);
    start = end + 1;
  }
  return 0;
}
