#include "leak_detector.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

#include "digest.h"
#include "text_util.h"

namespace mailveil {
namespace {

// Shortest run worth decoding as base64 or comparing against digests: an md5 is 32 hex characters; base64 of
// the shortest plausible address ("a@b.co") is 8.
constexpr size_t kMinHexRun = 32;
constexpr size_t kMinBase64Run = 8;
constexpr size_t kMinEmbeddedRun = 16;
// Layers of encoding looked through (base64 inside base64 inside a query value), and blob starts tried per run.
constexpr int kMaxNesting = 3;
constexpr size_t kMaxDecodeStarts = 24;

/// A digest's form in hexadecimal.
LeakEncoding hex_form(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kMd5: return LeakEncoding::kMd5;
    case HashAlgorithm::kSha1: return LeakEncoding::kSha1;
    case HashAlgorithm::kSha224: return LeakEncoding::kSha224;
    case HashAlgorithm::kSha256: return LeakEncoding::kSha256;
    case HashAlgorithm::kSha384: return LeakEncoding::kSha384;
    case HashAlgorithm::kSha512: return LeakEncoding::kSha512;
  }
  return LeakEncoding::kHex;
}

/// A digest's form in base64, for the digests trackers send that way (md5, sha1, sha256), else nullopt.
std::optional<LeakEncoding> base64_form(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kMd5: return LeakEncoding::kMd5Base64;
    case HashAlgorithm::kSha1: return LeakEncoding::kSha1Base64;
    case HashAlgorithm::kSha256: return LeakEncoding::kSha256Base64;
    case HashAlgorithm::kSha224:
    case HashAlgorithm::kSha384:
    case HashAlgorithm::kSha512: return std::nullopt;
  }
  return std::nullopt;
}

/// Hex digits, one table lookup per byte of a run (kHexValues, text_util.h; base64 runs use kBase64Values,
/// digest.h).
bool is_hex(char c) {
  return hex_value(c) >= 0;
}

/// How much a compressed token may inflate to.
constexpr size_t kMaxInflated = 64 * 1024;

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view strip_padding(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  return s;
}

/// Calls fn(run) for every maximal run of characters satisfying pred, of at least min_len.
template <typename Pred, typename Fn>
void for_each_run(std::string_view text, size_t min_len, Pred pred, Fn fn) {
  size_t i = 0;
  while (i < text.size()) {
    if (!pred(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && pred(text[i])) ++i;
    if (i - start >= min_len) fn(text.substr(start, i - start));
  }
}

/// Base64 of text mixes upper and lower case; words, slugs and hex do not. Saves decoding most path segments.
bool has_mixed_case(std::string_view s) {
  bool upper = false, lower = false;
  for (char c : s) {
    upper |= (c >= 'A' && c <= 'Z');
    lower |= (c >= 'a' && c <= 'z');
  }
  return upper && lower;
}

/// Replaces every occurrence of needle in hay (ASCII case-insensitive when ci) with replacement.
void replace_all(std::string* hay, std::string_view needle, std::string_view replacement, bool ci) {
  if (needle.empty()) return;
  std::string lowered = ci ? ascii_lower(*hay) : std::string();
  std::string_view search = ci ? std::string_view(lowered) : std::string_view(*hay);
  std::string out;
  size_t pos = 0;
  bool changed = false;
  for (size_t hit = search.find(needle); hit != std::string_view::npos; hit = search.find(needle, pos)) {
    out.append(*hay, pos, hit - pos);
    out.append(replacement);
    pos = hit + needle.size();
    changed = true;
  }
  if (!changed) return;
  out.append(*hay, pos, std::string::npos);
  *hay = std::move(out);
}

// Query keys whose values describe the campaign or the protocol, not the person: kept readable in evidence.
bool is_descriptive_key(std::string_view key) {
  static const std::set<std::string_view> kKeys = {
      "v",  "t",          "tid",        "aip",          "npa",         "ds",       "ec", "ea",
      "el", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "en", "dt"};
  return kKeys.count(key) > 0;
}

/// A file-name slug: at least two dashes or underscores and at least two lower-case words of three or more
/// letters between them ("logos-norton-surfeasy-350x42-darkmode"). Random ids mix case and rarely hold words.
bool is_word_slug(std::string_view v) {
  size_t separators = 0;
  size_t words = 0;
  size_t start = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i < v.size() && v[i] != '-' && v[i] != '_') continue;
    if (i < v.size()) ++separators;
    std::string_view part = v.substr(start, i - start);
    if (part.size() >= 3 && std::all_of(part.begin(), part.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      ++words;
    }
    start = i + 1;
  }
  return separators >= 2 && words >= 2;
}

