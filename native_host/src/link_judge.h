/// Judges one link (`<a href>`, `<area>`, a form action): is it a click tracker, where does it really lead, and
/// what should the extension do with it (docs/scoring.md, "Links"). Pure: no I/O, never fetches the link.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "classifier.h"
#include "matcher.h"
#include "unwrap.h"
#include "url.h"

namespace mailveil {

/// What the classifier knows about one link.
struct LinkFacts {
  const Url& url;                   ///< after webmail unwrapping
  const std::vector<Wrapper>& via;  ///< webmail layers removed, outermost first
  const std::vector<Url>& layers;   ///< the wrapper URLs those layers were read from, outermost first
  std::string_view text;            ///< the anchor text ("" when unknown)
  std::string_view sender_domain;   ///< registrable domain of the sender, "" when unknown
  bool leaked = false;              ///< the reader's address is in the URL
};

/// Signature lookup for links: the engine's signed list, then the user list.
using LinkMatch = std::function<SignatureMatch(const Url&)>;

/// Builds the phrase sets of link judgement (mailing pages by URL and by text) now rather than on the first link.
void prepare_link_judge();

/// Fills r->verdict, tracked, reasons, tracker, third_party and rewrite_url for a link. `sig` is the match of
/// facts.url.
void judge_link(const LinkFacts& facts, const SignatureMatch& sig, const LinkMatch& match, ElementResult* r);

/// Why a link outside the list is taken for a click tracker (docs/scoring.md), or nullptr when it is not:
///  "redirect-path"  a redirector's path or script (/click, /redirect/, r.aspx, lnk.php, /c/<ids>) with an id;
///  "opaque-path"    a path made only of per-recipient tokens and ids (/4cffWk24727PRIO591…, /<n>/<n>/<n>/<n>/…);
///  "query-token"    a token in the query of a bare endpoint (/, /x.php) on a host that is neither the sender's
///                   site nor the domain the link's text names;
///  "fragment-token" a page that forwards a per-recipient token it carries after '#'.
/// Unsubscribe, preference and web-view pages (by their path or text) are pages, not redirects: nullptr, except
/// for a fragment token.
const char* generic_click_tracker(const Url& url, std::string_view text, std::string_view sender_domain);

/// True for a value that identifies a recipient, a send or a link in a click-tracking URL: a UUID, 16+ hex, a
/// 16+ character mix of letters and digits that is not a word slug, base64 of a payload, or 12–15 characters
/// mixing upper case, lower case and digits ("zDXjvartiQ8nFPh"). Numbers alone are ids, not tokens.
bool is_link_token(std::string_view value);

/// True for an unsubscribe, preference, web-view or address-book page: by a path or query word ("unsubscribe",
/// "profile_center.aspx", "act=unsub", "/vcard") or, when `text` is given, by the link's text ("View in
/// browser", "Se désinscrire"); also the "view." host of an ESP (Salesforce's web view). Such pages sit on ESP
/// hosts too, and are not redirects.
bool is_mailing_page(const Url& url, std::string_view text);

}  // namespace mailveil
