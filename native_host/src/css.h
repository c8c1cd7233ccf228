/// A CSS reader for the HTML extractor: the CSS Syntax Level 3 tokenizer (escapes, comments, strings, url()),
/// declarations of a style attribute, and the URLs a style sheet or a style attribute makes the browser fetch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailveil::css {

enum class TokenType {
  kIdent,
  kFunction,   ///< value: the name, without '('
  kAtKeyword,  ///< value: the name, without '@'
  kHash,
  kString,
  kBadString,
  kUrl,  ///< value: the URL of an unquoted url(...)
  kBadUrl,
  kDelim,  ///< value: the character
  kNumber,
  kPercentage,
  kDimension,  ///< unit in `unit`
  kWhitespace,
  kCdo,
  kCdc,
  kColon,
  kSemicolon,
  kComma,
  kOpenSquare,
  kCloseSquare,
  kOpenParen,
  kCloseParen,
  kOpenCurly,
  kCloseCurly,
};

struct Token {
  TokenType type = TokenType::kDelim;
  std::string value;  ///< escapes decoded
  std::string unit;   ///< dimension unit, escapes decoded
  double number = 0;  ///< numeric value of number, percentage and dimension tokens
  size_t begin = 0;   ///< byte range in the source
  size_t end = 0;
};

/// Tokenizes CSS text (CSS Syntax Level 3, section 4); comments are dropped. Never throws on bad input.
std::vector<Token> tokenize(std::string_view css);

/// One declaration of a declaration list: the name lower-cased, the value's tokens without surrounding
/// whitespace and without "!important".
struct Declaration {
  std::string name;
  std::vector<Token> value;
  bool important = false;
};

/// The declarations of a style attribute or a rule's block, in order.
std::vector<Declaration> parse_declarations(std::string_view css);
/// The same from tokens already made by tokenize().
std::vector<Declaration> parse_declarations(const std::vector<Token>& tokens);

/// A URL that CSS makes the browser fetch.
struct UrlRef {
  std::string url;
  bool import = false;     ///< @import (a style sheet)
  bool image_set = false;  ///< a bare string in image-set()
  std::string media;       ///< the enclosing @media condition ("print"), "" when none
  std::string selector;    ///< the selector of the enclosing rule, "" for a style attribute or an at-rule
};

/// Every url(...) (unquoted, quoted, or written with escapes such as \75rl( ), every string argument of
/// image-set() / -webkit-image-set(), and, in a style sheet, every @import, in source order. In a style sheet
/// each URL carries its @media condition and rule selector (each at most 200 bytes).
std::vector<UrlRef> find_urls(std::string_view css, bool stylesheet);
/// The same from tokenize(css).
std::vector<UrlRef> find_urls(std::string_view css, const std::vector<Token>& tokens, bool stylesheet);

/// False when find_urls(css, stylesheet) is sure to find nothing: none of the names that make a URL (url,
/// image-set, and in a sheet import) is written in the text, and no backslash could spell one.
bool may_hold_url(std::string_view css, bool stylesheet);

}  // namespace mailveil::css
