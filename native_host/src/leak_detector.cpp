#include "leak_detector.h"

#include <algorithm>
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

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '-' || c == '_';
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

bool mostly_printable(std::string_view s) {
  size_t printable = 0;
  for (unsigned char c : s) {
    if ((c >= 0x20 && c < 0x7f) || c >= 0x80) ++printable;
  }
  return !s.empty() && printable * 10 >= s.size() * 9;
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

}  // namespace

bool looks_like_personal_token(std::string_view v) {
  if (v.size() < 10) return false;
  size_t digits = 0, letters = 0, hex = 0, dashes = 0, other = 0;
  for (char c : v) {
    if (c >= '0' && c <= '9')
      ++digits;
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      ++letters;
    else if (c == '-' || c == '_')
      ++dashes;
    else if (c == '=' || c == '+' || c == '/' || c == '.' || c == '~')
      ++other;  // '~': SparkPost's base64 padding
    else
      return false;  // spaces, punctuation: prose or a URL, not an identifier
    if (is_hex(c)) ++hex;
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

std::string mask_address(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0) return "[address]";
  return std::string(address.substr(0, 1)) + "\u2026" + std::string(address.substr(at));
}

LeakDetector::LeakDetector(const std::vector<std::string>& addresses) {
  std::unordered_set<std::string> seen;
  for (const auto& raw : addresses) {
    if (addresses_.size() == kMaxUserAddresses) break;
    if (raw.size() > kMaxAddressLength + 64) continue;  // longer than any address, even with blanks and <>
    std::string a = ascii_lower(raw);
    a.erase(0, a.find_first_not_of(" \t<"));
    a.erase(a.find_last_not_of(" \t>") + 1);
    size_t at = a.find('@');
    if (a.size() < 3 || a.size() > kMaxAddressLength || at == std::string::npos || at == 0 || at + 1 == a.size()) {
      continue;
    }
    if (!seen.insert(a).second) continue;
    addresses_.push_back(a);
  }
  for (size_t i = 0; i < addresses_.size(); ++i) {
    const std::string& a = addresses_[i];
    add_variant(&plain_, a, "plain", i);
    for (HashAlgorithm h : kHashAlgorithms) {
      std::string raw = raw_digest(h, a);
      add_variant(&hex_, to_hex(raw), to_string(h), i);
      if (h == HashAlgorithm::kMd5 || h == HashAlgorithm::kSha1 || h == HashAlgorithm::kSha256) {
        std::string name = std::string(to_string(h)) + "-base64";
        std::string standard(strip_padding(base64_encode(raw)));
        std::string url = base64url_encode(raw);
        add_variant(&base64_, standard, name, i);
        if (url != standard) add_variant(&base64_, url, name, i);
      }
    }
    add_variant(&hex_, to_hex(a), "hex", i);
    std::string standard(strip_padding(base64_encode(a)));
    std::string url = base64url_encode(a);
    add_variant(&base64_, standard, "base64", i);
    if (url != standard) add_variant(&base64_, url, "base64url", i);
  }
  plain_.build();
  hex_.build();
  base64_.build();
  mask_folded_.build();
  mask_exact_.build();
}

void LeakDetector::add_variant(NeedleSet* set, const std::string& text, std::string encoding, size_t address) {
  set->add(text, static_cast<uint32_t>(variants_.size()));
  variants_.push_back({std::move(encoding), address});
  const Variant& v = variants_.back();
  if (set == &plain_) {
    // Evidence hides the address as written and percent-encoded once or twice.
    const size_t at = text.find('@');
    for (const char* escaped : {"@", "%40", "%2540"}) {
      add_mask_needle(&mask_folded_, text.substr(0, at) + escaped + text.substr(at + 1), "[email]");
    }
  } else if (set == &hex_) {
    add_mask_needle(&mask_folded_, text, "[email:" + v.encoding + "]");
  } else {
    // Padding may follow, raw or percent-encoded.
    for (const char* pad : {"%3D%3D", "%3d%3d", "==", "%3D", "%3d", "=", ""}) {
      add_mask_needle(&mask_exact_, text + pad, "[email:" + v.encoding + "]");
    }
  }
}

void LeakDetector::add_mask_needle(NeedleSet* set, const std::string& text, const std::string& replacement) {
  set->add(text, static_cast<uint32_t>(mask_replacements_.size()));
  mask_replacements_.push_back(replacement);
}

void LeakDetector::scan_decoded(std::string_view text, bool raw_had_at, std::vector<Leak>* out,
                                bool allow_embedded) const {
  if (text.find('@') != std::string_view::npos) {
    plain_.for_each_match(text, [&](uint32_t tag, size_t, size_t) {
      out->push_back({raw_had_at ? "plain" : "url-encoded", {}, variants_[tag].address});
    });
  }
  for_each_run(text, kMinHexRun, is_hex, [&](std::string_view run) {
    hex_.for_each_match(run, [&](uint32_t tag, size_t, size_t) {
      out->push_back({variants_[tag].encoding, {}, variants_[tag].address});
    });
  });
  for_each_run(text, kMinBase64Run, is_base64_char, [&](std::string_view run) {
    bool direct = false;
    base64_.for_each_match(run, [&](uint32_t tag, size_t, size_t) {
      out->push_back({variants_[tag].encoding, {}, variants_[tag].address});
      direct = true;
    });
    std::string decoded;
    if (!direct && allow_embedded && run.size() >= kMinEmbeddedRun && has_mixed_case(run) &&
        base64_decode(run, &decoded) && mostly_printable(decoded)) {
      std::vector<Leak> inner;
      scan_decoded(decoded, true, &inner, false);
      for (auto& leak : inner) {
        leak.encoding = leak.encoding == "plain" || leak.encoding == "url-encoded" ? "base64-embedded"
                                                                                   : leak.encoding + "-in-base64";
        out->push_back(std::move(leak));
      }
    }
  });
}

void LeakDetector::scan_piece(std::string_view raw, std::string_view where, std::string_view key,
                              std::vector<Leak>* out) const {
  if (raw.empty()) return;
  const size_t before = out->size();
  const bool had_at = raw.find('@') != std::string_view::npos;
  if (raw.find('%') == std::string_view::npos) {
    scan_decoded(raw, had_at, out, true);
  } else {
    std::string once = percent_decode(raw);
    scan_decoded(once, had_at, out, true);
    if (once.find('%') != std::string::npos) {
      std::string twice = percent_decode(once);
      if (twice != once) scan_decoded(twice, had_at, out, true);
    }
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

std::vector<Leak> LeakDetector::find(const Url& url) const {
  std::vector<Leak> found;
  if (addresses_.empty()) return found;
  scan_piece(url.userinfo, "userinfo", {}, &found);
  scan_piece(url.path, "path", {}, &found);
  for_each_query_pair(url.query, [&](std::string_view key, std::string_view value) {
    scan_piece(value, "query", key, &found);
    scan_piece(key, "query", key, &found);
    return true;
  });
  scan_piece(url.fragment, "fragment", {}, &found);
  // A subdomain can carry a token, rarely the address; hashes in hostnames do occur.
  scan_piece(url.host, "host", {}, &found);

  std::vector<Leak> unique;
  std::set<std::tuple<std::string, std::string, size_t>> seen;
  for (auto& leak : found) {
    if (seen.emplace(leak.encoding, leak.where, leak.address_index).second) unique.push_back(std::move(leak));
  }
  return unique;
}

bool LeakDetector::has_leak(std::string_view part) const {
  if (addresses_.empty()) return false;
  std::vector<Leak> found;
  scan_piece(part, {}, {}, &found);
  return !found.empty();
}

std::string LeakDetector::mask_text(std::string_view raw) const {
  struct Hit {
    size_t begin;
    size_t end;
    uint32_t tag;
  };
  std::vector<Hit> hits;
  auto collect = [&](uint32_t tag, size_t begin, size_t end) { hits.push_back({begin, end, tag}); };
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
  // Address forms first, over the whole path (a base64 digest may hold a '/'), then tokens per segment.
  const std::string literal = leaky ? mask_text(url.path) : url.path;
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
      if (looks_like_personal_token(percent_decode(stem))) {
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
    query += leaky ? mask_text(key) : std::string(key);
    std::string text = leaky ? mask_text(value) : std::string(value);
    if (text == value && !is_descriptive_key(percent_decode(key)) && looks_like_personal_token(percent_decode(value))) {
      text = "[token]";
    }
    if (!text.empty()) {
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
