/// Data model of one e-mail as the host sees it: the elements that could fetch or navigate, and the verdicts.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mailveil {

/// The most elements judged in one message: classify refuses more (too_many_elements), extract_elements and
/// `scan` keep the first ones and count the rest.
inline constexpr size_t kMaxElements = 10000;

/// What kind of DOM element a URL came from. Mirrors the protocol's `kind` strings.
enum class ElementKind {
  kImg,
  kSrcset,
  kCssBackground,
  kBackgroundAttr,
  kLink,
  kIframe,
  kVideo,
  kAudio,
  kEmbed,
  kObject,
  kForm,
  kInputImage,
  kOther,
};

/// Protocol string for a kind ("img", "css-background", ...).
const char* to_string(ElementKind kind);
/// Parses a protocol kind string; nullopt when unknown.
std::optional<ElementKind> element_kind_from_string(std::string_view s);
/// True for kinds that the browser fetches when the mail is displayed (everything but links and forms).
bool is_fetched_on_open(ElementKind kind);

/// A width/height pair; -1 means unknown.
struct Size {
  int width = -1;
  int height = -1;
  bool known() const { return width >= 0 && height >= 0; }
};

/// One URL-bearing element of a message.
struct Element {
  std::string ref;  ///< caller's handle, echoed back
  ElementKind kind = ElementKind::kImg;
  std::string url;  ///< exactly as in the DOM / mail
  Size declared;    ///< HTML width/height attributes or inline style
  Size rendered;    ///< layout box, when the caller knows it
  bool visible = true;
  /// Inside `<!--[if mso]>…<![endif]-->`: only Outlook for Windows renders it. The offline audit reports such
  /// elements tagged "Outlook desktop only"; a browser never sees them.
  bool outlook_only = false;
  std::string text;          ///< anchor text for links
  std::string css_media;     ///< scan only, `<style>` url(): the enclosing @media condition ("print"), or ""
  std::string css_selector;  ///< scan only, `<style>` url(): the selector of its rule (".x", "#t"), or ""
};

/// One opened e-mail.
struct Email {
  std::string message_id;
  std::string webmail;
  std::string sender;
  std::vector<std::string> user_addresses;
  std::vector<Element> elements;
};

}  // namespace mailveil
