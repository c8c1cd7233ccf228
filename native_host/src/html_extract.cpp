#include "html_extract.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "charset.h"
#include "text_util.h"

namespace mailveil {

namespace {

/// Open elements deeper than this are not tracked (their hidden state is that of the deepest tracked one).
constexpr size_t kMaxStack = 4096;
/// How far down the stack an end tag looks for its start tag; bounds the cost of floods of stray end tags.
constexpr size_t kMaxEndTagSearch = 256;
/// Attributes kept per tag (the rest are ignored).
constexpr size_t kMaxAttributes = 256;
/// Raw anchor text collected per link before decoding.
constexpr size_t kMaxRawLinkText = 4096;
/// Anchor text length in code points.
constexpr size_t kMaxLinkTextChars = 200;

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// HTML's "ASCII whitespace" plus the other bytes that end a tag name or attribute.
bool is_html_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/// Keeps only URLs the browser would fetch or follow over the web: http(s), protocol-relative and relative
/// ones. Tabs and newlines are removed and the ends trimmed, as the URL parser does.
std::optional<std::string> filter_url(std::string_view raw) {
  size_t b = 0;
  size_t e = raw.size();
  while (b < e && static_cast<unsigned char>(raw[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(raw[e - 1]) <= 0x20) --e;
  std::string s;
  s.reserve(e - b);
  for (size_t i = b; i < e; ++i) {
    const char c = raw[i];
    if (c != '\t' && c != '\n' && c != '\r') s.push_back(c);
  }
  if (s.empty() || s[0] == '#') return std::nullopt;
  if (is_alpha(s[0])) {
    size_t j = 1;
    while (j < s.size() && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '+' || s[j] == '-' || s[j] == '.')) ++j;
    if (j < s.size() && s[j] == ':') {
      const std::string_view scheme = std::string_view(s).substr(0, j);
      if (!iequals(scheme, "http") && !iequals(scheme, "https")) return std::nullopt;
    }
  }
  if (!is_valid_utf8(s)) s = repair_utf8(s);
  return s;
}

/// Parses a CSS length in px ("1px", "1", "0", "1.5px", "12pt"); -1 when unknown (auto, %, em...).
int parse_css_px(std::string_view v) {
  v = trim(v);
  if (v.empty()) return -1;
  const std::string s(v);
  char* end = nullptr;
  const double num = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(num) || num < 0) return -1;
  const std::string unit = ascii_lower(trim(std::string_view(end)));
  if (num == 0) return 0;
  if (num > 1e6) return -1;
  // A fractional but non-zero length still paints at least one pixel.
  if (unit.empty() || unit == "px") return std::max(1, static_cast<int>(num));
  if (unit == "pt") return std::max(1, static_cast<int>(num * 4.0 / 3.0));
  return -1;
}

/// The HTML "rules for parsing dimension values" for width=/height= attributes: leading digits count,
/// trailing "px" or junk is ignored, a percentage is unknown.
int parse_dimension_attr(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && is_html_space(v[i])) ++i;
  const size_t start = i;
  long long value = 0;
  while (i < v.size() && is_digit(v[i])) {
    value = value * 10 + (v[i] - '0');
    if (value > 1000000) return -1;
    ++i;
  }
  if (i == start) return -1;
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && is_digit(v[i])) ++i;
  }
  if (i < v.size() && v[i] == '%') return -1;
  return static_cast<int>(value);
}

/// What an inline style says about an element's box and visibility.
struct StyleInfo {
  int width = -1;
  int height = -1;
  int max_width = -1;
  int max_height = -1;
  bool display_none = false;
  bool visibility_hidden = false;
  bool opacity_zero = false;
  bool overflow_hidden = false;
};

std::string strip_css_comments(std::string_view css) {
  std::string out;
  out.reserve(css.size());
  size_t i = 0;
  while (i < css.size()) {
    if (css[i] == '/' && i + 1 < css.size() && css[i + 1] == '*') {
      const size_t end = css.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 2;
      out.push_back(' ');
      continue;
    }
    out.push_back(css[i]);
    ++i;
  }
  return out;
}

