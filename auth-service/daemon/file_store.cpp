// files.db: two tables with the same columns, `uploads` (in progress) and
// `files` (complete, content at ContentPath(sha256)).
#include "file_store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

namespace imchat {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS uploads(id TEXT PRIMARY KEY, owner TEXT NOT NULL, conv TEXT NOT "
    "NULL, name TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, "
    "created INTEGER NOT NULL, expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS files(id TEXT PRIMARY KEY, owner TEXT NOT NULL, conv TEXT NOT "
    "NULL, name TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, "
    "created INTEGER NOT NULL, expires INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS files_created ON files(created);"
    "CREATE INDEX IF NOT EXISTS files_sha ON files(sha256);";

constexpr const char* kColumns = "id, owner, conv, name, mime, size, sha256, created, expires";

bool MakeDir(const std::string& path, std::string* error) {
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return true;
  *error = "cannot create " + path + ": " + std::strerror(errno);
  return false;
}

// One prepared statement; finalized when it goes out of scope.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(const std::string& v) {
    sqlite3_bind_text(s_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(std::int64_t v) {
    sqlite3_bind_int64(s_, ++n_, v);
    return *this;
  }
  int Step() { return rc_ = sqlite3_step(s_); }
  std::string Text(int i) const {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
             : std::string();
  }
  std::int64_t Int(int i) const { return sqlite3_column_int64(s_, i); }
  std::string Error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_OK;
  int n_ = 0;
};

FileRow RowOf(const Stmt& s) {
  return {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4),
          s.Int(5),  s.Text(6), s.Int(7),  s.Int(8)};
}

Status Insert(sqlite3* db, const char* table, const FileRow& r) {
  Stmt s(db, std::string("INSERT INTO ") + table + "(" + kColumns + ") VALUES(?,?,?,?,?,?,?,?,?)");
  if (!s.ok()) return Status::Error("files.db: " + s.Error());
  s.Bind(r.id).Bind(r.owner).Bind(r.conv).Bind(r.name).Bind(r.mime).Bind(r.size).Bind(r.sha256);
  s.Bind(r.created).Bind(r.expires);
  if (s.Step() != SQLITE_DONE) return Status::Error("files.db: " + s.Error());
  return Status::Ok();
}

// The rows of a query (the columns of kColumns first), bound by `bind`.
Result<std::vector<FileRow>> Rows(sqlite3* db, const std::string& sql,
                                  const std::function<void(Stmt&)>& bind) {
  Stmt s(db, sql);
  if (!s.ok()) return Status::Error("files.db: " + s.Error());
  bind(s);
  std::vector<FileRow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(RowOf(s));
  if (rc != SQLITE_DONE) return Status::Error("files.db: " + s.Error());
  return out;
}

Result<std::optional<FileRow>> One(Result<std::vector<FileRow>> rows) {
  if (!rows.ok()) return Status::Error(rows.message());
  if (rows->empty()) return std::optional<FileRow>();
  return std::optional<FileRow>((*rows)[0]);
}

}  // namespace

std::unique_ptr<FileStore> FileStore::Open(const std::string& dir, std::string* error) {
  if (!MakeDir(dir, error) || !MakeDir(dir + "/tmp", error)) return nullptr;
  sqlite3* db = nullptr;
  const std::string path = dir + "/files.db";
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    *error = path + ": " + (db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 2000);
  char* msg = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &msg) != SQLITE_OK) {
    *error = path + ": " + (msg ? msg : "cannot create the tables");
    sqlite3_free(msg);
    sqlite3_close(db);
    return nullptr;
  }
  return std::unique_ptr<FileStore>(new FileStore(dir, db));
}

FileStore::~FileStore() { sqlite3_close(db_); }

std::string FileStore::TempPath(const std::string& upload) const {
  return dir_ + "/tmp/" + upload + ".part";
}

std::string FileStore::ContentPath(const std::string& sha256) const { return dir_ + "/" + sha256; }