/// What looks_like_personal_token counts of each byte, as one addition: digits, letters, hex digits and dashes
/// in four 16-bit lanes; kTokenBad for a byte no identifier holds (spaces, punctuation: prose or a URL).
constexpr uint64_t kTokDigit = 1, kTokLetter = uint64_t{1} << 16, kTokHex = uint64_t{1} << 32,
                   kTokDash = uint64_t{1} << 48, kTokenBad = ~uint64_t{0};
constexpr std::array<uint64_t, 256> kTokenCounts = [] {
  std::array<uint64_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint64_t k = kTokenBad;
    if (c >= '0' && c <= '9') {
      k = kTokDigit | kTokHex;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      k = kTokLetter | (((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) ? kTokHex : 0);
    } else if (c == '-' || c == '_') {
      k = kTokDash;
    } else if (c == '=' || c == '+' || c == '/' || c == '.' || c == '~') {
      k = 0;  // '~': SparkPost's base64 padding
    }
    t[static_cast<size_t>(c)] = k;
  }
  return t;
}();

/// looks_like_personal_token without its memo, for values of 10 bytes or more.
bool count_personal_token(std::string_view v) {
  size_t digits = 0, letters = 0, hex = 0, dashes = 0;
  constexpr size_t kLane = 0xFFFF;  // a lane counts this many bytes without overflowing into the next
  for (size_t at = 0; at < v.size(); at += kLane) {
    uint64_t counts = 0;
    for (char c : v.substr(at, kLane)) {
      const uint64_t k = kTokenCounts[static_cast<unsigned char>(c)];
      if (k == kTokenBad) return false;
      counts += k;
    }
    digits += counts & 0xFFFF;
    letters += (counts >> 16) & 0xFFFF;
    hex += (counts >> 32) & 0xFFFF;
    dashes += counts >> 48;
  }
  // Numeric subscriber or client ids ("1234567890", GA's "1234567890.1700000000"); timestamps are 10 digits
  // too, and masking one is harmless.
  if (letters == 0) return digits >= 10;
  // UUID: 8-4-4-4-12 hex.
  if (v.size() == 36 && dashes == 4 && hex == 32) return true;
  if (hex == v.size() && v.size() >= 16) return true;
  // Mixed alphanumerics: require both letters and digits so words and slugs ("summer-sale-2024") pass.
  if (v.size() >= 16 && digits >= 2 && letters >= 2) {
    // A slug has most of its characters in letter runs separated by dashes; a token rarely has dashes.
    return dashes * 8 < v.size() && !is_word_slug(v);
  }
  return false;
}

}  // namespace

bool looks_like_personal_token(std::string_view v) {
  if (v.size() < 10) return false;
  PersonalTokenMemo* memo = v.size() >= kPersonalTokenMemoFrom ? PersonalTokenScope::current() : nullptr;
  if (memo == nullptr) return count_personal_token(v);
  const auto seen = memo->lookup(v);
  if (seen.kept) return *seen.kept;
  const bool token = count_personal_token(v);
  memo->put(v, seen.hash, token);
  return token;
}

std::string mask_address(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0) return "[address]";
  return std::string(address.substr(0, 1)) + "\u2026" + std::string(address.substr(at));
}