StyleInfo parse_style(std::string_view style_in) {
  StyleInfo info;
  const std::string style = strip_css_comments(style_in);
  const std::string_view css = style;
  size_t i = 0;
  while (i < css.size()) {
    // One declaration up to ';' outside quotes and parentheses.
    const size_t start = i;
    char quote = 0;
    int parens = 0;
    while (i < css.size()) {
      const char c = css[i];
      if (quote) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '(') {
        ++parens;
      } else if (c == ')' && parens > 0) {
        --parens;
      } else if (c == ';' && parens == 0) {
        break;
      }
      ++i;
    }
    const std::string_view decl = css.substr(start, std::min(i, css.size()) - start);
    ++i;
    const size_t colon = decl.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string prop = ascii_lower(trim(decl.substr(0, colon)));
    std::string value = ascii_lower(trim(decl.substr(colon + 1)));
    const size_t important = value.find("!important");
    if (important != std::string::npos) value = std::string(trim(std::string_view(value).substr(0, important)));
    if (prop == "display") {
      info.display_none = value == "none";
    } else if (prop == "visibility") {
      info.visibility_hidden = value == "hidden" || value == "collapse";
    } else if (prop == "opacity") {
      const char* p = value.c_str();
      char* end = nullptr;
      const double o = std::strtod(p, &end);
      info.opacity_zero = end != p && std::isfinite(o) && o <= 0;
    } else if (prop == "width") {
      info.width = parse_css_px(value);
    } else if (prop == "height") {
      info.height = parse_css_px(value);
    } else if (prop == "max-width") {
      info.max_width = parse_css_px(value);
    } else if (prop == "max-height") {
      info.max_height = parse_css_px(value);
    } else if (prop == "overflow" || prop == "overflow-x" || prop == "overflow-y") {
      if (value.find("hidden") != std::string::npos || value.find("clip") != std::string::npos) {
        info.overflow_hidden = true;
      }
    }
  }
  return info;
}

/// Reads a CSS escape at css[i] == '\\'; appends the character and returns the index after it.
size_t read_css_escape(std::string_view css, size_t i, std::string* out) {
  ++i;  // backslash
  if (i >= css.size()) return i;
  if (hex_value(css[i]) >= 0) {
    uint32_t cp = 0;
    size_t k = 0;
    while (i < css.size() && k < 6 && hex_value(css[i]) >= 0) {
      cp = cp * 16 + static_cast<uint32_t>(hex_value(css[i]));
      ++i;
      ++k;
    }
    if (i < css.size() && is_html_space(css[i])) {
      if (css[i] == '\r' && i + 1 < css.size() && css[i + 1] == '\n') ++i;
      ++i;
    }
    append_utf8(out, cp == 0 ? 0xFFFD : cp);
    return i;
  }
  if (css[i] == '\n' || css[i] == '\r' || css[i] == '\f') return i + 1;  // line continuation
  out->push_back(css[i]);
  return i + 1;
}

/// Reads a CSS string starting at the quote css[i]; returns the index after the closing quote.
size_t read_css_string(std::string_view css, size_t i, std::string* out) {
  const char quote = css[i++];
  while (i < css.size()) {
    const char c = css[i];
    if (c == quote) return i + 1;
    if (c == '\n') return i;  // unterminated string ends at the line end
    if (c == '\\') {
      i = read_css_escape(css, i, out);
      continue;
    }
    out->push_back(c);
    ++i;
  }
  return i;
}

bool is_ident_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '_';
}

