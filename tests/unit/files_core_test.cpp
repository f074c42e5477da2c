// Files in the core: chunk topics, ids, the ACL rows of kFileUp/kFileDown,
// names shown and written, and the file message text.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "acl.h"
#include "file_names.h"
#include "file_topics.h"
#include "topics.h"

namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";

imchat::Actor User(const std::string& name) { return {name, false}; }

}  // namespace

TEST_CASE("file chunk topics parse and build", "[files]") {
  using imchat::ParseFileChunkTopic;
  auto up = ParseFileChunkTopic("im/up/alice/" + kId + "/65536");
  REQUIRE(up);
  CHECK(up->kind == imchat::TopicKind::kFileUp);
  CHECK(up->owner == "alice");
  CHECK(up->id == kId);
  CHECK(up->offset == 65536);
  CHECK(imchat::UploadChunkTopic("alice", kId, 65536) == "im/up/alice/" + kId + "/65536");
  CHECK(imchat::DownloadChunkTopic("bob", kId, 0) == "im/down/bob/" + kId + "/0");
  CHECK(imchat::DownloadFilter("bob", kId) == "im/down/bob/" + kId + "/+");
  auto down = ParseFileChunkTopic("im/down/bob/" + kId + "/0");
  REQUIRE(down);
  CHECK(down->kind == imchat::TopicKind::kFileDown);
  // Leading zeros, signs, huge offsets, short/upper-case ids, extra levels, bad names.
  for (const std::string& bad : std::vector<std::string>{
           "im/up/alice/" + kId + "/01", "im/up/alice/" + kId + "/-1",
           "im/up/alice/" + kId + "/9007199254740992", "im/up/alice/" + kId.substr(1) + "/0",
           std::string("im/up/alice/0123456789ABCDEF0123456789abcdef/0"),
           "im/up/alice/" + kId + "/0/x", "im/up/alice/" + kId, "im/up/a+b/" + kId + "/0",
           "im/side/alice/" + kId + "/0", "im/up/alice/" + kId + "/"}) {
    INFO(bad);
    CHECK_FALSE(ParseFileChunkTopic(bad));
  }
  CHECK(imchat::ParseTopic("im/up/alice/" + kId + "/0").kind == imchat::TopicKind::kFileUp);
  CHECK(imchat::ParseTopic("im/down/bob/" + kId + "/0").kind == imchat::TopicKind::kFileDown);
  CHECK(imchat::ParseTopic("im/up/a/b/" + kId + "/0").first == "a");
}

TEST_CASE("file ids are 128 random bits", "[files]") {
  const std::string a = imchat::NewFileId(), b = imchat::NewFileId();
  CHECK(imchat::IsFileId(a));
  CHECK(imchat::IsFileId(b));
  CHECK(a != b);
  CHECK_FALSE(imchat::IsFileId(a + "0"));
  CHECK(imchat::IsSha256Hex(std::string(64, 'a')));
  CHECK_FALSE(imchat::IsSha256Hex(std::string(64, 'A')));
}

