#include "css.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "text_util.h"

namespace mailveil::css {
namespace {

constexpr size_t kMaxContextText = 200;

bool is_newline(char c) {
  return c == '\n' || c == '\r' || c == '\f';
}
bool is_whitespace(char c) {
  return c == ' ' || c == '\t' || is_newline(c);
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c) || c == '-';
}
bool is_non_printable(char c) {
  const unsigned char b = static_cast<unsigned char>(c);
  return b <= 0x08 || b == 0x0B || (b >= 0x0E && b <= 0x1F) || b == 0x7F;
}

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view s) : s_(s), n_(s.size()) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    out.reserve(n_ / 4 + 1);
    while (next_token(&out.emplace_back())) {
    }
    out.pop_back();  // the token the end of input did not fill
    return out;
  }

  /// The next token into a fresh `t`; false at the end.
  bool next_token(Token* t) {
    skip_comments();
    if (p_ >= n_) return false;
    t->begin = p_;
    next(t);
    t->end = p_;
    return true;
  }

 private:
  char at(size_t i) const { return i < n_ ? s_[i] : '\0'; }
  bool eof(size_t i) const { return i >= n_; }

  void skip_comments() {
    while (p_ + 1 < n_ && s_[p_] == '/' && s_[p_ + 1] == '*') {
      const size_t end = s_.find("*/", p_ + 2);
      p_ = end == std::string_view::npos ? n_ : end + 2;
    }
  }

  /// Two code points at i start a valid escape: a backslash not followed by a newline.
  bool valid_escape(size_t i) const { return !eof(i) && s_[i] == '\\' && !(eof(i + 1) || is_newline(s_[i + 1])); }

  /// Three code points at i start an ident sequence.
  bool starts_ident(size_t i) const {
    if (eof(i)) return false;
    const char c = s_[i];
    if (c == '-') return (!eof(i + 1) && (is_ident_start(s_[i + 1]) || s_[i + 1] == '-')) || valid_escape(i + 1);
    if (is_ident_start(c)) return true;
    return valid_escape(i);
  }

  bool starts_number(size_t i) const {
    const char c = at(i);
    if (c == '+' || c == '-') {
      if (is_digit(at(i + 1))) return true;
      return at(i + 1) == '.' && is_digit(at(i + 2));
    }
    if (c == '.') return is_digit(at(i + 1));
    return is_digit(c);
  }

  /// Consumes an escape (p_ is just after the backslash) and appends the code point.
  void consume_escape(std::string* out) {
    if (eof(p_)) {
      append_utf8(out, 0xFFFD);
      return;
    }
    if (hex_value(s_[p_]) >= 0) {
      uint32_t cp = 0;
      for (int k = 0; k < 6 && !eof(p_) && hex_value(s_[p_]) >= 0; ++k, ++p_) {
        cp = cp * 16 + static_cast<uint32_t>(hex_value(s_[p_]));
      }
      if (!eof(p_) && is_whitespace(s_[p_])) {
        if (s_[p_] == '\r' && at(p_ + 1) == '\n') ++p_;
        ++p_;
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
      append_utf8(out, cp);
      return;
    }
    out->push_back(s_[p_++]);  // any other code point (a UTF-8 sequence continues byte by byte)
  }

  std::string consume_ident_sequence() {
    std::string out;
    while (!eof(p_)) {
      if (is_ident_char(s_[p_])) {
        const size_t run = p_;
        while (!eof(p_) && is_ident_char(s_[p_])) ++p_;
        out.append(s_.data() + run, p_ - run);
      } else if (valid_escape(p_)) {
        ++p_;
        consume_escape(&out);
      } else {
        break;
      }
    }
    return out;
  }

  void consume_string(char quote, Token* t) {
    t->type = TokenType::kString;
    while (!eof(p_)) {
      const char c = s_[p_];
      if (c == quote) {
        ++p_;
        return;
      }
      if (is_newline(c)) {
        t->type = TokenType::kBadString;  // the newline is not consumed
        return;
      }
      if (c == '\\') {
        if (eof(p_ + 1)) {
          ++p_;
          continue;
        }
        if (is_newline(s_[p_ + 1])) {
          p_ += (s_[p_ + 1] == '\r' && at(p_ + 2) == '\n') ? 3 : 2;
          continue;
        }
        ++p_;
        consume_escape(&t->value);
        continue;
      }
      t->value.push_back(c);
      ++p_;
    }
  }

  void consume_bad_url_remnants() {
    while (!eof(p_)) {
      if (s_[p_] == ')') {
        ++p_;
        return;
      }
      if (valid_escape(p_)) {
        ++p_;
        std::string ignored;
        consume_escape(&ignored);
        continue;
      }
      ++p_;
    }
  }

  void consume_url(Token* t) {
    t->type = TokenType::kUrl;
    while (!eof(p_) && is_whitespace(s_[p_])) ++p_;
    while (true) {
      if (eof(p_)) return;
      const char c = s_[p_];
      if (c == ')') {
        ++p_;
        return;
      }
      if (is_whitespace(c)) {
        while (!eof(p_) && is_whitespace(s_[p_])) ++p_;
        if (eof(p_)) return;
        if (s_[p_] == ')') {
          ++p_;
          return;
        }
        consume_bad_url_remnants();
        t->type = TokenType::kBadUrl;
        t->value.clear();
        return;
      }
      if (c == '"' || c == '\'' || c == '(' || is_non_printable(c)) {
        consume_bad_url_remnants();
        t->type = TokenType::kBadUrl;
        t->value.clear();
        return;
      }
      if (c == '\\') {
        if (valid_escape(p_)) {
          ++p_;
          consume_escape(&t->value);
          continue;
        }
        consume_bad_url_remnants();
        t->type = TokenType::kBadUrl;
        t->value.clear();
        return;
      }
      t->value.push_back(c);
      ++p_;
    }
  }

  void consume_ident_like(Token* t) {
    std::string name = consume_ident_sequence();
    if (iequals(name, "url") && at(p_) == '(') {
      ++p_;
      size_t q = p_;
      while (!eof(q) && is_whitespace(s_[q])) ++q;
      if (!eof(q) && (s_[q] == '"' || s_[q] == '\'')) {
        // url("...") is a function token followed by a string token; keep one whitespace for the tokenizer.
        if (q > p_) p_ = q - 1;
        t->type = TokenType::kFunction;
        t->value = std::move(name);
        return;
      }
      consume_url(t);
      return;
    }
    if (at(p_) == '(') {
      ++p_;
      t->type = TokenType::kFunction;
      t->value = std::move(name);
      return;
    }
    t->type = TokenType::kIdent;
    t->value = std::move(name);
  }

  void consume_numeric(Token* t) {
    const size_t start = p_;
    if (at(p_) == '+' || at(p_) == '-') ++p_;
    while (is_digit(at(p_))) ++p_;
    if (at(p_) == '.' && is_digit(at(p_ + 1))) {
      p_ += 2;
      while (is_digit(at(p_))) ++p_;
    }
    if ((at(p_) == 'e' || at(p_) == 'E') &&
        (is_digit(at(p_ + 1)) || ((at(p_ + 1) == '+' || at(p_ + 1) == '-') && is_digit(at(p_ + 2))))) {
      p_ += 2;
      while (is_digit(at(p_))) ++p_;
    }
    // from_chars reads the same grammar as strtod, less a leading '+', and rounds the same; it leaves out of range
    // values (beyond a double's range, or so small that they round to zero) to strtod.
    const char* first = s_.data() + start + (s_[start] == '+' ? 1 : 0);
    if (std::from_chars(first, s_.data() + p_, t->number).ec != std::errc()) {
      t->number = std::strtod(std::string(s_.substr(start, p_ - start)).c_str(), nullptr);
    }
    if (!std::isfinite(t->number)) t->number = 0;
    if (starts_ident(p_)) {
      t->type = TokenType::kDimension;
      t->unit = consume_ident_sequence();
    } else if (at(p_) == '%') {
      ++p_;
      t->type = TokenType::kPercentage;
    } else {
      t->type = TokenType::kNumber;
    }
  }

  void next(Token* t) {
    const char c = s_[p_];
    if (is_whitespace(c)) {
      while (!eof(p_) && is_whitespace(s_[p_])) ++p_;
      t->type = TokenType::kWhitespace;
      return;
    }
    if (c == '"' || c == '\'') {
      ++p_;
      consume_string(c, t);
      return;
    }
    if (c == '#') {
      if (!eof(p_ + 1) && (is_ident_char(s_[p_ + 1]) || valid_escape(p_ + 1))) {
        ++p_;
        t->type = TokenType::kHash;
        t->value = consume_ident_sequence();
        return;
      }
    } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == ',' || c == ':' ||
               c == ';') {
      ++p_;
      switch (c) {
        case '(': t->type = TokenType::kOpenParen; break;
        case ')': t->type = TokenType::kCloseParen; break;
        case '[': t->type = TokenType::kOpenSquare; break;
        case ']': t->type = TokenType::kCloseSquare; break;
        case '{': t->type = TokenType::kOpenCurly; break;
        case '}': t->type = TokenType::kCloseCurly; break;
        case ',': t->type = TokenType::kComma; break;
        case ':': t->type = TokenType::kColon; break;
        default: t->type = TokenType::kSemicolon; break;
      }
      return;
    } else if (c == '+' || c == '.') {
      if (starts_number(p_)) return consume_numeric(t);
    } else if (c == '-') {
      if (starts_number(p_)) return consume_numeric(t);
      if (at(p_ + 1) == '-' && at(p_ + 2) == '>') {
        p_ += 3;
        t->type = TokenType::kCdc;
        return;
      }
      if (starts_ident(p_)) return consume_ident_like(t);
    } else if (c == '<') {
      if (at(p_ + 1) == '!' && at(p_ + 2) == '-' && at(p_ + 3) == '-') {
        p_ += 4;
        t->type = TokenType::kCdo;
        return;
      }
    } else if (c == '@') {
      if (starts_ident(p_ + 1)) {
        ++p_;
        t->type = TokenType::kAtKeyword;
        t->value = consume_ident_sequence();
        return;
      }
    } else if (c == '\\') {
      if (valid_escape(p_)) return consume_ident_like(t);
    } else if (is_digit(c)) {
      return consume_numeric(t);
    } else if (is_ident_start(c)) {
      return consume_ident_like(t);
    }
    ++p_;
    t->type = TokenType::kDelim;
    t->value.assign(1, c);
  }

  std::string_view s_;
  size_t n_;
  size_t p_ = 0;
};