LeakDetector::LeakDetector(const std::vector<std::string>& addresses) {
  std::unordered_set<std::string> seen;
  std::vector<std::string> as_given;  // trimmed, case kept: base64 keeps the case the sender stored
  for (const auto& raw : addresses) {
    if (addresses_.size() == kMaxUserAddresses) break;
    if (raw.size() > kMaxAddressLength + 64) continue;  // longer than any address, even with blanks and <>
    std::string given(raw);
    given.erase(0, given.find_first_not_of(" \t<"));
    given.erase(given.find_last_not_of(" \t>") + 1);
    std::string a = ascii_lower(given);
    size_t at = a.find('@');
    if (a.size() < 3 || a.size() > kMaxAddressLength || at == std::string::npos || at == 0 || at + 1 == a.size()) {
      continue;
    }
    if (!seen.insert(a).second) continue;
    addresses_.push_back(a);
    as_given.push_back(std::move(given));
  }
  for (size_t i = 0; i < addresses_.size(); ++i) {
    const std::string& a = addresses_[i];
    add_variant(&plain_, a, LeakEncoding::kPlain, i);
    for (HashAlgorithm h : kHashAlgorithms) {
      std::string raw = raw_digest(h, a);
      add_variant(&hex_, to_hex(raw), hex_form(h), i);
      if (const auto name = base64_form(h)) {
        std::string standard(strip_padding(base64_encode(raw)));
        std::string url = base64url_encode(raw);
        add_variant(&base64_, standard, *name, i);
        if (url != standard) add_variant(&base64_, url, *name, i);
      }
    }
    add_variant(&hex_, to_hex(a), LeakEncoding::kHex, i);
    std::string standard(strip_padding(base64_encode(a)));
    std::string url = base64url_encode(a);
    add_variant(&base64_, standard, LeakEncoding::kBase64, i);
    if (url != standard) add_variant(&base64_, url, LeakEncoding::kBase64Url, i);
    // The address inside a longer blob, at any of the three byte offsets a base64 quantum can give it, as
    // stored in lower case, as the reader wrote it, or in upper case (docs/scoring.md §4).
    std::vector<std::string> forms = {a};
    for (std::string f : {as_given[i], ascii_upper(a)}) {
      if (std::find(forms.begin(), forms.end(), f) == forms.end()) forms.push_back(std::move(f));
    }
    for (const auto& f : forms) add_embedded_needles(f, LeakEncoding::kBase64, i);
    for (HashAlgorithm h : kHashAlgorithms) {
      if (const auto name = base64_form(h)) add_embedded_needles(raw_digest(h, a), *name, i);
    }
  }
  plain_.build();
  hex_.build();
  base64_.build();
  embedded_.build();
}

void LeakDetector::build_masks() const {
  std::call_once(masks_built_, [this] {
    for (const auto& [exact, text, tag] : mask_needles_) (exact ? mask_exact_ : mask_folded_).add(text, tag);
    mask_folded_.build();
    mask_exact_.build();
    mask_needles_ = {};
  });
}

void LeakDetector::add_variant(NeedleSet* set, const std::string& text, LeakEncoding encoding, size_t address,
                               bool aligned) {
  set->add(text, static_cast<uint32_t>(variants_.size()));
  variants_.push_back({encoding, address, aligned});
  const std::string replacement = "[email:" + std::string(to_string(encoding)) + "]";
  if (set == &embedded_) {
    // Inside a blob: the characters that depend on the address alone (its neighbours mix in other bytes).
    add_mask_needle(&mask_exact_, text, replacement);
  } else if (set == &plain_) {
    // Evidence hides the address as written and percent-encoded once or twice.
    const size_t at = text.find('@');
    for (const char* escaped : {"@", "%40", "%2540"}) {
      add_mask_needle(&mask_folded_, text.substr(0, at) + escaped + text.substr(at + 1), "[email]");
    }
  } else if (set == &hex_) {
    add_mask_needle(&mask_folded_, text, replacement);
  } else {
    // Padding may follow, raw or percent-encoded.
    for (const char* pad : {"%3D%3D", "%3d%3d", "==", "%3D", "%3d", "=", ""}) {
      add_mask_needle(&mask_exact_, text + pad, replacement);
    }
  }
}