/// Finds url(...) (and, in style sheets, @import "...") in CSS text; calls emit(url, is_import).
template <typename Emit>
void scan_css_urls(std::string_view css, bool stylesheet, Emit&& emit) {
  size_t i = 0;
  const size_t n = css.size();
  while (i < n) {
    const char c = css[i];
    if (c == '/' && i + 1 < n && css[i + 1] == '*') {
      const size_t end = css.find("*/", i + 2);
      i = end == std::string_view::npos ? n : end + 2;
      continue;
    }
    if (c == '"' || c == '\'') {
      std::string ignored;
      i = read_css_string(css, i, &ignored);
      continue;
    }
    if (stylesheet && c == '@' && istarts_with(css.substr(i), "@import")) {
      size_t j = i + 7;
      while (j < n && is_html_space(css[j])) ++j;
      if (j < n && (css[j] == '"' || css[j] == '\'')) {
        std::string url;
        i = read_css_string(css, j, &url);
        emit(url, true);
        continue;
      }
      if (istarts_with(css.substr(j), "url(")) {
        // Let the url( branch read it, flagged as an import.
        std::string url;
        size_t k = j + 4;
        while (k < n && is_html_space(css[k])) ++k;
        if (k < n && (css[k] == '"' || css[k] == '\'')) {
          k = read_css_string(css, k, &url);
          while (k < n && css[k] != ')') ++k;
        } else {
          while (k < n && css[k] != ')') {
            if (css[k] == '\\')
              k = read_css_escape(css, k, &url);
            else
              url.push_back(css[k++]);
          }
        }
        emit(std::string(trim(url)), true);
        i = k < n ? k + 1 : n;
        continue;
      }
      i = j;
      continue;
    }
    if ((c == 'u' || c == 'U') && i + 4 <= n && istarts_with(css.substr(i), "url(") &&
        (i == 0 || !is_ident_char(css[i - 1]))) {
      size_t k = i + 4;
      while (k < n && is_html_space(css[k])) ++k;
      std::string url;
      if (k < n && (css[k] == '"' || css[k] == '\'')) {
        k = read_css_string(css, k, &url);
        while (k < n && css[k] != ')') ++k;
      } else {
        while (k < n && css[k] != ')') {
          if (css[k] == '\\') {
            k = read_css_escape(css, k, &url);
          } else {
            url.push_back(css[k]);
            ++k;
          }
        }
      }
      emit(std::string(trim(url)), false);
      i = k < n ? k + 1 : n;
      continue;
    }
    ++i;
  }
}

/// Splits a srcset value into its candidate URLs (HTML's srcset parsing: a URL runs to whitespace, so commas
/// inside URLs survive; descriptors run to the next comma outside parentheses).
std::vector<std::string> parse_srcset(std::string_view s) {
  std::vector<std::string> urls;
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    while (i < n && (is_html_space(s[i]) || s[i] == ',')) ++i;
    if (i >= n) break;
    const size_t start = i;
    while (i < n && !is_html_space(s[i])) ++i;
    std::string_view url = s.substr(start, i - start);
    if (!url.empty() && url.back() == ',') {
      while (!url.empty() && url.back() == ',') url.remove_suffix(1);
    } else {
      int parens = 0;
      while (i < n) {
        const char c = s[i];
        if (c == '(')
          ++parens;
        else if (c == ')' && parens > 0)
          --parens;
        else if (c == ',' && parens == 0)
          break;
        ++i;
      }
    }
    if (!url.empty()) urls.emplace_back(url);
  }
  return urls;
}

/// A start tag's attributes: lower-cased names, raw values (entities decoded on access).
struct Attributes {
  struct Attr {
    std::string name;
    std::string_view raw;
    bool has_value = false;
  };
  std::vector<Attr> list;

  const Attr* find(std::string_view name) const {
    for (const auto& a : list) {
      if (a.name == name) return &a;
    }
    return nullptr;
  }
  bool has(std::string_view name) const { return find(name) != nullptr; }
  /// Decoded value, nullopt when the attribute is absent.
  std::optional<std::string> get(std::string_view name) const {
    const Attr* a = find(name);
    if (!a) return std::nullopt;
    return decode_html_entities(a->raw, true);
  }
};

bool is_void_element(std::string_view name) {
  static constexpr std::string_view kVoid[] = {"area",  "base",   "br",    "col",      "embed",   "hr",     "img",
                                               "input", "keygen", "link",  "meta",     "param",   "source", "track",
                                               "wbr",   "image",  "frame", "basefont", "bgsound", "isindex"};
  for (auto v : kVoid) {
    if (v == name) return true;
  }
  return false;
}

bool name_in(std::string_view name, std::initializer_list<std::string_view> set) {
  for (auto s : set) {
    if (s == name) return true;
  }
  return false;
}

class Extractor {
 public:
  Extractor(std::string_view html, size_t max_elements) : html_(html), max_elements_(max_elements) {}

  /// Elements found past max_elements (not kept).
  size_t skipped() const { return skipped_; }