bool closes(TokenType open, TokenType close) {
  return (open == TokenType::kOpenParen && close == TokenType::kCloseParen) ||
         (open == TokenType::kFunction && close == TokenType::kCloseParen) ||
         (open == TokenType::kOpenSquare && close == TokenType::kCloseSquare) ||
         (open == TokenType::kOpenCurly && close == TokenType::kCloseCurly);
}

bool opens(TokenType t) {
  return t == TokenType::kOpenParen || t == TokenType::kFunction || t == TokenType::kOpenSquare ||
         t == TokenType::kOpenCurly;
}

std::string context_text(std::string_view css, size_t begin, size_t end) {
  std::string_view text = trim(css.substr(begin, end - begin));
  std::string out;
  bool space = false;
  for (char c : text) {
    if (is_whitespace(c)) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() >= kMaxContextText) break;
  }
  return out;
}

}  // namespace

std::vector<Token> tokenize(std::string_view css) {
  return Tokenizer(css).run();
}

std::vector<Declaration> parse_declarations(std::string_view css) {
  return parse_declarations(tokenize(css));
}

std::vector<Declaration> parse_declarations(const std::vector<Token>& tokens) {
  std::vector<Declaration> out;
  size_t i = 0;
  while (i < tokens.size()) {
    // One declaration: up to a ';' outside blocks.
    size_t end = i;
    std::vector<TokenType> stack;
    while (end < tokens.size()) {
      const TokenType t = tokens[end].type;
      if (stack.empty() && t == TokenType::kSemicolon) break;
      if (opens(t)) {
        stack.push_back(t);
      } else if (!stack.empty() && closes(stack.back(), t)) {
        stack.pop_back();
      }
      ++end;
    }
    size_t k = i;
    while (k < end && tokens[k].type == TokenType::kWhitespace) ++k;
    if (k < end && tokens[k].type == TokenType::kIdent) {
      Declaration d;
      d.name = ascii_lower(tokens[k].value);
      ++k;
      while (k < end && tokens[k].type == TokenType::kWhitespace) ++k;
      if (k < end && tokens[k].type == TokenType::kColon) {
        ++k;
        size_t b = k;
        size_t e = end;
        while (b < e && tokens[b].type == TokenType::kWhitespace) ++b;
        while (e > b && tokens[e - 1].type == TokenType::kWhitespace) --e;
        // "! important" at the end.
        if (e > b && tokens[e - 1].type == TokenType::kIdent && iequals(tokens[e - 1].value, "important")) {
          size_t bang = e - 1;
          while (bang > b && tokens[bang - 1].type == TokenType::kWhitespace) --bang;
          if (bang > b && tokens[bang - 1].type == TokenType::kDelim && tokens[bang - 1].value == "!") {
            d.important = true;
            e = bang - 1;
            while (e > b && tokens[e - 1].type == TokenType::kWhitespace) --e;
          }
        }
        d.value.assign(tokens.begin() + static_cast<std::ptrdiff_t>(b),
                       tokens.begin() + static_cast<std::ptrdiff_t>(e));
        out.push_back(std::move(d));
      }
    }
    i = end + 1;
  }
  return out;
}