Status FileStore::AddUpload(const FileRow& u) { return Insert(db_, "uploads", u); }
Status FileStore::AddFile(const FileRow& f) { return Insert(db_, "files", f); }

Result<std::optional<FileRow>> FileStore::FindUpload(const std::string& id) {
  return One(Rows(db_, std::string("SELECT ") + kColumns + " FROM uploads WHERE id=?",
                  [&](Stmt& s) { s.Bind(id); }));
}

Result<std::optional<FileRow>> FileStore::FindResumable(const FileRow& like) {
  return One(Rows(db_,
                  std::string("SELECT ") + kColumns +
                      " FROM uploads WHERE owner=? AND conv=? AND size=? AND sha256=? AND name=? "
                      "ORDER BY created DESC LIMIT 1",
                  [&](Stmt& s) {
                    s.Bind(like.owner).Bind(like.conv).Bind(like.size).Bind(like.sha256);
                    s.Bind(like.name);
                  }));
}

Status FileStore::DropUpload(const std::string& id) {
  unlink(TempPath(id).c_str());
  Stmt s(db_, "DELETE FROM uploads WHERE id=?");
  if (!s.ok()) return Status::Error("files.db: " + s.Error());
  s.Bind(id);
  if (s.Step() != SQLITE_DONE) return Status::Error("files.db: " + s.Error());
  return Status::Ok();
}

Result<std::optional<FileRow>> FileStore::FindFile(const std::string& id) {
  return One(Rows(db_, std::string("SELECT ") + kColumns + " FROM files WHERE id=?",
                  [&](Stmt& s) { s.Bind(id); }));
}

Result<std::vector<FileRow>> FileStore::Recent(std::int64_t since, int limit) {
  return Rows(db_,
              std::string("SELECT ") + kColumns +
                  " FROM files WHERE created>? ORDER BY created DESC, rowid DESC LIMIT ?",
              [&](Stmt& s) { s.Bind(since).Bind(static_cast<std::int64_t>(limit)); });
}

Result<std::int64_t> FileStore::UploadCount(const std::string& owner) {
  Stmt s(db_, "SELECT count(*) FROM uploads WHERE owner=?");
  if (!s.ok()) return Status::Error("files.db: " + s.Error());
  s.Bind(owner);
  if (s.Step() != SQLITE_ROW) return Status::Error("files.db: " + s.Error());
  return s.Int(0);
}

Result<std::int64_t> FileStore::UsedBytes(const std::string& owner, std::int64_t now) {
  Stmt s(db_,
         "SELECT (SELECT COALESCE(SUM(size),0) FROM files WHERE owner=?1 AND expires>?2) + "
         "(SELECT COALESCE(SUM(size),0) FROM uploads WHERE owner=?1)");
  if (!s.ok()) return Status::Error("files.db: " + s.Error());
  s.Bind(owner).Bind(now);
  if (s.Step() != SQLITE_ROW) return Status::Error("files.db: " + s.Error());
  return s.Int(0);
}

Result<int> FileStore::Sweep(std::int64_t now, std::int64_t stale_before) {
  int gone = 0;
  auto stale = Rows(db_, std::string("SELECT ") + kColumns + " FROM uploads WHERE created<?",
                    [&](Stmt& s) { s.Bind(stale_before); });
  if (!stale.ok()) return Status::Error(stale.message());
  for (const FileRow& u : *stale) {
    if (!DropUpload(u.id).ok()) continue;
    ++gone;
  }
  // Content whose every row has expired (an unexpired row elsewhere keeps it).
  Stmt s(db_,
         "SELECT DISTINCT sha256 FROM files f WHERE expires<=?1 AND NOT EXISTS (SELECT 1 FROM "
         "files g WHERE g.sha256=f.sha256 AND g.expires>?1)");
  if (!s.ok()) return Status::Error("files.db: " + s.Error());
  s.Bind(now);
  while (s.Step() == SQLITE_ROW) {
    if (unlink(ContentPath(s.Text(0)).c_str()) == 0) ++gone;
  }
  return gone;
}

}  // namespace imchat