  std::vector<Element> run() {
    const size_t n = html_.size();
    size_t i = 0;
    while (i < n) {
      const void* hit = std::memchr(html_.data() + i, '<', n - i);
      if (!hit) {
        text(html_.substr(i));
        break;
      }
      const size_t lt = static_cast<size_t>(static_cast<const char*>(hit) - html_.data());
      if (lt > i) text(html_.substr(i, lt - i));
      i = lt;
      if (html_.compare(i, 4, "<!--") == 0) {
        if (html_.compare(i + 4, 1, ">") == 0) {  // "<!-->"
          i += 5;
          continue;
        }
        if (html_.compare(i + 4, 2, "->") == 0) {  // "<!--->"
          i += 6;
          continue;
        }
        const size_t end = html_.find("-->", i + 4);
        i = end == std::string_view::npos ? n : end + 3;
        continue;
      }
      if (i + 1 < n && (html_[i + 1] == '!' || html_[i + 1] == '?')) {
        const size_t gt = html_.find('>', i + 2);
        i = gt == std::string_view::npos ? n : gt + 1;
        continue;
      }
      if (i + 1 < n && html_[i + 1] == '/') {
        i = end_tag(i);
        continue;
      }
      if (i + 1 < n && is_alpha(html_[i + 1])) {
        i = start_tag(i);
        continue;
      }
      text(html_.substr(i, 1));
      ++i;
    }
    finish_link();
    for (size_t k = 0; k < out_.size(); ++k) out_[k].ref = "e" + std::to_string(k);
    return std::move(out_);
  }

 private:
  struct Open {
    std::string name;
    bool hidden;  ///< this element or an ancestor hides its content
  };

  // ---- tokenizer ----------------------------------------------------------------------------------------

  /// Handles "</name ...>" at i; returns the index after it.
  size_t end_tag(size_t i) {
    const size_t n = html_.size();
    size_t j = i + 2;
    if (j < n && html_[j] == '>') return j + 1;  // "</>" is ignored
    if (j >= n || !is_alpha(html_[j])) {
      // Bogus comment.
      const size_t gt = html_.find('>', j);
      return gt == std::string_view::npos ? n : gt + 1;
    }
    const size_t name_start = j;
    while (j < n && !is_html_space(html_[j]) && html_[j] != '/' && html_[j] != '>') ++j;
    const std::string name = ascii_lower(html_.substr(name_start, j - name_start));
    const size_t gt = html_.find('>', j);
    close_element(name);
    return gt == std::string_view::npos ? n : gt + 1;
  }

  /// Parses "<name attrs...>" at i, handles it, and skips raw-text content; returns the index after it.
  size_t start_tag(size_t i) {
    const size_t n = html_.size();
    size_t j = i + 1;
    const size_t name_start = j;
    while (j < n && !is_html_space(html_[j]) && html_[j] != '/' && html_[j] != '>') ++j;
    const std::string name = ascii_lower(html_.substr(name_start, j - name_start));
    Attributes attrs;
    bool complete = false;
    while (j < n) {
      while (j < n && (is_html_space(html_[j]) || html_[j] == '/')) ++j;
      if (j >= n) break;
      if (html_[j] == '>') {
        ++j;
        complete = true;
        break;
      }
      const size_t an_start = j;
      ++j;  // the first character may be '=' (then it is part of the name)
      while (j < n && !is_html_space(html_[j]) && html_[j] != '/' && html_[j] != '>' && html_[j] != '=') ++j;
      const std::string_view attr_name = html_.substr(an_start, j - an_start);
      size_t k = j;
      while (k < n && is_html_space(html_[k])) ++k;
      std::string_view value;
      bool has_value = false;
      if (k < n && html_[k] == '=') {
        ++k;
        while (k < n && is_html_space(html_[k])) ++k;
        has_value = true;
        if (k < n && (html_[k] == '"' || html_[k] == '\'')) {
          const char q = html_[k];
          const size_t close = html_.find(q, k + 1);
          if (close == std::string_view::npos) {
            j = n;
            break;  // EOF inside a quoted value: the tag is dropped, as browsers do
          }
          value = html_.substr(k + 1, close - k - 1);
          j = close + 1;
        } else {
          const size_t vs = k;
          while (k < n && !is_html_space(html_[k]) && html_[k] != '>') ++k;
          value = html_.substr(vs, k - vs);
          j = k;
        }
      }
      if (attrs.list.size() < kMaxAttributes) {
        std::string lname = ascii_lower(attr_name);
        if (!attrs.has(lname)) attrs.list.push_back({std::move(lname), value, has_value});
      }
    }
    if (!complete) return n;  // EOF inside the tag
    open_element(name, attrs);
    return skip_raw_text(name, j);
  }

