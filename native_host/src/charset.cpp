#include "charset.h"

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "text_util.h"

namespace mailveil {

namespace {

// windows-1252 0x80..0x9F; the five undefined bytes map to the C1 control of the same value (WHATWG).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

// Length of the well-formed UTF-8 sequence at s[i], or 0 when it is ill-formed (RFC 3629 table).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const size_t n = s.size();
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    return (i + 1 < n && (b(i + 1) & 0xC0) == 0x80) ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (i + 2 >= n) return 0;
    const unsigned char c1 = b(i + 1);
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    if (c1 < lo || c1 > hi) return 0;
    return (b(i + 2) & 0xC0) == 0x80 ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (i + 3 >= n) return 0;
    const unsigned char c1 = b(i + 1);
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    if (c1 < lo || c1 > hi) return 0;
    return ((b(i + 2) & 0xC0) == 0x80 && (b(i + 3) & 0xC0) == 0x80) ? 4 : 0;
  }
  return 0;
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

enum class Family { kUtf8, kAscii, kWindows1252, kIconv, kUnknown };

struct Resolved {
  Family family;
  std::string iconv_name;
};

// Maps a MIME charset label to how we decode it. WHATWG-style aliasing: latin1 is read as windows-1252, the
// Chinese/Korean/Japanese legacy labels as their Microsoft supersets, which is what senders actually produce.
Resolved resolve(std::string_view label_in) {
  std::string label = ascii_lower(trim(label_in));
  if (label.size() >= 2 && (label.front() == '"' || label.front() == '\'') && label.back() == label.front()) {
    label = label.substr(1, label.size() - 2);
  }
  if (label.empty()) return {Family::kUnknown, ""};
  if (label.size() > 40) return {Family::kUnknown, ""};
  for (char c : label) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
    if (!ok) return {Family::kUnknown, ""};
  }
  static const std::map<std::string, Resolved, std::less<>> kAliases = {
      {"utf-8", {Family::kUtf8, ""}},
      {"utf8", {Family::kUtf8, ""}},
      {"unicode-1-1-utf-8", {Family::kUtf8, ""}},
      {"x-unicode20utf8", {Family::kUtf8, ""}},
      {"us-ascii", {Family::kAscii, ""}},
      {"ascii", {Family::kAscii, ""}},
      {"us", {Family::kAscii, ""}},
      {"ansi_x3.4-1968", {Family::kAscii, ""}},
      {"iso646-us", {Family::kAscii, ""}},
      {"iso-8859-1", {Family::kWindows1252, ""}},
      {"iso8859-1", {Family::kWindows1252, ""}},
      {"iso_8859-1", {Family::kWindows1252, ""}},
      {"iso_8859-1:1987", {Family::kWindows1252, ""}},
      {"latin1", {Family::kWindows1252, ""}},
      {"latin-1", {Family::kWindows1252, ""}},
      {"l1", {Family::kWindows1252, ""}},
      {"cp819", {Family::kWindows1252, ""}},
      {"ibm819", {Family::kWindows1252, ""}},
      {"iso-ir-100", {Family::kWindows1252, ""}},
      {"windows-1252", {Family::kWindows1252, ""}},
      {"cp1252", {Family::kWindows1252, ""}},
      {"x-cp1252", {Family::kWindows1252, ""}},
      {"ansi", {Family::kWindows1252, ""}},
      {"gb2312", {Family::kIconv, "GB18030"}},
      {"gbk", {Family::kIconv, "GB18030"}},
      {"x-gbk", {Family::kIconv, "GB18030"}},
      {"cp936", {Family::kIconv, "GB18030"}},
      {"euc-cn", {Family::kIconv, "GB18030"}},
      {"csgb2312", {Family::kIconv, "GB18030"}},
      {"chinese", {Family::kIconv, "GB18030"}},
      {"ks_c_5601-1987", {Family::kIconv, "CP949"}},
      {"ks_c_5601", {Family::kIconv, "CP949"}},
      {"euc-kr", {Family::kIconv, "CP949"}},
      {"korean", {Family::kIconv, "CP949"}},
      {"shift_jis", {Family::kIconv, "CP932"}},
      {"shift-jis", {Family::kIconv, "CP932"}},
      {"sjis", {Family::kIconv, "CP932"}},
      {"x-sjis", {Family::kIconv, "CP932"}},
      {"ms_kanji", {Family::kIconv, "CP932"}},
      {"windows-31j", {Family::kIconv, "CP932"}},
      {"big5", {Family::kIconv, "BIG5-HKSCS"}},
      {"x-x-big5", {Family::kIconv, "BIG5-HKSCS"}},
      {"iso-8859-8-i", {Family::kIconv, "ISO-8859-8"}},
      {"iso-8859-9", {Family::kIconv, "CP1254"}},
      {"latin5", {Family::kIconv, "CP1254"}},
      {"tis-620", {Family::kIconv, "CP874"}},
      {"iso-8859-11", {Family::kIconv, "CP874"}},
      {"x-mac-roman", {Family::kIconv, "MACINTOSH"}},
      {"unicode-1-1-utf-7", {Family::kIconv, "UTF-7"}},
  };
  auto it = kAliases.find(label);
  if (it != kAliases.end()) return it->second;
  if (label.rfind("x-unknown", 0) == 0 || label == "unknown-8bit" || label == "unknown" || label == "default") {
    return {Family::kUnknown, ""};
  }
  return {Family::kIconv, label};
}