void LeakDetector::add_embedded_needles(std::string_view bytes, LeakEncoding encoding, size_t address) {
  for (size_t offset = 0; offset < 3; ++offset) {
    // Encode behind `offset` filler bytes, then keep only the characters that depend on `bytes` alone: the
    // first 0, 2 or 3 characters mix in the filler, and a last partial quantum mixes in whatever follows.
    std::string padded(offset, '\0');
    padded.append(bytes);
    std::string text(strip_padding(base64_encode(padded)));
    const size_t skip = offset == 0 ? 0 : offset + 1;
    const size_t full = padded.size() / 3 * 4;
    if (full <= skip + 8) continue;  // too short to be specific
    text = text.substr(skip, full - skip);
    std::string url = text;
    std::replace(url.begin(), url.end(), '+', '-');
    std::replace(url.begin(), url.end(), '/', '_');
    add_variant(&embedded_, text, encoding, address, offset == 0);
    if (url != text) {
      add_variant(&embedded_, url, encoding == LeakEncoding::kBase64 ? LeakEncoding::kBase64Url : encoding, address,
                  offset == 0);
    }
  }
}

void LeakDetector::add_mask_needle(NeedleSet* set, const std::string& text, const std::string& replacement) {
  mask_needles_.push_back({set == &mask_exact_, text, static_cast<uint32_t>(mask_replacements_.size())});
  mask_replacements_.push_back(replacement);
}

void LeakDetector::scan_decoded(std::string_view text, bool raw_had_at, std::vector<Leak>* out, int depth,
                                Decoding* decoding) const {
  if (text.find('@') != std::string_view::npos) {
    plain_.for_each_match(text, [&](uint32_t tag, size_t, size_t) {
      out->push_back({{raw_had_at ? LeakEncoding::kPlain : LeakEncoding::kUrlEncoded}, {}, variants_[tag].address});
    });
  }
  for_each_run(text, kMinHexRun, is_hex, [&](std::string_view run) {
    hex_.for_each_match(run, [&](uint32_t tag, size_t, size_t) {
      out->push_back({{variants_[tag].encoding}, {}, variants_[tag].address});
    });
  });
  for_each_run(text, kMinBase64Run, is_base64_char, [&](std::string_view run) {
    bool direct = false;
    base64_.for_each_match(run, [&](uint32_t tag, size_t, size_t) {
      out->push_back({{variants_[tag].encoding}, {}, variants_[tag].address});
      direct = true;
    });
    // Anywhere in the run: glued to a path, after other fields of a binary or JSON blob.
    embedded_.for_each_match(run, [&](uint32_t tag, size_t begin, size_t) {
      const Variant& v = variants_[tag];
      // At the start of the run or of a path segment, the whole blob is the address: plain base64.
      const bool whole = v.aligned && (begin == 0 || run[begin - 1] == '/');
      const bool address_form = v.encoding == LeakEncoding::kBase64 || v.encoding == LeakEncoding::kBase64Url;
      out->push_back({{whole || !address_form ? v.encoding : LeakEncoding::kBase64Embedded}, {}, v.address});
      direct = true;
    });
    if (direct || depth >= kMaxNesting || run.size() < kMinEmbeddedRun || !has_mixed_case(run)) return;
    // Decode the blob and look inside: JSON, percent-encoding, another base64 layer, binary fields. A '/' is
    // part of the base64 alphabet, so a blob in a path is glued to the segments before it: try each start.
    // Inside a decoded layer a few starts suffice: the blob there is a field, not a path.
    // Each start decodes the rest of the run: a run opened at depth 0 gets a budget of decoded bytes in
    // proportion to its length, shared with the layers inside it. The whole run is tried first (a blob at its
    // start, with short segments after it), then the segment starts from the last one backwards: they cost
    // less the later they are, and a blob behind short segments (`/a/b/…/<blob>`) is reached before the
    // budget goes on long prefixes. A start over what is left is passed over, not the ones after it.
    size_t run_budget = kDecodeWorkPerByte * run.size() + kDecodeWorkFloor;
    size_t* const outer = decoding->left;
    if (depth == 0 || !decoding->left) decoding->left = &run_budget;
    size_t& left = *decoding->left;
    const size_t max_starts = depth == 0 ? kMaxDecodeStarts : 4;
    std::vector<size_t> starts{0};
    for (size_t i = run.size(); i-- > 0 && starts.size() < max_starts;) {
      if (run[i] == '/' && i + 1 < run.size()) starts.push_back(i + 1);
    }
    for (const size_t start : starts) {
      std::string_view blob = run.substr(start);
      if (blob.size() % 4 == 1) blob.remove_suffix(1);
      std::string decoded;
      if (blob.size() >= kMinEmbeddedRun && blob.size() <= left) {
        left -= blob.size();
        decoding->cost.decoded_bytes += blob.size();
        if (base64_decode(blob, &decoded)) {
          const size_t before = out->size();
          // Mailgun's /c/ and /o/ tokens (Substack, Kajabi…) are base64 of zlib-compressed query strings that
          // name the recipient (`r=`).
          if (auto inflated = inflate_zlib(decoded, kMaxInflated)) decoded = std::move(*inflated);
          scan_inside(decoded, out, depth + 1, decoding);
          if (out->size() > before) break;
        }
      }
    }
    decoding->left = outer;
  });
}

