/// The words and phrases the image and link heuristics look for, matched without RE2: a fresh host judges its
/// first mail without compiling a regex for them (RE2 took 1.9 ms of CPU to compile the four they replace, on
/// every start). Each matcher gives the result the regex it replaces gave; word_match_test.cpp checks that against
/// those regexes on generated inputs. One difference is deliberate: RE2's (?i) also took the Kelvin sign for "k" and
/// the long s for "s", which only link text could hold (paths and query words are ASCII once parsed). Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "needle_set.h"

namespace mailveil {

/// Brace expansion, as a shell does it: "opt{-|_|}out" -> {"opt-out", "opt_out", "optout"}. Braces do not nest.
std::vector<std::string> expand_braces(std::string_view pattern);

/// Any of many phrases, anywhere in a text, ASCII letters in either case: what an unanchored, case-insensitive
/// alternation of literals finds. Each pattern stands for its brace expansion and starts with a literal; write both
/// cases of a non-ASCII letter ("{é|É}"). Only the leading literals go into the search (a small automaton, built
/// in microseconds: expanding "view {it |this |the |}{e-mail |…}{in|online|…}" instead made thousands of nodes,
/// and their fresh pages cost a fresh host 0.6 ms); each place one occurs is compared with the expansions of the
/// rest of its pattern.
class PhraseSet {
 public:
  explicit PhraseSet(std::initializer_list<std::string_view> patterns);
  bool found_in(std::string_view text) const;

 private:
  NeedleSet leads_{true};                        ///< tag: index into rests_
  std::vector<std::vector<std::string>> rests_;  ///< each pattern after its leading literal, brace-expanded
};

/// Words of unsubscribe, preference, web-view and address-book pages, in the languages of our mail, in a URL's
/// path and query words (link_judge.cpp: is_mailing_page); "é" also as %C3%A9.
bool mailing_page_in_url_words(std::string_view words);
/// The same pages by a link's text: "View in browser", "Update your preferences", "Se désabonner"…
bool mailing_page_in_text(std::string_view text);

/// Open-tracking path shapes, strong and weak together (`tracking-path`): an endpoint at the root of a tracking
/// host (`/o/…`, `/e/o/…`, `/wf/open`), a tracking word as a whole path segment or a file stem anywhere (`open`,
/// `pixel`, `track`, `read`, `px`…), or a one-letter gif at the end (`/t.gif`). Letters in either case.
bool has_tracking_path_word(std::string_view path);

/// The strong subset: a root endpoint as above, or a segment or file stem that names an open-counting endpoint
/// (`open`, `pixel`, `beacon`, `imp`…; not `track`, `read`, `px`). Returns where the leftmost such shape ends
/// (after its `/` or its file extension), or npos when there is none.
size_t open_endpoint_end(std::string_view path);

}  // namespace mailveil