  /// After the start tag of a raw-text element, skips (or scans) its content up to the matching end tag.
  size_t skip_raw_text(const std::string& name, size_t i) {
    if (!name_in(name, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"})) {
      return i;
    }
    const size_t n = html_.size();
    if (name == "plaintext") return n;
    const std::string closing = "</" + name;
    size_t at = i;
    size_t content_end = n;
    size_t after = n;
    while ((at = ifind(html_, closing, at)) != std::string_view::npos) {
      const size_t k = at + closing.size();
      if (k >= n || is_html_space(html_[k]) || html_[k] == '/' || html_[k] == '>') {
        content_end = at;
        const size_t gt = html_.find('>', k);
        after = gt == std::string_view::npos ? n : gt + 1;
        break;
      }
      at = k;
    }
    if (name == "style") {
      // Style sheets apply wherever they sit, so their URLs are fetched even inside hidden elements.
      scan_css_urls(html_.substr(i, content_end - i), true, [&](const std::string& url, bool import) {
        emit(import ? ElementKind::kOther : ElementKind::kCssBackground, url, Size{}, true);
      });
    } else if (name == "title" || name == "textarea") {
      text(html_.substr(i, content_end - i));
    }
    close_element(name);
    return after;
  }

  // ---- tree ---------------------------------------------------------------------------------------------

  bool ancestor_hidden() const { return !stack_.empty() && stack_.back().hidden; }

  /// Pops the stack down to `size` elements, ending a link whose <a> is popped.
  void pop_to(size_t size) {
    if (link_index_ >= 0 && link_stack_pos_ != SIZE_MAX && link_stack_pos_ >= size) finish_link();
    if (stack_.size() > size) stack_.resize(size);
  }

  /// Index of the nearest open `names` element above any `boundaries` element, or npos.
  size_t find_open(std::initializer_list<std::string_view> names,
                   std::initializer_list<std::string_view> boundaries) const {
    const size_t limit = std::min(stack_.size(), kMaxEndTagSearch);
    for (size_t d = 0; d < limit; ++d) {
      const size_t idx = stack_.size() - 1 - d;
      const std::string& nm = stack_[idx].name;
      if (name_in(nm, names)) return idx;
      if (name_in(nm, boundaries)) return std::string::npos;
    }
    return std::string::npos;
  }

  /// Closes elements that the new start tag ends implicitly (unclosed <p>, <li>, <td>, <tr>, <option>).
  void implied_end(const std::string& name) {
    size_t idx = std::string::npos;
    if (name == "td" || name == "th") {
      idx = find_open({"td", "th"}, {"table", "html"});
    } else if (name == "tr") {
      idx = find_open({"tr"}, {"table", "html"});
      if (idx == std::string::npos) idx = find_open({"td", "th"}, {"table", "html"});
    } else if (name == "li") {
      idx = find_open({"li"}, {"ul", "ol", "html", "table"});
    } else if (name == "option") {
      idx = find_open({"option"}, {"select", "html"});
    } else if (name == "dt" || name == "dd") {
      idx = find_open({"dt", "dd"}, {"dl", "html"});
    } else if (name_in(name, {"p",  "div",     "table",    "ul",      "ol",     "h1",         "h2",
                              "h3", "h4",      "h5",       "h6",      "center", "blockquote", "form",
                              "hr", "pre",     "section",  "article", "header", "footer",     "nav",
                              "dl", "address", "fieldset", "figure",  "main",   "menu"})) {
      idx = find_open({"p"}, {"html", "table", "td", "th", "caption", "object", "button", "marquee", "template"});
    }
    if (name == "a" && link_index_ >= 0) {
      // A new <a> ends the previous one (nested links are not allowed).
      const size_t a = find_open({"a"}, {});
      if (a != std::string::npos)
        idx = (idx == std::string::npos) ? a : std::min(idx, a);
      else
        finish_link();
    }
    if (idx != std::string::npos) pop_to(idx);
  }

  void close_element(const std::string& name) {
    if (name == "a" && link_index_ >= 0 && link_stack_pos_ == SIZE_MAX) finish_link();
    const size_t limit = std::min(stack_.size(), kMaxEndTagSearch);
    for (size_t d = 0; d < limit; ++d) {
      const size_t idx = stack_.size() - 1 - d;
      if (stack_[idx].name == name) {
        pop_to(idx);
        return;
      }
    }
    // No matching start tag: ignored, as browsers do.
  }

  // ---- elements -----------------------------------------------------------------------------------------

  int emit(ElementKind kind, std::string_view raw_url, Size declared, bool visible) {
    auto url = filter_url(raw_url);
    if (!url) return -1;
    if (out_.size() >= max_elements_) {
      ++skipped_;
      return -1;
    }
    Element e;
    e.kind = kind;
    e.url = std::move(*url);
    e.declared = declared;
    e.visible = visible;
    out_.push_back(std::move(e));
    return static_cast<int>(out_.size() - 1);
  }

  void open_element(const std::string& name, const Attributes& attrs) {
    implied_end(name);
    const bool parent_hidden = ancestor_hidden();

    StyleInfo st;
    const std::optional<std::string> style = attrs.get("style");
    if (style) st = parse_style(*style);
    if (attrs.has("hidden")) st.display_none = true;

    // Declared size: attributes, overridden by inline CSS, capped by max-width/max-height.
    Size declared;
    if (auto w = attrs.get("width")) declared.width = parse_dimension_attr(*w);
    if (auto h = attrs.get("height")) declared.height = parse_dimension_attr(*h);
    if (st.width >= 0) declared.width = st.width;
    if (st.height >= 0) declared.height = st.height;
    if (st.max_width >= 0 && (declared.width < 0 || declared.width > st.max_width)) declared.width = st.max_width;
    if (st.max_height >= 0 && (declared.height < 0 || declared.height > st.max_height)) {
      declared.height = st.max_height;
    }

    const bool collapsed =
        st.overflow_hidden && (st.max_height == 0 || st.height == 0 || st.max_width == 0 || st.width == 0);
    const bool hides_content = st.display_none || st.visibility_hidden || st.opacity_zero || collapsed;
    const bool visible = !(parent_hidden || hides_content || st.width == 0 || st.height == 0);

    auto emit_attr = [&](ElementKind kind, std::string_view attr) {
      if (auto v = attrs.get(attr)) return emit(kind, *v, declared, visible);
      return -1;
    };
    auto emit_srcset = [&](std::string_view attr) {
      if (auto v = attrs.get(attr)) {
        for (const auto& u : parse_srcset(*v)) emit(ElementKind::kSrcset, u, declared, visible);
      }
    };

    if (name == "img" || name == "image") {
      emit_attr(ElementKind::kImg, "src");
      if (name == "image" && !attrs.has("src")) {
        if (emit_attr(ElementKind::kImg, "href") < 0) emit_attr(ElementKind::kImg, "xlink:href");
      }
      emit_srcset("srcset");
    } else if (name == "source") {
      emit_srcset("srcset");
      const size_t media = find_open({"video", "audio", "picture"}, {});
      ElementKind kind = ElementKind::kOther;
      if (media != std::string::npos) {
        if (stack_[media].name == "video")
          kind = ElementKind::kVideo;
        else if (stack_[media].name == "audio")
          kind = ElementKind::kAudio;
      }
      emit_attr(kind, "src");
    } else if (name == "a") {
      const int idx = emit_attr(ElementKind::kLink, "href");
      if (idx >= 0) {
        link_index_ = idx;
        link_raw_.clear();
        link_stack_pos_ = stack_.size() < kMaxStack ? stack_.size() : SIZE_MAX;
      }
    } else if (name == "area") {
      const int idx = emit_attr(ElementKind::kLink, "href");
      if (idx >= 0) {
        if (auto alt = attrs.get("alt")) out_[static_cast<size_t>(idx)].text = collapse_text(*alt);
      }
    } else if (name == "iframe" || name == "frame") {
      emit_attr(ElementKind::kIframe, "src");
    } else if (name == "video") {
      emit_attr(ElementKind::kVideo, "src");
      emit_attr(ElementKind::kVideo, "poster");
    } else if (name == "audio") {
      emit_attr(ElementKind::kAudio, "src");
    } else if (name == "embed") {
      emit_attr(ElementKind::kEmbed, "src");
    } else if (name == "object") {
      emit_attr(ElementKind::kObject, "data");
    } else if (name == "form") {
      emit_attr(ElementKind::kForm, "action");
    } else if (name == "input") {
      const auto type = attrs.get("type");
      if (type && iequals(trim(*type), "image")) emit_attr(ElementKind::kInputImage, "src");
    } else if (name == "link") {
      const auto rel = attrs.get("rel");
      if (rel && ifind(*rel, "stylesheet") != std::string::npos) emit_attr(ElementKind::kOther, "href");
    }
    if (name_in(name, {"body", "table", "td", "th", "tr"})) emit_attr(ElementKind::kBackgroundAttr, "background");
    if (style) {
      scan_css_urls(*style, false,
                    [&](const std::string& url, bool) { emit(ElementKind::kCssBackground, url, declared, visible); });
    }

    if (!is_void_element(name) && stack_.size() < kMaxStack) {
      stack_.push_back({name, parent_hidden || hides_content});
    }
  }

  void text(std::string_view t) {
    if (link_index_ < 0 || link_raw_.size() >= kMaxRawLinkText) return;
    link_raw_.append(t.substr(0, kMaxRawLinkText - link_raw_.size()));
  }

  /// Decodes, collapses whitespace (ASCII and U+00A0, like JS \s) and caps at kMaxLinkTextChars code points.
  static std::string collapse_text(std::string_view raw) {
    std::string decoded = decode_html_entities(raw, false);
    if (!is_valid_utf8(decoded)) decoded = repair_utf8(decoded);
    std::string out;
    out.reserve(decoded.size());
    bool pending_space = false;
    size_t chars = 0;
    for (size_t i = 0; i < decoded.size() && chars < kMaxLinkTextChars;) {
      const unsigned char c = static_cast<unsigned char>(decoded[i]);
      const bool nbsp = c == 0xC2 && i + 1 < decoded.size() && static_cast<unsigned char>(decoded[i + 1]) == 0xA0;
      if (is_ascii_space(static_cast<char>(c)) || nbsp) {
        pending_space = true;
        i += nbsp ? 2 : 1;
        continue;
      }
      if (pending_space && !out.empty()) {
        out.push_back(' ');
        ++chars;
        if (chars >= kMaxLinkTextChars) break;
      }
      pending_space = false;
      size_t len = 1;
      if (c >= 0xF0)
        len = 4;
      else if (c >= 0xE0)
        len = 3;
      else if (c >= 0xC0)
        len = 2;
      out.append(decoded, i, len);
      i += len;
      ++chars;
    }
    return out;
  }

  void finish_link() {
    if (link_index_ < 0) return;
    out_[static_cast<size_t>(link_index_)].text = collapse_text(link_raw_);
    link_index_ = -1;
    link_stack_pos_ = SIZE_MAX;
    link_raw_.clear();
  }

  std::string_view html_;
  size_t max_elements_;
  size_t skipped_ = 0;
  std::vector<Element> out_;
  std::vector<Open> stack_;
  int link_index_ = -1;               ///< element index of the open <a>, or -1
  size_t link_stack_pos_ = SIZE_MAX;  ///< its stack index (SIZE_MAX when not on the stack)
  std::string link_raw_;
};

}  // namespace

std::vector<Element> extract_elements(std::string_view html, size_t max_elements, size_t* skipped) {
  if (skipped) *skipped = 0;
  try {
    Extractor ex(html, max_elements);
    std::vector<Element> out = ex.run();
    if (skipped) *skipped = ex.skipped();
    return out;
  } catch (...) {
    // Allocation failure only; nothing sensible to return.
    return {};
  }
}

}  // namespace mailveil