// One iconv descriptor per charset name, kept for the thread's lifetime (iconv_open is costly). Bounded: past
// kMaxEntries, descriptors are opened and closed per call.
class IconvCache {
 public:
  static constexpr size_t kMaxEntries = 64;
  IconvCache() = default;
  IconvCache(const IconvCache&) = delete;
  IconvCache& operator=(const IconvCache&) = delete;
  ~IconvCache() {
    for (auto& [name, cd] : cache_) {
      if (cd != invalid()) iconv_close(cd);
    }
  }
  /// Descriptor for name -> UTF-8, or invalid() when iconv does not know the charset. `*owned` tells the caller
  /// to iconv_close it after use.
  iconv_t get(const std::string& name, bool* owned) {
    *owned = false;
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    iconv_t cd = iconv_open("UTF-8", name.c_str());
    if (cache_.size() < kMaxEntries) {
      cache_.emplace(name, cd);
    } else {
      *owned = cd != invalid();
    }
    return cd;
  }
  static iconv_t invalid() { return reinterpret_cast<iconv_t>(-1); }

 private:
  std::map<std::string, iconv_t> cache_;
};

// Converts with iconv, replacing undecodable input bytes by U+FFFD. Returns false if the charset is unknown.
bool iconv_to_utf8(std::string_view bytes, const std::string& name, std::string* out) {
  thread_local IconvCache cache;
  bool owned = false;
  iconv_t cd = cache.get(name, &owned);
  if (cd == IconvCache::invalid()) return false;
  struct CloseIfOwned {
    iconv_t cd;
    bool owned;
    ~CloseIfOwned() {
      if (owned) iconv_close(cd);
    }
  } closer{cd, owned};
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
  out->clear();
  out->reserve(bytes.size() * 2 + 16);
  std::string buf(bytes.size() * 3 + 64, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  while (true) {
    char* out_ptr = buf.data();
    size_t out_left = buf.size();
    const size_t rc = iconv(cd, in_left ? &in_ptr : nullptr, &in_left, &out_ptr, &out_left);
    out->append(buf.data(), buf.size() - out_left);
    if (rc != static_cast<size_t>(-1)) {
      if (in_left == 0) {
        // Flush any pending shift sequence.
        out_ptr = buf.data();
        out_left = buf.size();
        iconv(cd, nullptr, nullptr, &out_ptr, &out_left);
        out->append(buf.data(), buf.size() - out_left);
        break;
      }
      continue;
    }
    if (errno == E2BIG) continue;
    if (errno == EILSEQ) {
      append_utf8(out, 0xFFFD);
      ++in_ptr;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
      if (in_left == 0) break;
      continue;
    }
    // EINVAL: incomplete sequence at the end of the input.
    append_utf8(out, 0xFFFD);
    break;
  }
  return true;
}

// False for charsets whose ASCII bytes do not mean ASCII (UTF-16/32, UCS, UTF-7, ISO-2022, HZ).
bool ascii_compatible(std::string_view iconv_name) {
  const std::string n = ascii_lower(iconv_name);
  for (std::string_view bad : {"utf-16", "utf16", "utf-32", "utf32", "ucs", "utf-7", "utf7", "2022", "hz"}) {
    if (n.find(bad) != std::string::npos) return false;
  }
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // Fast path over ASCII runs, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    while (i < n && static_cast<unsigned char>(s[i]) < 0x80) ++i;
    if (i >= n) break;
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      append_utf8(&out, 0xFFFD);  // one replacement per ill-formed byte
      ++i;
      continue;
    }
    out.append(s.data() + i, len);
    i += len;
  }
  return out;
}

uint32_t windows1252_code_point(unsigned char b) {
  if (b >= 0x80 && b <= 0x9F) return kCp1252High[b - 0x80];
  return b;
}

std::string windows1252_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x80)
      out.push_back(ch);
    else
      append_utf8(&out, windows1252_code_point(c));
  }
  return out;
}

namespace {

/// to_utf8 of `bytes`, or nothing when they are to be kept as they are (already UTF-8 under their label).
std::optional<std::string> converted_to_utf8(std::string_view bytes, std::string_view charset) {
  const Resolved r = resolve(charset);
  switch (r.family) {
    case Family::kUtf8:
      if (is_valid_utf8(bytes)) return std::nullopt;
      return repair_utf8(bytes);
    case Family::kAscii:
      // us-ascii is the RFC default and very often a wrong label: keep valid UTF-8, else read as windows-1252.
      if (is_ascii(bytes) || is_valid_utf8(bytes)) return std::nullopt;
      return windows1252_to_utf8(bytes);
    case Family::kWindows1252: return windows1252_to_utf8(bytes);
    case Family::kIconv: {
      if (is_ascii(bytes) && ascii_compatible(r.iconv_name)) {
        return std::nullopt;  // ASCII-compatible charset and pure ASCII input: nothing to convert.
      }
      std::string out;
      if (iconv_to_utf8(bytes, r.iconv_name, &out)) {
        if (is_valid_utf8(out)) return out;
        return repair_utf8(out);
      }
      return windows1252_to_utf8(bytes);
    }
    case Family::kUnknown: break;
  }
  // No label or one we cannot decode.
  if (charset.empty() || trim(charset).empty()) {
    if (is_valid_utf8(bytes)) return std::nullopt;
  }
  return windows1252_to_utf8(bytes);
}

}  // namespace

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  std::optional<std::string> out = converted_to_utf8(bytes, charset);
  return out ? std::move(*out) : std::string(bytes);
}

std::string to_utf8(std::string&& bytes, std::string_view charset) {
  std::optional<std::string> out = converted_to_utf8(bytes, charset);
  return out ? std::move(*out) : std::move(bytes);
}

}  // namespace mailveil