namespace {

/// find_urls over a stream of tokens: a style sheet is tokenized as it is read, never held whole as tokens (a
/// 20 KB sheet is some 5,000 of them).
class UrlFinder {
 public:
  UrlFinder(std::string_view css, bool stylesheet) : css_(css), stylesheet_(stylesheet) {}

  void feed(const Token& t) {
    handle(t);
    note_prelude(t);
  }

  std::vector<UrlRef> take() { return std::move(out_); }

 private:
  void handle(const Token& t) {
    const bool import = after_import_;
    if (t.type != TokenType::kWhitespace) after_import_ = false;
    if (url_function_) {
      // url( followed by blanks and a string: the string is the URL; the ')' then closes the function.
      if (t.type == TokenType::kWhitespace) return;
      url_function_ = false;
      if (t.type == TokenType::kString) {
        emit(t.value, url_import_, false);
        return;
      }
    }
    switch (t.type) {
      case TokenType::kUrl: emit(t.value, import, false); break;
      case TokenType::kString:
        if (import) {
          emit(t.value, true, false);
        } else if (!stack_.empty() && stack_.back().image_set) {
          emit(t.value, false, true);
        }
        break;
      case TokenType::kFunction: {
        Open o(TokenType::kFunction);
        if (iequals(t.value, "url")) {
          url_function_ = true;
          url_import_ = import;
        } else if (iequals(t.value, "image-set") || iequals(t.value, "-webkit-image-set")) {
          o.image_set = true;
        }
        stack_.push_back(std::move(o));
        break;
      }
      case TokenType::kAtKeyword: after_import_ = stylesheet_ && iequals(t.value, "import"); break;
      case TokenType::kOpenParen:
      case TokenType::kOpenSquare: stack_.emplace_back(t.type); break;
      case TokenType::kOpenCurly: {
        Open o(TokenType::kOpenCurly);
        if (stylesheet_ && prelude_first_ != kNone) {
          if (prelude_at_keyword_) {
            o.is_media = prelude_media_;
            if (o.is_media && prelude_second_ != kNone) o.context = context_text(css_, prelude_second_, t.begin);
          } else {
            o.context = context_text(css_, prelude_first_, t.begin);
          }
        }
        stack_.push_back(std::move(o));
        start_prelude();
        break;
      }
      case TokenType::kCloseParen:
      case TokenType::kCloseSquare:
      case TokenType::kCloseCurly:
        // Pop to the matching opener (unbalanced closers are ignored).
        for (size_t k = stack_.size(); k-- > 0;) {
          if (closes(stack_[k].type, t.type)) {
            stack_.erase(stack_.begin() + static_cast<std::ptrdiff_t>(k), stack_.end());
            break;
          }
          if (t.type != TokenType::kCloseCurly) break;
        }
        if (t.type == TokenType::kCloseCurly) start_prelude();
        break;
      case TokenType::kSemicolon:
        if (stack_.empty() || stack_.back().type == TokenType::kOpenCurly) start_prelude();
        break;
      default: break;
    }
  }

