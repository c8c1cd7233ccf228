/// Extracting the URL-bearing elements of an HTML mail body as a browser builds its DOM (HTML5 tree building by
/// gumbo), for the offline `scan`: the browser path gets its elements from the extension, which reads the DOM.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "email.h"

namespace mailveil {

/// HTML bytes handed to the tree builder per body; the rest is not parsed and is counted in skipped_bytes.
inline constexpr size_t kMaxHtmlBytes = 4 * 1024 * 1024;
/// Elements kept per body; the rest are counted in skipped_elements.
inline constexpr size_t kMaxExtractedElements = 10000;

struct ExtractOptions {
  size_t max_elements = kMaxExtractedElements;
  size_t max_html_bytes = kMaxHtmlBytes;
  /// Hand gumbo each long <style> sheet, text and quoted attribute value as a short placeholder, and put them back
  /// in its tree (a third of gumbo's instructions on real mail). The tree is checked for every placeholder where
  /// it must be, else the body is parsed again as it is; off only to compare.
  bool set_aside = true;
};

struct ExtractResult {
  std::vector<Element> elements;
  size_t skipped_elements = 0;  ///< elements found past max_elements
  size_t skipped_bytes = 0;     ///< HTML not parsed: past max_html_bytes, or past the tree builder's work budget
};

/// Builds the document tree of a UTF-8 HTML body (HTML5 tree construction: full entity table, comments,
/// foster parenting, adoption agency, foreign content, inert <template>) and lists, in tree order:
/// img/SVG image (src, srcset, href), <picture><source srcset>, video/audio/source src, video poster, a/area
/// href (with anchor text), iframe/frame, embed, object data, form action, input type=image, <link rel>
/// stylesheet/icon/preload/prefetch/prerender, background= on body/table/thead/tbody/tfoot/tr/td/th, and CSS
/// url() and image-set() in style attributes and <style> sheets (with @import, the @media condition and the
/// rule's selector). Relative URLs are resolved against the first <base href>. Only http(s), protocol-relative
/// and relative URLs are kept.
///
/// `visible` follows CSS on the built tree: display:none, opacity:0 and a zero-size box with overflow hidden
/// hide the subtree; visibility:hidden is inherited and undone by visibility:visible; the hidden attribute is
/// display:none unless the inline style sets display; a zero CSS width or height hides the element itself.
/// CSS escapes are decoded (`display:n\one`). Declared size comes from width/height attributes and inline CSS.
///
/// Content of Outlook conditional comments (`<!--[if mso]>…<![endif]-->`), which no browser renders, is
/// parsed too and its elements come with `outlook_only`; there `mso-hide:all` hides, and VML fills and
/// images (`<v:fill src>`, `<v:image src>`, `<v:imagedata src>`) count as images.
///
/// `ref` is "e<N>" in order. Tolerates any input and never throws; time and memory are bounded (docs/scoring.md).
ExtractResult extract_html(std::string_view html, const ExtractOptions& options = {});

/// extract_html(html).elements.
std::vector<Element> extract_elements(std::string_view html);

namespace detail {
/// The text gumbo builds from the bytes of a <style> sheet, when this reads them exactly as it does (false for NUL
/// and other controls, noncharacters, invalid UTF-8): what a sheet set aside (ExtractOptions::set_aside) becomes.
bool sheet_as_read(std::string_view raw, std::string* out);
/// The whole tree the extraction walks for `html` (nodes, attributes, texts), one node per line, parsed with
/// sheets and texts set aside or not; *placeholders_kept tells whether the tree is the one parsed with them (not
/// parsed again as it is).
std::string parse_tree_dump(std::string_view html, bool set_aside, bool* placeholders_kept = nullptr);
}  // namespace detail

}  // namespace mailveil
