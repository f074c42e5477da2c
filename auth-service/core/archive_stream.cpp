#include "archive_stream.h"

#include <charconv>
#include <cstdio>

#include "names.h"

namespace imchat {

namespace {

constexpr std::string_view kMagic = "IMA1\n";
// Bodies are at most the broker's message size limit (64 KiB) and command
// lines 1 KiB; anything near this is damage, not data.
constexpr std::uint64_t kMaxField = 16u << 20;

// Takes the next space-terminated (or, for the last, the whole rest) field.
bool NextField(std::string_view* header, std::string_view* field) {
  std::size_t sp = header->find(' ');
  *field = header->substr(0, sp);
  *header = sp == std::string_view::npos ? std::string_view() : header->substr(sp + 1);
  return !field->empty();
}

bool ParseNumber(std::string_view s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

bool ArchiveRecord::operator==(const ArchiveRecord& o) const {
  return kind == o.kind && offline == o.offline && resend == o.resend && id == o.id && ts == o.ts &&
         from == o.from && to == o.to && ref == o.ref && body == o.body;
}

void AppendArchiveRecord(std::string* out, const ArchiveRecordView& r) {
  if (out->empty()) out->append(kMagic);
  char numbers[64];
  int n =
      std::snprintf(numbers, sizeof numbers, " %lld", static_cast<long long>(r.ts < 0 ? 0 : r.ts));
  out->push_back(static_cast<char>(r.kind));
  if (!r.offline && !r.resend) out->push_back('-');
  if (r.offline) out->push_back('o');
  if (r.resend) out->push_back('r');
  out->push_back(' ');
  out->append(r.id.empty() ? std::string_view("-") : r.id);
  out->append(numbers, static_cast<std::size_t>(n));
  out->push_back(' ');
  out->append(r.from);
  out->push_back(' ');
  out->append(r.to.empty() ? std::string_view("-") : r.to);
  n = std::snprintf(numbers, sizeof numbers, " %zu %zu\n", r.ref.size(), r.body.size());
  out->append(numbers, static_cast<std::size_t>(n));
  out->append(r.ref);
  out->append(r.body);
  out->push_back('\n');
}

void AppendArchiveRecord(std::string* out, const ArchiveRecord& r) {
  AppendArchiveRecord(out, View(r));
}

bool DecodeArchiveBatch(std::string_view batch, std::vector<ArchiveRecord>* records,
                        std::string* error) {
  if (batch.substr(0, kMagic.size()) != kMagic) {
    *error = "not an archive batch (no IMA1 header)";
    return false;
  }
  std::string_view rest = batch.substr(kMagic.size());
  for (std::size_t n = 1; !rest.empty(); ++n) {
    auto fail = [&](const std::string& why) {
      *error = "record " + std::to_string(n) + ": " + why;
      return false;
    };
    std::size_t eol = rest.find('\n');
    if (eol == std::string_view::npos || eol > 256) return fail("no header line");
    std::string_view header = rest.substr(0, eol);
    rest = rest.substr(eol + 1);
    std::string_view kind, id, ts, from, to, ref_len, body_len;
    if (!NextField(&header, &kind) || !NextField(&header, &id) || !NextField(&header, &ts) ||
        !NextField(&header, &from) || !NextField(&header, &to) || !NextField(&header, &ref_len) ||
        !NextField(&header, &body_len) || !header.empty()) {
      return fail("the header needs 7 fields");
    }
    ArchiveRecord r;
    if (kind[0] != 'b' && kind[0] != 'd' && kind[0] != 'c' && kind[0] != 'r')
      return fail("unknown kind");
    r.kind = static_cast<ArchiveRecord::Kind>(kind[0]);
    std::string_view flags = kind.substr(1);
    if (flags != "-") {
      for (char f : flags) {
        if (f == 'o') {
          r.offline = true;
        } else if (f == 'r') {
          r.resend = true;
        } else {
          return fail("unknown flag");
        }
      }
      if (flags.empty()) return fail("no flags");
    }
    std::uint64_t ts_value = 0, ref_size = 0, body_size = 0;
    if (!ParseNumber(ts, &ts_value) || ts_value > (std::uint64_t{1} << 62))
      return fail("bad timestamp");
    if (!ParseNumber(ref_len, &ref_size) || !ParseNumber(body_len, &body_size) ||
        ref_size > kMaxField || body_size > kMaxField) {
      return fail("bad length");
    }
    if (!IsValidUserName(from)) return fail("bad sender");
    const bool has_to =
        r.kind == ArchiveRecord::Kind::kDirect || r.kind == ArchiveRecord::Kind::kRoom;
    if (has_to ? !IsValidUserName(to) : to != "-") return fail("bad recipient");
    if (r.kind == ArchiveRecord::Kind::kCommand ? id != "-" : id == "-")
      return fail("bad message id");
    if (ref_size + body_size + 1 > rest.size()) return fail("truncated");
    if (rest[ref_size + body_size] != '\n') return fail("no record terminator");
    r.ts = static_cast<std::int64_t>(ts_value);
    r.id = id == "-" ? "" : std::string(id);
    r.from = std::string(from);
    if (has_to) r.to = std::string(to);
    r.ref = std::string(rest.substr(0, ref_size));
    r.body = std::string(rest.substr(ref_size, body_size));
    rest = rest.substr(ref_size + body_size + 1);
    records->push_back(std::move(r));
  }
  return true;
}

}  // namespace imchat