  static constexpr size_t kNone = static_cast<size_t>(-1);
  /// Blocks open at this point: function and bracket tokens; for '{' blocks, the at-rule or rule they belong to.
  struct Open {
    explicit Open(TokenType t) : type(t) {}
    TokenType type;
    bool image_set = false;
    bool is_media = false;
    std::string context;  ///< @media condition or rule selector
  };

  /// The current rule's prelude starts after this token.
  void start_prelude() {
    prelude_first_ = kNone;
    prelude_second_ = kNone;
    prelude_at_keyword_ = false;
    prelude_media_ = false;
    skip_next_ = true;
  }
  /// Remembers where the prelude's first significant token (not blank, not <!-- or -->) and the token after it
  /// begin: a '{' takes its selector or @media condition from there.
  void note_prelude(const Token& t) {
    if (skip_next_) {  // the token that ended the previous prelude (handled before it is noted)
      skip_next_ = false;
      return;
    }
    if (prelude_first_ == kNone) {
      if (t.type == TokenType::kWhitespace || t.type == TokenType::kCdo || t.type == TokenType::kCdc) return;
      prelude_first_ = t.begin;
      prelude_at_keyword_ = t.type == TokenType::kAtKeyword;
      prelude_media_ = prelude_at_keyword_ && iequals(t.value, "media");
    } else if (prelude_second_ == kNone) {
      prelude_second_ = t.begin;
    }
  }