TEST_CASE("the ACL: only <me> uploads, only the service reads uploads, only <me> reads downloads",
          "[files][acl]") {
  imchat::BlockSet blocks;
  imchat::AclView view{&blocks, nullptr};
  const std::string up = "im/up/alice/" + kId + "/0";
  const std::string down = "im/down/alice/" + kId + "/0";
  CHECK(imchat::CanPublish(User("alice"), up, false, view).allowed);
  CHECK_FALSE(imchat::CanPublish(User("bob"), up, false, view).allowed);
  CHECK_FALSE(imchat::CanPublish(User("alice"), up, true, view).allowed);  // retained
  CHECK_FALSE(imchat::CanPublish(User("alice"), "im/up/alice/+/0", false, view).allowed);
  CHECK_FALSE(imchat::CanRead(User("alice"), up, view).allowed);
  CHECK(imchat::CanRead({"imchat-service", true}, up, view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(User("alice"), "im/up/alice/#", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(User("bob"), "im/up/#", view).allowed);

  CHECK_FALSE(imchat::CanPublish(User("alice"), down, false, view).allowed);
  CHECK(imchat::CanPublish({"imchat-service", true}, down, false, view).allowed);
  CHECK(imchat::CanRead(User("alice"), down, view).allowed);
  CHECK_FALSE(imchat::CanRead(User("bob"), down, view).allowed);
  CHECK(imchat::CanSubscribe(User("alice"), "im/down/alice/" + kId + "/+", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(User("bob"), "im/down/alice/#", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(User("bob"), "$share/g/im/down/+/#", view).allowed);
}

TEST_CASE("sizes read like people write them", "[files]") {
  CHECK(imchat::HumanSize(0) == "0 B");
  CHECK(imchat::HumanSize(999) == "999 B");
  CHECK(imchat::HumanSize(1234) == "1.2 kB");
  CHECK(imchat::HumanSize(1200000) == "1.2 MB");
  CHECK(imchat::HumanSize(104857600) == "104.9 MB");
  CHECK(imchat::HumanSize(999999) == "1.0 MB");
}

TEST_CASE("a file name becomes a safe name inside the chosen directory", "[files]") {
  using imchat::SafeFileName;
  CHECK(SafeFileName("cat.jpg", "f") == "cat.jpg");
  CHECK(SafeFileName("my cat ünï 📎.jpg", "f") == "my cat ünï 📎.jpg");
  CHECK(SafeFileName("../../etc/passwd", "f") == "passwd");
  CHECK(SafeFileName("a/b/c", "f") == "c");
  CHECK(SafeFileName("..\\..\\win.ini", "f") == "win.ini");
  CHECK(SafeFileName("..", "f") == "f");
  CHECK(SafeFileName("dir/", "f") == "f");
  CHECK(SafeFileName(".bashrc", "f") == "_bashrc");
  CHECK(SafeFileName(std::string("a\0b\x1b[2Jc\n", 10), "f") == "ab[2Jc");
  const std::string longname(4096, 'x');
  CHECK(SafeFileName(longname, "f").size() == 200);
  // A cut never splits a UTF-8 sequence.
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "é";
  const std::string cut = SafeFileName(accents, "f");
  CHECK(cut.size() == 200);
  CHECK(cut == imchat::TruncateUtf8(accents, 201));
  // The extension survives the cut.
  CHECK(SafeFileName(longname + ".jpg", "f") == std::string(196, 'x') + ".jpg");
}

TEST_CASE("a long file name is shortened to fit, keeping its extension", "[files]") {
  using imchat::ShortenFileName;
  CHECK(ShortenFileName("cat.jpg", 255) == "cat.jpg");
  CHECK(ShortenFileName(std::string(255, 'a'), 255) == std::string(255, 'a'));
  // 4 KiB names: ASCII, then 2-byte and 4-byte UTF-8 whose cut must fall on a boundary.
  const std::string ascii = std::string(4092, 'n') + ".txt";
  CHECK(ShortenFileName(ascii, 255) == std::string(251, 'n') + ".txt");
  std::string e, clip;
  while (e.size() < 4096) e += "é";
  while (clip.size() < 4096) clip += "📎";
  CHECK(ShortenFileName(e + ".tar.gz", 255) == e.substr(0, 252) + ".gz");
  // 252 bytes of "a" + "é"... end inside an "é": cut back to 251.
  const std::string short_e = ShortenFileName("a" + e + ".tar.gz", 255);
  CHECK(short_e == ("a" + e).substr(0, 251) + ".gz");
  const std::string short_clip = ShortenFileName(clip + ".png", 255);
  CHECK(short_clip == clip.substr(0, 248) + ".png");
  // No extension, or one too long to be one: a plain cut.
  CHECK(ShortenFileName(std::string(4096, 'z'), 255) == std::string(255, 'z'));
  const std::string odd = "a." + std::string(4094, 'b');
  CHECK(ShortenFileName(odd, 255) == odd.substr(0, 255));
  for (const std::string& n : {ascii, e, clip, odd}) {
    CHECK(imchat::IsValidFileName(ShortenFileName(n, 255)));
  }
}

TEST_CASE("the file message text keeps the id", "[files]") {
  const std::string text = imchat::FileMessageText("cat.jpg", 1200000, kId);
  CHECK(text == "sent a file: cat.jpg (1.2 MB) [file " + kId + "]");
  CHECK(imchat::FileIdOfText(text) == kId);
  CHECK_FALSE(imchat::FileIdOfText("sent a file: x [file nothex]"));
  CHECK_FALSE(imchat::FileIdOfText("hello [file " + kId + "]"));
  CHECK(imchat::IsValidFileName("a b"));
  CHECK_FALSE(imchat::IsValidFileName(""));
  CHECK_FALSE(imchat::IsValidFileName("a\nb"));
  CHECK_FALSE(imchat::IsValidFileName(std::string(256, 'a')));
}