void LeakDetector::scan_inside(std::string_view decoded, std::vector<Leak>* out, int depth, Decoding* decoding) const {
  std::vector<Leak> inner;
  scan_decoded(decoded, true, &inner, depth, decoding);
  // Escapes of the layer inside: percent-encoding, JSON's \u0040 and \/.
  if (inner.empty() && ifind(decoded, "%40") != std::string_view::npos) {
    scan_decoded(percent_decode(decoded), true, &inner, depth, decoding);
  }
  if (inner.empty() &&
      (decoded.find("\\u0040") != std::string_view::npos || decoded.find("\\/") != std::string_view::npos)) {
    std::string unescaped(decoded);
    replace_all(&unescaped, "\\u0040", "@", true);
    replace_all(&unescaped, "\\/", "/", false);
    scan_decoded(unescaped, true, &inner, depth, decoding);
  }
  for (auto& leak : inner) {
    // The address as written inside a blob is the blob's content; any other form is one layer deeper.
    if (leak.encoding.form == LeakEncoding::kPlain || leak.encoding.form == LeakEncoding::kUrlEncoded) {
      leak.encoding.form = LeakEncoding::kBase64Embedded;
    } else {
      ++leak.encoding.layers;
    }
    out->push_back(std::move(leak));
  }
}

void LeakDetector::scan_piece(std::string_view raw, std::string_view where, std::string_view key,
                              std::vector<Leak>* out, Decoding* decoding) const {
  if (raw.empty()) return;
  const size_t before = out->size();
  PieceMemo* memo = MessageScope::current();
  if (memo && memo->detector != this) memo = nullptr;
  const auto seen = memo ? memo->pieces.lookup(raw) : TextMemo<std::vector<Leak>>::Lookup{nullptr, 0};
  if (const std::vector<Leak>* kept = seen.kept) {
    out->insert(out->end(), kept->begin(), kept->end());
  } else {
    const bool had_at = raw.find('@') != std::string_view::npos;
    if (raw.find('%') == std::string_view::npos) {
      scan_decoded(raw, had_at, out, 0, decoding);
    } else {
      std::string once = percent_decode(raw);
      scan_decoded(once, had_at, out, 0, decoding);
      if (once.find('%') != std::string::npos) {
        std::string twice = percent_decode(once);
        if (twice != once) scan_decoded(twice, had_at, out, 0, decoding);
      }
    }
    if (memo)
      memo->pieces.put(raw, seen.hash,
                       std::vector<Leak>(out->begin() + static_cast<std::ptrdiff_t>(before), out->end()));
  }
  if (out->size() == before) return;
  // The key itself may be the address (`?jane@example.org=1`): the location must not repeat it in clear.
  std::string name;
  if (!key.empty()) {
    name = mask_text(percent_decode(key));
    if (has_leak(name)) name = "[email]";
  }
  name = name.empty() ? std::string(where) : std::string(where) + ":" + name;
  for (size_t i = before; i < out->size(); ++i) (*out)[i].where = name;
}