  std::string media() const {
    for (size_t k = stack_.size(); k-- > 0;) {
      if (stack_[k].type == TokenType::kOpenCurly && stack_[k].is_media) return stack_[k].context;
    }
    return std::string();
  }
  std::string selector() const {
    for (size_t k = stack_.size(); k-- > 0;) {
      if (stack_[k].type == TokenType::kOpenCurly) return stack_[k].is_media ? std::string() : stack_[k].context;
    }
    return std::string();
  }
  void emit(const std::string& url, bool import, bool image_set) {
    UrlRef r;
    r.url = url;
    r.import = import;
    r.image_set = image_set;
    if (stylesheet_) {
      r.media = media();
      r.selector = selector();
    }
    out_.push_back(std::move(r));
  }

  std::string_view css_;
  bool stylesheet_;
  std::vector<UrlRef> out_;
  std::vector<Open> stack_;
  bool after_import_ = false;
  bool url_function_ = false;  ///< just after url(, blanks skipped
  bool url_import_ = false;    ///< whether that url( followed @import
  size_t prelude_first_ = kNone;
  size_t prelude_second_ = kNone;
  bool prelude_at_keyword_ = false;
  bool prelude_media_ = false;
  bool skip_next_ = false;
};

}  // namespace

bool may_hold_url(std::string_view css, bool stylesheet) {
  // A URL comes from a url() (token or function), an @import or an image-set(), whose names are written in the
  // text unless an escape spells them.
  return css.find('\\') != std::string_view::npos || ifind(css, "url") != std::string_view::npos ||
         (stylesheet && ifind(css, "import") != std::string_view::npos) ||
         ifind(css, "image-set") != std::string_view::npos;
}

std::vector<UrlRef> find_urls(std::string_view css, bool stylesheet) {
  if (!may_hold_url(css, stylesheet)) return {};  // not tokenized: a quarter of the sheets' bytes in the dev mails
  UrlFinder finder(css, stylesheet);
  Tokenizer tokenizer(css);
  for (Token t; tokenizer.next_token(&t); t = Token()) finder.feed(t);
  return finder.take();
}

std::vector<UrlRef> find_urls(std::string_view css, const std::vector<Token>& tokens, bool stylesheet) {
  UrlFinder finder(css, stylesheet);
  for (const Token& t : tokens) finder.feed(t);
  return finder.take();
}

}  // namespace mailveil::css