std::vector<Leak> LeakDetector::find(const Url& url, SearchCost* cost) const {
  std::vector<Leak> found;
  if (addresses_.empty()) return found;
  Decoding decoding;
  scan_piece(url.userinfo, "userinfo", {}, &found, &decoding);
  scan_piece(url.path, "path", {}, &found, &decoding);
  for_each_query_pair(url.query, [&](std::string_view key, std::string_view value) {
    scan_piece(value, "query", key, &found, &decoding);
    scan_piece(key, "query", key, &found, &decoding);
    return true;
  });
  scan_piece(url.fragment, "fragment", {}, &found, &decoding);
  // A subdomain can carry a token, rarely the address; hashes in hostnames do occur.
  scan_piece(url.host, "host", {}, &found, &decoding);
  if (cost) cost->decoded_bytes += decoding.cost.decoded_bytes;

  std::vector<Leak> unique;
  std::set<std::tuple<AddressEncoding, std::string, size_t>> seen;
  for (auto& leak : found) {
    if (seen.emplace(leak.encoding, leak.where, leak.address_index).second) unique.push_back(std::move(leak));
  }
  return unique;
}

bool LeakDetector::has_leak(std::string_view part) const {
  if (addresses_.empty()) return false;
  std::vector<Leak> found;
  Decoding decoding;
  scan_piece(part, {}, {}, &found, &decoding);
  return !found.empty();
}

std::string LeakDetector::mask_part(std::string_view raw) const {
  PieceMemo* memo = raw.size() >= kMaskMemoFrom ? MessageScope::current() : nullptr;
  if (memo == nullptr || memo->detector != this) return mask_text(raw);
  const auto seen = memo->masked.lookup(raw);
  if (seen.kept) return *seen.kept;
  std::string masked = mask_text(raw);
  memo->masked.put(raw, seen.hash, masked);
  return masked;
}

std::string LeakDetector::mask_text(std::string_view raw) const {
  struct Hit {
    size_t begin;
    size_t end;
    uint32_t tag;
  };
  std::vector<Hit> hits;
  auto collect = [&](uint32_t tag, size_t begin, size_t end) { hits.push_back({begin, end, tag}); };
  build_masks();
  mask_folded_.for_each_match(raw, collect);
  mask_exact_.for_each_match(raw, collect);
  if (hits.empty()) return std::string(raw);
  // Longest first, then leftmost: a digest is replaced before any shorter form that happens to lie inside it.
  std::sort(hits.begin(), hits.end(), [](const Hit& x, const Hit& y) {
    return x.end - x.begin != y.end - y.begin ? x.end - x.begin > y.end - y.begin : x.begin < y.begin;
  });
  std::vector<bool> taken(raw.size(), false);
  std::vector<Hit> chosen;
  for (const Hit& h : hits) {
    if (std::any_of(taken.begin() + static_cast<std::ptrdiff_t>(h.begin),
                    taken.begin() + static_cast<std::ptrdiff_t>(h.end), [](bool t) { return t; })) {
      continue;
    }
    std::fill(taken.begin() + static_cast<std::ptrdiff_t>(h.begin), taken.begin() + static_cast<std::ptrdiff_t>(h.end),
              true);
    chosen.push_back(h);
  }
  std::sort(chosen.begin(), chosen.end(), [](const Hit& x, const Hit& y) { return x.begin < y.begin; });
  std::string out;
  size_t pos = 0;
  for (const Hit& h : chosen) {
    out.append(raw.substr(pos, h.begin - pos));
    out += mask_replacements_[h.tag];
    pos = h.end;
  }
  out.append(raw.substr(pos));
  return out;
}

std::string LeakDetector::mask_host(std::string_view host) const {
  std::string masked = mask_text(host);
  if (!has_leak(masked)) return masked;
  // An encoding only the decoder sees (escaped letters, say): hide the labels that carry it.
  std::string labels;
  size_t start = 0;
  while (start <= masked.size()) {
    size_t dot = masked.find('.', start);
    if (dot == std::string::npos) dot = masked.size();
    std::string_view label = std::string_view(masked).substr(start, dot - start);
    if (start > 0) labels.push_back('.');
    labels += has_leak(label) ? std::string_view("[email]") : label;
    start = dot + 1;
  }
  return has_leak(labels) ? "[email]" : labels;
}

void LeakDetector::hide_remaining_leaks(Url* m) const {
  if (has_leak(m->host)) m->host = mask_host(m->host);
  if (has_leak(m->userinfo)) m->userinfo = "[userinfo]";
  if (has_leak(m->path)) {
    std::string path;
    size_t start = 0;
    while (start < m->path.size()) {
      size_t slash = m->path.find('/', start + 1);
      if (slash == std::string::npos) slash = m->path.size();
      std::string_view segment = std::string_view(m->path).substr(start, slash - start);
      const bool lead = !segment.empty() && segment[0] == '/';
      if (lead) path.push_back('/');
      std::string_view body = segment.substr(lead ? 1 : 0);
      path += has_leak(body) ? std::string_view("[email]") : body;
      start = slash;
    }
    m->path = has_leak(path) ? std::string("/[email]") : path;
  }
  std::string query;
  bool changed = false;
  for_each_query_pair(m->query, [&](std::string_view key, std::string_view value) {
    if (!query.empty()) query.push_back('&');
    const bool bad_key = has_leak(key);
    const bool bad_value = has_leak(value);
    changed = changed || bad_key || bad_value;
    query += bad_key ? std::string_view("[email]") : key;
    if (!value.empty() || bad_value) {
      query.push_back('=');
      query += bad_value ? std::string_view("[email]") : value;
    }
    return true;
  });
  if (changed) m->query = query;
  if (has_leak(m->fragment)) m->fragment = "[email]";
}

std::string LeakDetector::mask(const Url& url, const std::vector<Leak>& found) const {
  const bool leaky = !found.empty();
  // The masked parts go into a copy of the URL's frame, which Url::str() reassembles.
  Url masked;
  masked.scheme = url.scheme;
  masked.userinfo = url.userinfo.empty() ? "" : "[userinfo]";
  masked.host = leaky ? mask_host(url.host) : url.host;
  masked.port = url.port;
  masked.has_query = url.has_query;
  masked.has_fragment = url.has_fragment;
  std::string& path = masked.path;
  path.reserve(url.path.size());
  std::string scratch;  // a percent-decoded part, when it has escapes
  // Address forms first, over the whole path (a base64 digest may hold a '/'), then tokens per segment.
  const std::string literal = leaky ? mask_part(url.path) : url.path;
  size_t start = 0;
  while (start < literal.size()) {
    size_t slash = literal.find('/', start + 1);
    if (slash == std::string::npos) slash = literal.size();
    std::string_view segment = std::string_view(literal).substr(start, slash - start);
    std::string_view body = segment.substr(segment.empty() || segment[0] != '/' ? 0 : 1);
    path.push_back('/');
    if (body.find("[email") == std::string_view::npos) {
      // Keep file extensions readable ("[token].gif").
      std::string_view stem = body;
      std::string_view ext;
      if (size_t dot = body.rfind('.'); dot != std::string_view::npos && body.size() - dot <= 5) {
        stem = body.substr(0, dot);
        ext = body.substr(dot);
      }
      if (looks_like_personal_token(percent_decoded(stem, &scratch))) {
        path += "[token]";
        path += ext;
      } else {
        path += body;
      }
    } else {
      path += body;
    }
    start = slash;
  }
  std::string& query = masked.query;
  for_each_query_pair(url.query, [&](std::string_view key, std::string_view value) {
    if (!query.empty()) query.push_back('&');
    if (leaky) {
      query += mask_part(key);
    } else {
      query += key;
    }
    const std::string masked_value = leaky ? mask_part(value) : std::string();
    const std::string_view text = leaky ? std::string_view(masked_value) : value;
    const bool token = text == value && !is_descriptive_key(percent_decoded(key, &scratch)) &&
                       looks_like_personal_token(percent_decoded(value, &scratch));
    if (token) {
      query += "=[token]";
    } else if (!text.empty()) {
      query.push_back('=');
      query += text;
    }
    return true;
  });
  masked.fragment = leaky ? mask_text(url.fragment) : url.fragment;
  if (leaky) hide_remaining_leaks(&masked);
  // A form that spans two parts (a base64 digest holding a '/', across the host and the path) is only whole in
  // the assembled URL.
  return mask_text(masked.str());
}

}  // namespace mailveil
