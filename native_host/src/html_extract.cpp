#include "html_extract.h"

#include <gumbo.h>
#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "charset.h"
#include "css.h"
#include "text_util.h"
#include "url.h"

namespace mailveil {

namespace {

// ---- limits --------------------------------------------------------------------------------------------------
//
// gumbo builds the whole tree, and some of its steps walk the stack of open elements, so deep nesting makes it
// quadratic (22,000 nested <span>s in a real spam take 0.6 s; 1 MB of "<b>x" would take hours). Before
// parsing, a linear pre-scan estimates that work as the sum, over tags, of the nesting depth at the tag, and
// counts tags; the tree builder gets the longest prefix within both budgets and the limit on bytes, cut before
// a tag; the rest is reported as skipped. Conditional comments parsed for Outlook draw on the same budgets.
// Memory comes from an arena with a hard cap (kMaxArenaBytes), and the arena also stops a parse that runs past
// kMaxParseCpuSeconds: the parse is then abandoned and retried on half the input.

/// Sum of nesting depths over tags that the tree builder may spend: 160 times the most a real mail of the
/// corpora needs (1.2e5), and about 0.1 s of the worst shapes on our VM.
constexpr uint64_t kMaxTreeWork = 20'000'000;
/// Tags per body (each becomes a node of about 200 bytes).
constexpr size_t kMaxTags = 250'000;
/// Memory the tree builder may use for one parse.
constexpr size_t kMaxArenaBytes = 256u << 20;
/// CPU time one parse may take, whatever the shape of the input (a backstop for what the pre-scan does not
/// model, such as 100,000 attributes on one tag: gumbo checks each against all before it). A parse past it is
/// retried on half the input, at most three times in all; only pathological bodies ever reach it.
constexpr double kMaxParseCpuSeconds = 1.0;
/// Raw anchor text collected per link, and its length in code points after collapsing.
constexpr size_t kMaxRawLinkText = 4096;
constexpr size_t kMaxLinkTextChars = 200;

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_html_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool name_in(std::string_view name, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

// ---- pre-scan ------------------------------------------------------------------------------------------------

/// Elements that never nest (void) or that the tree builder closes when a sibling starts: not counted on the
/// estimated stack (an under-count of at most one per counted element).
bool is_flat_element(std::string_view name) {
  static const std::unordered_set<std::string_view> kNames = {
      "area",  "base",     "br",      "col", "embed", "hr",    "img",      "input",    "link",   "meta",
      "param", "source",   "track",   "wbr", "image", "frame", "basefont", "bgsound",  "keygen", "p",
      "li",    "dt",       "dd",      "td",  "th",    "tr",    "option",   "optgroup", "tbody",  "thead",
      "tfoot", "colgroup", "caption", "rb",  "rt",    "rp",    "rtc",      "html",     "head",   "body"};
  return kNames.count(name) > 0;
}

/// The HTML Standard's "special" elements: an end tag for another element does not close them.
bool is_special_element(std::string_view name) {
  static const std::unordered_set<std::string_view> kNames = {"address",
                                                              "applet",
                                                              "area",
                                                              "article",
                                                              "aside",
                                                              "base",
                                                              "basefont",
                                                              "bgsound",
                                                              "blockquote",
                                                              "body",
                                                              "br",
                                                              "button",
                                                              "caption",
                                                              "center",
                                                              "col",
                                                              "colgroup",
                                                              "dd",
                                                              "details",
                                                              "dir",
                                                              "div",
                                                              "dl",
                                                              "dt",
                                                              "embed",
                                                              "fieldset",
                                                              "figcaption",
                                                              "figure",
                                                              "footer",
                                                              "form",
                                                              "frame",
                                                              "frameset",
                                                              "h1",
                                                              "h2",
                                                              "h3",
                                                              "h4",
                                                              "h5",
                                                              "h6",
                                                              "head",
                                                              "header",
                                                              "hgroup",
                                                              "hr",
                                                              "html",
                                                              "iframe",
                                                              "img",
                                                              "input",
                                                              "keygen",
                                                              "li",
                                                              "link",
                                                              "listing",
                                                              "main",
                                                              "marquee",
                                                              "menu",
                                                              "meta",
                                                              "nav",
                                                              "noembed",
                                                              "noframes",
                                                              "noscript",
                                                              "object",
                                                              "ol",
                                                              "p",
                                                              "param",
                                                              "plaintext",
                                                              "pre",
                                                              "script",
                                                              "search",
                                                              "section",
                                                              "select",
                                                              "source",
                                                              "style",
                                                              "summary",
                                                              "table",
                                                              "tbody",
                                                              "td",
                                                              "template",
                                                              "textarea",
                                                              "tfoot",
                                                              "th",
                                                              "thead",
                                                              "title",
                                                              "tr",
                                                              "track",
                                                              "ul",
                                                              "wbr",
                                                              "xmp",
                                                              "mi",
                                                              "mo",
                                                              "mn",
                                                              "ms",
                                                              "mtext",
                                                              "annotation-xml",
                                                              "foreignobject",
                                                              "desc"};
  return kNames.count(name) > 0;
}

/// The length of the prefix of `html` (at most max_bytes, cut before a '<') whose estimated tree-building work
/// and tag count fit the budgets left; charges them. The estimate keeps a stack of open element names, closed
/// by end tags as the tree builder closes them (never through a special element, so it errs towards depth):
/// every '<' costs the depth at that point, which bounds the walks over the stack of open elements.
size_t budgeted_prefix(std::string_view html, size_t max_bytes, uint64_t* work_left, size_t* tags_left) {
  const size_t n = std::min(html.size(), max_bytes);
  std::vector<std::string> open;
  size_t i = 0;
  size_t last_cut = 0;  // a '<' position: where a prefix may end
  while (i < n) {
    const void* hit = std::memchr(html.data() + i, '<', n - i);
    if (!hit) break;
    const size_t lt = static_cast<size_t>(static_cast<const char*>(hit) - html.data());
    last_cut = lt;
    const uint64_t cost = open.size() + 1;
    if (*tags_left == 0 || *work_left < cost) return lt;
    --*tags_left;
    *work_left -= cost;
    i = lt + 1;
    const bool end_tag = i < n && html[i] == '/';
    if (end_tag) ++i;
    if (i >= n || !is_alpha(html[i])) continue;
    const size_t name_start = i;
    while (i < n && !is_html_space(html[i]) && html[i] != '/' && html[i] != '>') ++i;
    std::string name = ascii_lower(html.substr(name_start, std::min<size_t>(i - name_start, 15)));
    if (is_flat_element(name)) continue;
    if (!end_tag) {
      open.push_back(std::move(name));
      continue;
    }
    for (size_t k = open.size(); k-- > 0;) {
      if (open[k] == name) {
        open.resize(k);
        break;
      }
      if (is_special_element(open[k])) break;
    }
  }
  if (html.size() <= max_bytes) return html.size();
  return last_cut > 0 ? last_cut : n;
}

/// The lower-cased name of an element (gumbo names unknown elements only through their source text).
std::string element_name(const GumboElement& el) {
  if (el.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(el.tag);
  GumboStringPiece piece = el.original_tag;
  if (!piece.data || piece.length == 0) return "";
  gumbo_tag_from_original_text(&piece);
  return ascii_lower(std::string_view(piece.data, piece.length));
}

/// Calls fn(node) on every element under root in tree order (iteratively: a tree can be 100,000 deep) until fn
/// returns false.
template <typename Fn>
void for_each_element(const GumboNode* root, Fn&& fn) {
  std::vector<const GumboNode*> todo{root};
  while (!todo.empty()) {
    const GumboNode* node = todo.back();
    todo.pop_back();
    if (!node || node->type != GUMBO_NODE_ELEMENT) continue;
    if (!fn(node)) return;
    const GumboVector& children = node->v.element.children;
    for (unsigned i = children.length; i-- > 0;) todo.push_back(static_cast<const GumboNode*>(children.data[i]));
  }
}

// ---- gumbo with an arena -------------------------------------------------------------------------------------

/// Allocator for one gumbo parse: fast (gumbo allocates per token and grows its character buffers by doubling,
/// freeing the old one each time) and capped. Freed chunks go to a free list of their size class and are handed
/// out again, so a buffer that grows to N bytes costs about N bytes of arena rather than 2N, and the parse touches
/// less fresh memory (page faults were a fifth of the time on a 2.6 MB mail). Everything goes at once at the end.
class Arena {
 public:
  Arena(size_t cap, double cpu_seconds) : cap_(cap), deadline_(thread_cpu_seconds() + cpu_seconds) {
    blocks_.reserve(cap / kBlock + 1);  // push_back never throws
  }
  ~Arena() {
    // Standard blocks go back to this thread's pool: fresh ones would be mapped and faulted in again per body.
    std::vector<Block>& pool = spare_blocks().blocks;
    for (const Block& b : blocks_) {
      if (b.size == kBlock && pool.size() < kPooledBlocks) {
        pool.push_back(b);
      } else {
        unmap_block(b);
      }
    }
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  static void* allocate(void* self, size_t size) { return static_cast<Arena*>(self)->allocate(size); }
  static void deallocate(void* self, void* ptr) { static_cast<Arena*>(self)->deallocate(ptr); }

  std::jmp_buf abort_point;

 private:
  // Each chunk starts with an 8-byte header holding its size class; gumbo's types need no more than 8-byte
  // alignment (pointers, sizes, ints). Classes: multiples of 16 bytes up to 1 KiB, then powers of two.
  static constexpr size_t kHeader = 8;
  static constexpr size_t kSmallStep = 16;
  static constexpr size_t kSmallMax = 1024;
  static constexpr size_t kSmallClasses = kSmallMax / kSmallStep;  // 1..64 → 16..1024 bytes
  static constexpr size_t kClasses = kSmallClasses + 48;
  static_assert(sizeof(size_t) == kHeader);

  static size_t class_of(size_t size) {
    if (size <= kSmallMax) return (size + kSmallStep - 1) / kSmallStep;  // 0 only for size 0: class 1 below
    size_t bytes = kSmallMax * 2;
    size_t c = kSmallClasses + 1;
    while (bytes < size) {
      bytes <<= 1;
      ++c;
    }
    return c;
  }
  static size_t class_bytes(size_t c) { return c <= kSmallClasses ? c * kSmallStep : kSmallMax << (c - kSmallClasses); }

  /// Memory mapped in multiples of kBlock, aligned on kBlock and marked for transparent huge pages: a large
  /// parse then takes one page fault per 2 MiB instead of one per 4 KiB (on this VM a fault costs some 8 µs; a
  /// 2.6 MB mail's parse took 3,900 of them). Where the kernel has no huge page, the block is faulted in as
  /// ordinary pages.
  struct Block {
    char* data = nullptr;
    size_t size = 0;
  };
  static Block map_block(size_t size) {
    void* p = ::mmap(nullptr, size + kBlock, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return {};
    const uintptr_t start = reinterpret_cast<uintptr_t>(p);
    const uintptr_t aligned = (start + kBlock - 1) & ~(uintptr_t{kBlock} - 1);
    if (aligned > start) ::munmap(p, aligned - start);
    if (const size_t tail = start + kBlock - aligned) ::munmap(reinterpret_cast<char*>(aligned) + size, tail);
    ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
    return {reinterpret_cast<char*>(aligned), size};
  }
  static void unmap_block(const Block& b) { ::munmap(b.data, b.size); }
  struct Pool {
    std::vector<Block> blocks;
    Pool() { blocks.reserve(kPooledBlocks); }  // the arena's destructor never allocates
    ~Pool() {
      for (const Block& b : blocks) unmap_block(b);
    }
  };
  static Pool& spare_blocks() {
    thread_local Pool pool;
    return pool;
  }

  static double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  }

  void* allocate(size_t size) {
    // gumbo allocates for every token and attribute, so this sees every step of its quadratic paths too (the
    // duplicate-attribute check, scope walks): past the deadline the parse is abandoned. The thread's CPU clock
    // is a system call, so it is read once per 1,024 allocations (every 256 cost 2% of a large parse).
    if ((++calls_ & 1023) == 0 && thread_cpu_seconds() > deadline_) std::longjmp(abort_point, 1);
    if (size > cap_) std::longjmp(abort_point, 1);
    const size_t c = std::max<size_t>(class_of(size), 1);
    if (c >= kClasses) std::longjmp(abort_point, 1);
    const size_t bytes = class_bytes(c);
    if (void* reused = free_[c]) {
      free_[c] = *static_cast<void**>(reused);
      return reused;
    }
    const size_t need = bytes + kHeader;
    if (need > left_) {
      const size_t block = (need + kBlock - 1) / kBlock * kBlock;
      if (used_ + block > cap_) std::longjmp(abort_point, 1);
      std::vector<Block>& pool = spare_blocks().blocks;
      Block b;
      if (block == kBlock && !pool.empty()) {
        b = pool.back();
        pool.pop_back();
      } else {
        b = map_block(block);
        if (!b.data) std::longjmp(abort_point, 1);
      }
      blocks_.push_back(b);
      used_ += block;
      cur_ = b.data;
      left_ = block;
    }
    std::memcpy(cur_, &c, sizeof(c));
    void* out = cur_ + kHeader;
    cur_ += need;
    left_ -= need;
    return out;
  }

  void deallocate(void* ptr) {
    if (!ptr) return;
    size_t c = 0;
    std::memcpy(&c, static_cast<char*>(ptr) - kHeader, sizeof(c));
    *static_cast<void**>(ptr) = free_[c];
    free_[c] = ptr;
  }

  static constexpr size_t kBlock = 2 * 1024 * 1024;
  static constexpr size_t kPooledBlocks = 4;  ///< 8 MiB kept per thread between parses
  size_t cap_;
  double deadline_;  ///< thread CPU time
  size_t calls_ = 0;
  size_t used_ = 0;
  char* cur_ = nullptr;
  size_t left_ = 0;
  void* free_[kClasses] = {};
  std::vector<Block> blocks_;
};

/// Runs gumbo; nullptr when the arena's cap was reached. No object with a destructor lives between the setjmp
/// and the allocator's longjmp (gumbo is C).
GumboOutput* gumbo_parse_capped(Arena* arena, const GumboOptions* options, const char* data, size_t size) {
  if (setjmp(arena->abort_point) != 0) return nullptr;
  return gumbo_parse_with_options(options, data, size);
}

struct Parsed {
  std::unique_ptr<Arena> arena;
  GumboOutput* output = nullptr;
  size_t parsed_bytes = 0;
  /// The input after unknown end tags were repaired, when they were: nodes point into it, so it never moves.
  std::unique_ptr<std::string> repaired;
  /// The input with its sheets set aside (set_aside), when they were; nodes point into it.
  std::unique_ptr<std::string> cut;
  /// The sheets the placeholders stood for, as gumbo would have read them; the tree's text nodes point to them.
  std::vector<std::string> set_aside;
  /// The texts and attribute values the placeholders stood for, as gumbo would have read them; attributes point
  /// into it.
  std::unique_ptr<std::string> aside_chars;
  /// Where each value placeholder's opening quote is in the input parsed (cut, or repaired from it).
  std::vector<size_t> value_at;
  /// The text of each text node that held text placeholders, with the texts put back; the nodes point to them.
  std::deque<std::string> restored;
};

GumboOutput* run_gumbo(Parsed* out, bool fragment, const char* data, size_t size) {
  out->arena = std::make_unique<Arena>(kMaxArenaBytes, kMaxParseCpuSeconds);
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &Arena::allocate;
  options.deallocator = &Arena::deallocate;
  options.userdata = out->arena.get();
  options.max_errors = 0;
  if (fragment) options.fragment_context = GUMBO_TAG_BODY;
  out->output = gumbo_parse_capped(out->arena.get(), &options, data, size);
  return out->output;
}

/// An end tag to rewrite: bytes [offset, offset + length) of the input become `repeat` times "</name>".
struct EndTagFix {
  size_t offset;
  size_t length;
  size_t repeat;
  std::string name;
};

/// gumbo 0.10 matches an end tag whose name it does not know against the nearest open element whose name it
/// does not know either, whatever both names are: `<sp><a>…</spa>` closes <sp> (and the link: a later text then
/// clones it), where a browser ignores `</spa>`, and `<x><y></x>` closes only <y>, where a browser closes both.
/// This finds each such end tag (gumbo keeps it as the element's original_end_tag) and what a browser does with
/// it: pop to the nearest open element of that name unless a special element comes first, else nothing. Since
/// gumbo pops one unknown element per unknown end tag, the repair repeats the end tag once per unknown element
/// up to that one, or drops it.
void find_end_tag_fixes(const GumboNode* root, const char* input, size_t size, std::vector<EndTagFix>* fixes) {
  for_each_element(root, [&](const GumboNode* node) {
    const GumboElement& el = node->v.element;
    const GumboStringPiece& tag = el.original_end_tag;
    if (el.tag != GUMBO_TAG_UNKNOWN || tag.length == 0 || !tag.data || tag.data < input ||
        tag.data + tag.length > input + size) {
      return true;
    }
    GumboStringPiece end = tag;
    gumbo_tag_from_original_text(&end);
    const std::string end_name = ascii_lower(std::string_view(end.data, end.length));
    if (end_name.empty() || gumbo_tagn_enum(end.data, static_cast<unsigned>(end.length)) != GUMBO_TAG_UNKNOWN ||
        end_name == element_name(el)) {
      return true;
    }
    size_t repeat = 1;  // gumbo's match, this element
    bool found = false;
    for (const GumboNode* p = node->parent; p && p->type == GUMBO_NODE_ELEMENT; p = p->parent) {
      const std::string name = element_name(p->v.element);
      if (p->v.element.tag == GUMBO_TAG_UNKNOWN) ++repeat;
      if (name == end_name) {
        found = true;
        break;
      }
      if (is_special_element(name)) break;
    }
    fixes->push_back({static_cast<size_t>(tag.data - input), tag.length, found ? repeat : 0, end_name});
    return true;
  });
}

/// Parses `input` (as a fragment in <body> when `fragment`) into `out`, then repairs unknown end tags
/// (find_end_tag_fixes) and parses again, at most twice. False when the arena's cap or time was reached.
bool parse_repaired(std::string_view input, bool fragment, Parsed* out) {
  if (!run_gumbo(out, fragment, input.data(), input.size())) return false;
  for (int round = 0; round < 2; ++round) {
    std::vector<EndTagFix> fixes;
    find_end_tag_fixes(out->output->root, input.data(), input.size(), &fixes);
    if (fixes.empty()) break;
    std::sort(fixes.begin(), fixes.end(), [](const EndTagFix& a, const EndTagFix& b) { return a.offset < b.offset; });
    std::string repaired;
    repaired.reserve(input.size() + 64);
    std::vector<size_t> value_at;
    value_at.reserve(out->value_at.size());
    // Value placeholders move with the text around them; one in an end tag rewritten (never, unless set_aside took
    // an end tag for a start tag) is lost, and then not found.
    auto place = out->value_at.begin();
    auto moved = [&](size_t at) { return *place < at ? SIZE_MAX : *place - at + repaired.size(); };
    size_t at = 0;
    for (const EndTagFix& f : fixes) {
      if (f.offset < at) continue;
      for (; place != out->value_at.end() && *place < f.offset; ++place) value_at.push_back(moved(at));
      repaired.append(input.substr(at, f.offset - at));
      for (size_t k = 0; k < f.repeat; ++k) repaired += "</" + f.name + ">";
      at = f.offset + f.length;
    }
    for (; place != out->value_at.end(); ++place) value_at.push_back(moved(at));
    repaired.append(input.substr(at));
    Parsed again;
    again.value_at = std::move(value_at);
    again.repaired = std::make_unique<std::string>(std::move(repaired));
    if (!run_gumbo(&again, fragment, again.repaired->data(), again.repaired->size())) break;  // keep the first tree
    again.cut = std::move(out->cut);
    *out = std::move(again);
    input = *out->repaired;
  }
  return true;
}

// ---- sheets, texts and attribute values set aside ----------------------------------------------------------
//
// gumbo reads each character of the input through its tokenizer, one call per character, and each character of a
// sheet or a text as a token of its own, through the tree builder. On the dev mails, quoted attribute values are
// half the HTML bytes, texts and sheets an eighth each. The long ones are handed to gumbo as short placeholders,
// and after the parse their nodes and attributes are given back what gumbo would have read (as_read): on the HTML
// of the dev mails this takes gumbo from 1.79 to 1.22 billion instructions. Only what as_read reproduces exactly
// is set aside, and the tree is checked; if a placeholder is not found where it must be, the body is parsed again
// as it is (7 of the 384 dev bodies, spam with broken markup, and 1 of the 44 others).
//
// - A sheet of kMinSetAside bytes or more becomes "@mailveil-sheet:N;", and must be found whole as the only text
//   of an HTML <style> element. Read there as raw text, as the sheet it replaced would have been (the same prefix
//   puts the tokenizer in the same state, and the same end tag follows), it leaves the tree as it was.
// - A text is the run of characters from a '>' to the next '<' (or the end), with no '&' and no '>'. Its leading
//   whitespace stays; the rest, from the first other character, becomes text_mark() + "N;" when it is
//   kMinTextAside bytes or more, and must be found whole, once, in a text node. Why the tree is then the one of
//   the input as it was:
//   * the tokenizer. By induction the state before a run is the same in both inputs. A placeholder found in a text
//     node was read as character tokens, so that state is one of the text states (data, RCDATA, RAWTEXT,
//     PLAINTEXT, script data and its escaped states). In each, a character other than '<', '>', '&' and NUL is
//     passed on as it is and leaves the state as it was, except that in the script escaped states '-' moves
//     between the dash states and any other character back; the next character is '<', which leads to the same
//     state from all three of them.
//   * the tree builder. A run and its placeholder are the same whitespace followed by a character that is not
//     whitespace. The insertion modes treat whitespace and other characters apart, switching mode (or inserting
//     <head> and <body>) at the first other character, and then treat all characters alike; the pending table
//     text is foster-parented when any character of it is not whitespace. The modes that drop other characters
//     (frameset) drop the placeholder too, and it is then not found.
//   The mark holds a nonce drawn once per process: a character reference in a text could spell a fixed one.
// - A quoted attribute value of a start tag, of kMinValueAside bytes or more and with no '&', becomes
//   kValuePlaceholder, and must be found as the whole value of an attribute whose source (original_value) is the
//   placeholder with its quotes, at the place set_aside put it. Then the tokenizer read that quote in the state
//   before an attribute value, as it reads the input's (same prefix), and the value up to the same closing quote.
//   The tree builder reads attribute values only to compare them: the type of <input> with "hidden" (a value of
//   8 bytes or more never is), the encoding of MathML's <annotation-xml> with "text/html", and the attributes of
//   formatting elements with each other (the "Noah's Ark" clause); the last two are not set aside. (It also turns
//   <isindex>'s prompt into text: that placeholder is then not found.) The tokenizer drops a repeated attribute,
//   and the tree builder the attributes of a later <html>, <head> or <body> it merges: those are not set aside
//   either, so as not to be parsed twice for nothing.

constexpr std::string_view kAsideMark = "@mailveil-sheet:";
constexpr size_t kMinSetAside = 64;
constexpr size_t kMinTextAside = 32;
constexpr size_t kMinValueAside = 8;
/// What an attribute value set aside becomes: it is known by where it is, not by what it reads.
constexpr std::string_view kValuePlaceholder = "~";

/// "@mv" + 8 hex digits of a nonce drawn once per process.
const std::string& nonce_mark() {
  static const std::string mark = [] {
    uint32_t nonce = 0;
    try {
      nonce = std::random_device()();
    } catch (...) {
      nonce = static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "@mv%08x", nonce);
    return std::string(buf);
  }();
  return mark;
}

/// The mark of a text set aside.
const std::string& text_mark() {
  static const std::string mark = nonce_mark() + ":";
  return mark;
}

/// What set_aside took out of a body: the sheets, texts and attribute values, as gumbo would have read them.
struct Aside {
  struct Span {
    size_t at, size;
  };
  std::vector<std::string> sheets;
  std::unique_ptr<std::string> chars = std::make_unique<std::string>();  ///< texts and values, each then a NUL
  std::vector<Span> texts;                                               ///< in chars
  std::vector<size_t> values;                                            ///< where each value begins in chars
  std::vector<size_t> value_at;  ///< where each value's opening quote is in the copy
  bool empty() const { return sheets.empty() && texts.empty() && values.empty(); }
};

/// Appends to *out the text gumbo builds from `raw`, the bytes of a sheet, a text or a value; false (and *out as it
/// was) when `raw` holds anything whose reading this does not reproduce exactly: NUL and other controls,
/// noncharacters, invalid UTF-8. CR LF and a lone CR read as LF, as the input stream's preprocessing has it.
bool read_into(std::string_view raw, std::string* out) {
  const size_t start = out->size();
  auto fail = [&] {
    out->resize(start);
    return false;
  };
  const size_t n = raw.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c >= 0x20 && c < 0x7f) {
      size_t j = i + 1;
      while (j < n && static_cast<unsigned char>(raw[j]) >= 0x20 && static_cast<unsigned char>(raw[j]) < 0x7f) ++j;
      out->append(raw.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '\t' || c == '\n') {
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c == '\r') {
      out->push_back('\n');
      i += (i + 1 < n && raw[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    // A UTF-8 sequence of a character gumbo passes on as it is: not a C1 control, surrogate or noncharacter.
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return fail();
    }
    if (i + len > n) return fail();
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(raw[i + k]);
      if ((cc & 0xc0) != 0x80) return fail();
      cp = (cp << 6) | (cc & 0x3f);
    }
    const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0 || (cp >= 0xfdd0 && cp <= 0xfdef) ||
        (cp & 0xfffe) == 0xfffe) {
      return fail();
    }
    out->append(raw.substr(i, len));
    i += len;
  }
  return true;
}

bool as_read(std::string_view raw, std::string* out) {
  out->clear();
  out->reserve(raw.size());
  return read_into(raw, out);
}

/// Where the tag that begins at `lt` ends: just past its '>', or npos. The attributes are read as the tokenizer
/// reads them (a name may begin with '=', quotes count only where a value begins), and `value` is called with the
/// bounds of each quoted value's name and content.
template <typename Fn>
size_t start_tag_end(std::string_view html, size_t lt, Fn&& value) {
  const size_t n = html.size();
  size_t i = lt + 1;
  while (i < n && !is_html_space(html[i]) && html[i] != '/' && html[i] != '>') ++i;  // the tag name
  while (i < n) {
    if (html[i] == '>') return i + 1;
    if (is_html_space(html[i]) || html[i] == '/') {
      ++i;
      continue;
    }
    const size_t name_from = i++;
    while (i < n && !is_html_space(html[i]) && html[i] != '/' && html[i] != '>' && html[i] != '=') ++i;
    const size_t name_to = i;
    while (i < n && is_html_space(html[i])) ++i;
    if (i >= n || html[i] != '=') continue;
    ++i;
    while (i < n && is_html_space(html[i])) ++i;
    if (i < n && (html[i] == '"' || html[i] == '\'')) {
      const size_t close = html.find(html[i], i + 1);
      if (close == std::string_view::npos) return std::string_view::npos;
      value(name_from, name_to, i + 1, close);
      i = close + 1;
      continue;
    }
    while (i < n && !is_html_space(html[i]) && html[i] != '>') ++i;  // an unquoted value, if any
  }
  return std::string_view::npos;
}

size_t start_tag_end(std::string_view html, size_t lt) {
  return start_tag_end(html, lt, [](size_t, size_t, size_t, size_t) {});
}

/// The end of raw text that starts at `from`: the first "</" + `name` followed by whitespace, '/' or '>'.
size_t raw_text_end(std::string_view html, size_t from, std::string_view end_tag) {
  for (size_t at = from;; ++at) {
    at = ifind(html, end_tag, at);
    if (at == std::string_view::npos || at + end_tag.size() >= html.size()) return std::string_view::npos;
    const char next = html[at + end_tag.size()];
    if (is_html_space(next) || next == '\r' || next == '/' || next == '>') return at;
  }
}

/// Whether `html` has the tag name `name` at `at` (after '<'), ended by whitespace, '/' or '>'.
bool tag_at(std::string_view html, size_t at, std::string_view name) {
  if (at + name.size() >= html.size() || !iequals(html.substr(at, name.size()), name)) return false;
  const char next = html[at + name.size()];
  return is_html_space(next) || next == '\r' || next == '/' || next == '>';
}

/// The name of `names` (lower case) that tag_at finds at `at`, or "".
std::string_view tag_among(std::string_view html, size_t at, std::initializer_list<std::string_view> names) {
  if (at >= html.size()) return {};
  const char first = static_cast<char>(html[at] | 0x20);  // ASCII lower case for letters: most names end here
  for (std::string_view name : names) {
    if (name[0] == first && tag_at(html, at, name)) return name;
  }
  return {};
}

/// Whether the attribute values of the start tag whose name is at `name_at` are kept as they are: those of the
/// formatting elements (a, b, big, code, em, font, i, nobr, s, small, strike, strong, tt, u), which the tree builder
/// clones and compares by their attribute values (the "Noah's Ark" clause), of MathML's <annotation-xml>, whose
/// encoding it reads, and of <html>, <head> and <body>, whose later tags it drops or merges.
bool keeps_values(std::string_view html, size_t name_at) {
  return !tag_among(html, name_at,
                    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
                     "annotation-xml", "html", "head", "body"})
              .empty();
}

/// The end of the markup at `lt` ('<'), just past its '>', as the tokenizer reads it: a tag (quoted attribute
/// values may hold '>'), or a bogus comment or DOCTYPE (to the first '>'); npos when it does not end. `lt` itself
/// when the '<' is text.
size_t markup_end(std::string_view html, size_t lt) {
  const size_t n = html.size();
  if (lt + 1 >= n) return lt;
  const char c = html[lt + 1];
  if (is_alpha(c) || (c == '/' && lt + 2 < n && is_alpha(html[lt + 2]))) return start_tag_end(html, lt);
  if (c == '!' || c == '?' || c == '/') {
    const size_t gt = html.find('>', lt + 2);
    return gt == std::string_view::npos ? gt : gt + 1;
  }
  return lt;
}

/// A copy of `html` whose sheets (of kMinSetAside bytes or more), texts (of kMinTextAside or more, after their
/// leading whitespace) and quoted attribute values of start tags (of kMinValueAside or more, unless keeps_values)
/// are placeholders, when as_read reads them; false when nothing was set aside. Comments, and the text of raw text
/// and RCDATA elements, are stepped over.
bool set_aside(std::string_view html, std::string* copy, Aside* aside) {
  if (html.find(kAsideMark) != std::string_view::npos || html.find(nonce_mark()) != std::string_view::npos) {
    return false;
  }
  const size_t n = html.size();
  size_t copied = 0;
  auto copy_to = [&](size_t from) {
    if (copy->empty()) copy->reserve(n);
    copy->append(html.substr(copied, from - copied));
  };
  auto put_placeholder = [&](std::string_view mark, size_t index) {  // "markN;"
    copy->append(mark);
    copy->append(std::to_string(index));
    copy->push_back(';');
  };
  // Reads `raw` into aside->chars; where it begins there, or npos.
  std::string& chars = *aside->chars;
  auto read_aside = [&](std::string_view raw) {
    const size_t at = chars.size();
    if (raw.find('&') != std::string_view::npos || !read_into(raw, &chars)) return std::string_view::npos;
    chars.push_back('\0');
    return at;
  };
  // The text from `from` (just past a '>' when after_gt) to `to` (a '<' or the end).
  auto text = [&](size_t from, size_t to, bool after_gt) {
    const size_t gt = html.substr(from, to - from).rfind('>');
    if (gt != std::string_view::npos) {
      from += gt + 1;
    } else if (!after_gt) {
      return;
    }
    while (from < to && is_html_space(html[from])) ++from;
    if (to - from < kMinTextAside) return;
    const size_t at = read_aside(html.substr(from, to - from));
    if (at == std::string_view::npos) return;
    copy_to(from);
    put_placeholder(text_mark(), aside->texts.size());
    aside->texts.push_back({at, chars.size() - 1 - at});
    copied = to;
  };
  std::vector<std::string_view> names;  // of one tag's attributes
  auto value = [&](size_t name_from, size_t name_to, size_t from, size_t to) {
    // The tokenizer drops an attribute whose name came before in the tag.
    const std::string_view name = html.substr(name_from, name_to - name_from);
    if (std::any_of(names.begin(), names.end(), [&](std::string_view seen) { return iequals(seen, name); })) return;
    names.push_back(name);
    if (to - from < kMinValueAside) return;
    const size_t at = read_aside(html.substr(from, to - from));
    if (at == std::string_view::npos) return;
    copy_to(from);
    aside->value_at.push_back(copy->size() - 1);
    copy->append(kValuePlaceholder);
    aside->values.push_back(at);
    copied = to;
  };
  std::string sheet;
  bool after_gt = false;
  for (size_t i = 0; i < n;) {
    const size_t at = html.find('<', i);
    text(i, at == std::string_view::npos ? n : at, after_gt);
    if (at == std::string_view::npos) break;
    if (html.substr(at, 4) == "<!--") {
      // A comment's markup (Outlook's conditional comments hold sheets too) is text: step over it, to "-->" or
      // the abrupt "<!-->" and "<!--->".
      const size_t end = html.substr(at + 4, 1) == ">"    ? at + 5
                         : html.substr(at + 4, 2) == "->" ? at + 6
                                                          : html.find("-->", at + 4);
      if (end == std::string_view::npos) break;
      i = html.substr(at + 4, 2) == "->" || html.substr(at + 4, 1) == ">" ? end : end + 3;
      after_gt = true;
      continue;
    }
    names.clear();
    const size_t open_end = at + 1 < n && is_alpha(html[at + 1]) && !keeps_values(html, at + 1)
                                ? start_tag_end(html, at, value)
                                : markup_end(html, at);
    if (open_end == std::string_view::npos) break;
    if (open_end == at) {  // a '<' of text
      i = at + 1;
      after_gt = false;
      continue;
    }
    // The text of an element read as raw text or RCDATA is stepped over (sheets are set aside), and all after
    // <plaintext> is text. In foreign content such tags are markup; a scan misled by them costs a parse again.
    if (tag_at(html, at + 1, "plaintext")) break;
    const std::string_view raw =
        tag_among(html, at + 1, {"style", "script", "textarea", "title", "xmp", "iframe", "noembed", "noframes"});
    if (raw.empty()) {
      i = open_end;
      after_gt = true;
      continue;
    }
    const bool style = raw == "style";
    const size_t close = raw_text_end(html, open_end, "</" + std::string(raw));
    if (close == std::string_view::npos) break;
    if (style && close - open_end >= kMinSetAside && as_read(html.substr(open_end, close - open_end), &sheet)) {
      copy_to(open_end);
      put_placeholder(kAsideMark, aside->sheets.size());
      aside->sheets.push_back(std::move(sheet));
      sheet = std::string();
      copied = close;
    }
    i = markup_end(html, close);
    if (i == std::string_view::npos) break;
    after_gt = true;
  }
  if (aside->empty()) return false;
  copy->append(html.substr(copied));
  return true;
}

/// Reads the "N;" that ends a placeholder at `at` of `text` into *index (below `count`, written as set_aside writes
/// it: no sign, no leading zero); where it ends, or npos.
size_t placeholder_index(std::string_view text, size_t at, size_t count, size_t* index) {
  const auto [end, ec] = std::from_chars(text.data() + at, text.data() + text.size(), *index);
  const size_t stop = static_cast<size_t>(end - text.data());
  if (ec != std::errc() || stop >= text.size() || text[stop] != ';' || *index >= count ||
      std::to_string(*index) != text.substr(at, stop - at)) {
    return std::string_view::npos;
  }
  return stop + 1;
}

/// The index of a sheet placeholder that `text` is whole, or -1.
long aside_index(std::string_view text, size_t count) {
  size_t index = 0;
  if (!text.starts_with(kAsideMark) || placeholder_index(text, kAsideMark.size(), count, &index) != text.size()) {
    return -1;
  }
  return static_cast<long>(index);
}

/// `text` with each text placeholder replaced by the text it stands for, each marked in *seen; false if one is
/// not a placeholder of the texts of `aside`, or was seen before.
bool restore_texts(std::string_view text, const Aside& aside, std::vector<bool>* seen, std::string* out) {
  const std::vector<Aside::Span>& texts = aside.texts;
  const std::string& mark = text_mark();
  size_t from = 0;
  for (size_t at; (at = text.find(mark, from)) != std::string_view::npos;) {
    size_t index = 0;
    const size_t end = placeholder_index(text, at + mark.size(), texts.size(), &index);
    if (end == std::string_view::npos || (*seen)[index]) return false;
    (*seen)[index] = true;
    out->append(text.substr(from, at - from));
    out->append(*aside.chars, texts[index].at, texts[index].size);
    from = end;
  }
  out->append(text.substr(from));
  return true;
}

/// Points each attribute of `el` that holds, whole, a value placeholder of `input` (as found at Parsed::value_at)
/// at the value it stands for, marking it in *seen. Clones of an element share its attributes' places.
void restore_values(const GumboElement& el, std::string_view input, const std::vector<size_t>& value_at,
                    const Aside& aside, std::vector<bool>* seen) {
  for (unsigned i = 0; i < el.attributes.length; ++i) {
    auto* a = static_cast<GumboAttribute*>(el.attributes.data[i]);
    const GumboStringPiece& raw = a->original_value;
    if (raw.length != kValuePlaceholder.size() + 2 || raw.data < input.data() ||
        raw.data >= input.data() + input.size()) {
      continue;
    }
    const size_t at = static_cast<size_t>(raw.data - input.data());
    const auto k = std::lower_bound(value_at.begin(), value_at.end(), at);
    if (k == value_at.end() || *k != at || std::string_view(a->value) != kValuePlaceholder) continue;
    const size_t index = static_cast<size_t>(k - value_at.begin());
    (*seen)[index] = true;
    a->value = aside.chars->data() + aside.values[index];
  }
}

/// Puts what set_aside took out back into `out`'s tree (which then owns it); false unless every sheet placeholder
/// is found whole, once, as the only text of an HTML <style> element, every text placeholder whole, once, in a text
/// node, and every value placeholder whole as the value of an attribute, at its place (see above for why the tree
/// is then the one of the input as it was).
bool restore_set_aside(Parsed* out, Aside* aside) {
  std::vector<bool> seen_sheets(aside->sheets.size(), false);
  std::vector<bool> seen_texts(aside->texts.size(), false);
  std::vector<bool> seen_values(aside->values.size(), false);
  const std::string_view input = out->repaired ? *out->repaired : *out->cut;
  const std::vector<std::string>& sheets = aside->sheets;
  const std::string& mark = text_mark();
  std::vector<GumboNode*> todo{out->output->document};
  while (!todo.empty()) {
    GumboNode* node = todo.back();
    todo.pop_back();
    if (node->type == GUMBO_NODE_TEXT) {
      const std::string_view text = node->v.text.text;
      if (aside->texts.empty() || text.find(mark) == std::string_view::npos) continue;
      std::string restored;
      if (!restore_texts(text, *aside, &seen_texts, &restored)) return false;
      node->v.text.text = out->restored.emplace_back(std::move(restored)).c_str();
      continue;
    }
    const GumboVector* children = nullptr;
    if (node->type == GUMBO_NODE_DOCUMENT) children = &node->v.document.children;
    if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) {
      const GumboElement& el = node->v.element;
      children = &el.children;
      if (!aside->values.empty()) restore_values(el, input, out->value_at, *aside, &seen_values);
      if (el.tag == GUMBO_TAG_STYLE && el.tag_namespace == GUMBO_NAMESPACE_HTML && el.children.length == 1) {
        GumboNode* child = static_cast<GumboNode*>(el.children.data[0]);
        const long k = child->type == GUMBO_NODE_TEXT ? aside_index(child->v.text.text, sheets.size()) : -1;
        if (k >= 0) {
          if (seen_sheets[static_cast<size_t>(k)]) return false;
          seen_sheets[static_cast<size_t>(k)] = true;
          child->v.text.text = sheets[static_cast<size_t>(k)].c_str();
          continue;
        }
      }
    }
    if (!children) continue;
    for (unsigned i = children->length; i-- > 0;) todo.push_back(static_cast<GumboNode*>(children->data[i]));
  }
  auto all = [](const std::vector<bool>& v) { return std::all_of(v.begin(), v.end(), [](bool b) { return b; }); };
  out->set_aside = std::move(aside->sheets);  // the nodes point into what they own, which moves with them
  out->aside_chars = std::move(aside->chars);
  return all(seen_sheets) && all(seen_texts) && all(seen_values);
}

/// Parses the budgeted prefix of `html` (as a fragment in <body> when `fragment`), halving it while the arena
/// overflows, with unknown end tags repaired (parse_repaired). With `aside`, sheets are first set aside and the
/// copy parsed; if that fails, or a placeholder is not found where it must be (restore_set_aside), the prefix is
/// parsed as it is.
Parsed parse_budgeted(std::string_view html, bool fragment, size_t max_bytes, uint64_t* work_left, size_t* tags_left,
                      bool aside) {
  Parsed out;
  size_t len = budgeted_prefix(html, max_bytes, work_left, tags_left);
  if (aside && len > 0) {
    auto copy = std::make_unique<std::string>();
    Aside aside;
    if (set_aside(html.substr(0, len), copy.get(), &aside)) {
      const std::string_view input = *copy;
      out.cut = std::move(copy);
      out.value_at = std::move(aside.value_at);
      if (parse_repaired(input, fragment, &out) && restore_set_aside(&out, &aside)) {
        out.parsed_bytes = len;
        return out;
      }
      out = Parsed();
    }
  }
  for (int attempt = 0; len > 0 && !parse_repaired(html.substr(0, len), fragment, &out); ++attempt) {
    const size_t half = html.rfind('<', len / 2);
    len = attempt >= 2 || half == std::string_view::npos || half == 0 ? 0 : half;
  }
  if (!out.output) {
    out.arena.reset();
    return out;
  }
  out.parsed_bytes = len;
  return out;
}

// ---- attribute helpers ---------------------------------------------------------------------------------------

/// Keeps only URLs the browser would fetch or follow over the web: http(s), protocol-relative and relative ones.
/// Tabs and newlines are removed and the ends trimmed, as the URL parser does.
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

/// True when the URL names its scheme ("https:..."); relative and protocol-relative URLs do not.
bool has_scheme(std::string_view url) {
  if (url.empty() || !is_alpha(url[0])) return false;
  size_t j = 1;
  while (j < url.size() && (is_alpha(url[j]) || is_digit(url[j]) || url[j] == '+' || url[j] == '-' || url[j] == '.')) {
    ++j;
  }
  return j < url.size() && url[j] == ':';
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

// ---- inline style --------------------------------------------------------------------------------------------

/// What an inline style says about an element's box and visibility.
struct StyleInfo {
  int width = -1;  ///< px, -1 when not given or not in px
  int height = -1;
  int max_width = -1;
  int max_height = -1;
  bool zero_width = false;  ///< width:0 in any unit
  bool zero_height = false;
  bool zero_max_width = false;
  bool zero_max_height = false;
  bool display_set = false;
  bool display_none = false;
  bool visibility_hidden = false;
  bool visibility_visible = false;
  bool opacity_zero = false;
  bool overflow_hidden = false;
  bool mso_hide = false;
};

/// The single non-whitespace token of a value, or nullptr.
const css::Token* single_token(const std::vector<css::Token>& value) {
  const css::Token* only = nullptr;
  for (const auto& t : value) {
    if (t.type == css::TokenType::kWhitespace) continue;
    if (only) return nullptr;
    only = &t;
  }
  return only;
}

bool is_zero_length(const std::vector<css::Token>& value) {
  const css::Token* t = single_token(value);
  return t &&
         (t->type == css::TokenType::kNumber || t->type == css::TokenType::kDimension ||
          t->type == css::TokenType::kPercentage) &&
         t->number == 0;
}

/// A length in px ("1px", "1", "0", "1.5px", "12pt"); -1 when unknown (auto, %, em...).
int css_px(const std::vector<css::Token>& value) {
  const css::Token* t = single_token(value);
  if (!t || t->number < 0 || t->number > 1e6) return -1;
  if (t->type == css::TokenType::kNumber || t->type == css::TokenType::kDimension) {
    if (t->number == 0) return 0;
    // A fractional but non-zero length still paints at least one pixel.
    if (t->type == css::TokenType::kNumber || iequals(t->unit, "px")) return std::max(1, static_cast<int>(t->number));
    if (iequals(t->unit, "pt")) return std::max(1, static_cast<int>(t->number * 4.0 / 3.0));
  }
  return -1;
}

bool has_ident(const std::vector<css::Token>& value, std::string_view ident) {
  return std::any_of(value.begin(), value.end(),
                     [&](const css::Token& t) { return t.type == css::TokenType::kIdent && iequals(t.value, ident); });
}

StyleInfo parse_style(const std::vector<css::Token>& tokens) {
  StyleInfo info;
  for (const css::Declaration& d : css::parse_declarations(tokens)) {
    const std::string& p = d.name;
    if (p == "display") {
      const css::Token* t = single_token(d.value);
      info.display_set = true;
      info.display_none = t && t->type == css::TokenType::kIdent && iequals(t->value, "none");
    } else if (p == "visibility") {
      const css::Token* t = single_token(d.value);
      const bool ident = t && t->type == css::TokenType::kIdent;
      info.visibility_hidden = ident && (iequals(t->value, "hidden") || iequals(t->value, "collapse"));
      info.visibility_visible = ident && iequals(t->value, "visible");
    } else if (p == "opacity") {
      const css::Token* t = single_token(d.value);
      info.opacity_zero =
          t && (t->type == css::TokenType::kNumber || t->type == css::TokenType::kPercentage) && t->number <= 0;
    } else if (p == "width") {
      info.width = css_px(d.value);
      info.zero_width = is_zero_length(d.value);
    } else if (p == "height") {
      info.height = css_px(d.value);
      info.zero_height = is_zero_length(d.value);
    } else if (p == "max-width") {
      info.max_width = css_px(d.value);
      info.zero_max_width = is_zero_length(d.value);
    } else if (p == "max-height") {
      info.max_height = css_px(d.value);
      info.zero_max_height = is_zero_length(d.value);
    } else if (p == "overflow" || p == "overflow-x" || p == "overflow-y") {
      info.overflow_hidden = has_ident(d.value, "hidden") || has_ident(d.value, "clip");
    } else if (p == "mso-hide") {
      info.mso_hide = has_ident(d.value, "all");
    }
  }
  return info;
}

/// True when a style attribute may set a property that parse_style reads (a backslash may spell any of them).
bool may_affect_box(std::string_view style) {
  if (style.find('\\') != std::string_view::npos) return true;
  for (std::string_view p : {"display", "visibility", "opacity", "width", "height", "overflow", "mso-hide"}) {
    if (ifind(style, p) != std::string_view::npos) return true;
  }
  return false;
}

// ---- the tree walk -------------------------------------------------------------------------------------------

const GumboAttribute* attribute(const GumboElement& el, const char* name) {
  return gumbo_get_attribute(&el.attributes, name);
}

/// Visibility state passed from an element to its children.
struct Context {
  bool gone = false;        ///< display:none, opacity:0 or a collapsed box above: nothing below is seen
  bool vis_hidden = false;  ///< visibility:hidden inherited (a descendant may say visible)
  bool outlook = false;     ///< inside Outlook-only content
  int media_parent = 0;     ///< nearest video (1), audio (2) or picture (3) ancestor
};

/// The condition and content of a downlevel-hidden conditional comment ("[if mso]>…<![endif]"), if it is one.
bool conditional_comment(std::string_view text, std::string_view* condition, std::string_view* content) {
  size_t i = 0;
  while (i < text.size() && is_html_space(text[i])) ++i;
  if (!istarts_with(text.substr(i), "[if")) return false;
  const size_t close = text.find("]>", i);
  if (close == std::string_view::npos) return false;
  *condition = text.substr(i + 3, close - i - 3);
  std::string_view rest = text.substr(close + 2);
  const size_t endif = ifind(rest, "<![endif]");
  *content = endif == std::string_view::npos ? rest : rest.substr(0, endif);
  return true;
}

/// Outlook renders a conditional comment whose condition holds for it: any but a negated "mso".
bool outlook_renders(std::string_view condition) {
  const std::string c = ascii_lower(condition);
  return c.find("!mso") == std::string::npos && c.find("not mso") == std::string::npos;
}

class Walker {
 public:
  Walker(std::string_view html, const ExtractOptions& options) : html_(html), options_(options) {}

  ExtractResult run() {
    Parsed doc = parse_budgeted(html_, false, options_.max_html_bytes, &work_left_, &tags_left_, options_.set_aside);
    result_.skipped_bytes += html_.size() - doc.parsed_bytes;
    if (doc.output) {
      find_base(doc.output->root);
      walk(doc.output->document, Context{});
    }
    for (size_t k = 0; k < result_.elements.size(); ++k) result_.elements[k].ref = "e" + std::to_string(k);
    return std::move(result_);
  }

 private:
  struct Frame {
    const GumboNode* node;
    size_t next_child;
    Context ctx;    ///< what this node's children inherit
    int link = -1;  ///< element index of the <a> this node opened, or -1
  };

  /// The first <base href> in tree order, parsed (a mail has no URL of its own to resolve a relative one).
  void find_base(const GumboNode* root) {
    for_each_element(root, [&](const GumboNode* node) {
      const GumboElement& el = node->v.element;
      if (el.tag != GUMBO_TAG_BASE || el.tag_namespace != GUMBO_NAMESPACE_HTML) return true;
      const GumboAttribute* href = attribute(el, "href");
      if (href) base_ = parse_url(href->value);
      return href == nullptr;
    });
  }

  /// Depth-first, iteratively (a document can nest 100,000 elements deep).
  void walk(const GumboNode* root, const Context& root_ctx) {
    std::vector<Frame> stack;
    stack.push_back({root, 0, root_ctx, -1});
    while (!stack.empty()) {
      Frame& f = stack.back();
      const GumboVector* children = nullptr;
      if (f.node->type == GUMBO_NODE_DOCUMENT) children = &f.node->v.document.children;
      if (f.node->type == GUMBO_NODE_ELEMENT) children = &f.node->v.element.children;
      if (!children || f.next_child >= children->length) {
        if (f.link >= 0) finish_link(f.link);
        stack.pop_back();
        continue;
      }
      const GumboNode* child = static_cast<const GumboNode*>(children->data[f.next_child++]);
      const Context ctx = f.ctx;
      switch (child->type) {
        case GUMBO_NODE_ELEMENT: {
          Frame next{child, 0, ctx, -1};
          open_element(child->v.element, &next);
          stack.push_back(next);
          break;
        }
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_WHITESPACE:
        case GUMBO_NODE_CDATA: text(child->v.text.text); break;
        case GUMBO_NODE_COMMENT: comment(child->v.text.text, ctx); break;
        default: break;  // <template> contents are inert: never rendered, never fetched
      }
    }
  }

  /// Outlook-only content: parsed as a fragment, its elements tagged. Content with no attribute value (no '=') and
  /// no sheet URL has nothing to fetch or follow and is not parsed: the ghost tables of responsive mails,
  /// "<table><tr><td>" (535 of the 1,077 fragments of the dev mails).
  void comment(const char* text, const Context& ctx) {
    std::string_view condition, content;
    if (!conditional_comment(text, &condition, &content) || !outlook_renders(condition) || content.empty()) return;
    if (content.find('=') == std::string_view::npos && !css::may_hold_url(content, true)) return;
    Parsed frag = parse_budgeted(content, true, content.size(), &work_left_, &tags_left_, options_.set_aside);
    result_.skipped_bytes += content.size() - frag.parsed_bytes;
    if (!frag.output) return;
    Context inner = ctx;
    inner.outlook = true;
    const auto saved_link = link_;
    link_ = -1;
    walk(frag.output->root, inner);
    link_ = saved_link;
  }

  void open_element(const GumboElement& el, Frame* frame) {
    const std::string element = element_name(el);
    const std::string_view name = element;  // compared with many literals below: no strlen, no call
    Context& ctx = frame->ctx;              // becomes the children's context
    const bool html = el.tag_namespace == GUMBO_NAMESPACE_HTML;

    // Most style attributes say nothing about visibility or size and hold no url(): those are not tokenized. A
    // style without url() is read once per mail (cached_style).
    StyleInfo st;
    std::vector<css::UrlRef> style_urls;
    const GumboAttribute* style = attribute(el, "style");
    if (style) {
      const std::string_view text = style->value;
      // url() and image-set() are functions (a '(' is never escaped); rgb() and calc() hold no URL.
      if (text.find('(') != std::string_view::npos && css::may_hold_url(text, false)) {
        const std::vector<css::Token> tokens = css::tokenize(text);
        st = parse_style(tokens);
        style_urls = css::find_urls(text, tokens, false);
      } else {
        st = cached_style(text);
      }
    }
    // The hidden attribute is the UA style display:none, which an inline display overrides.
    const bool display_none = st.display_none || (attribute(el, "hidden") && !st.display_set);
    const bool collapsed =
        st.overflow_hidden && (st.zero_max_height || st.zero_height || st.zero_max_width || st.zero_width);
    ctx.gone = ctx.gone || display_none || st.opacity_zero || collapsed || (ctx.outlook && st.mso_hide);
    ctx.vis_hidden = st.visibility_hidden || (ctx.vis_hidden && !st.visibility_visible);
    const bool visible = !(ctx.gone || ctx.vis_hidden || st.zero_width || st.zero_height);

    // Declared size: attributes, overridden by inline CSS, capped by max-width/max-height.
    Size declared;
    if (const GumboAttribute* w = attribute(el, "width")) declared.width = parse_dimension_attr(w->value);
    if (const GumboAttribute* h = attribute(el, "height")) declared.height = parse_dimension_attr(h->value);
    if (st.width >= 0) declared.width = st.width;
    if (st.height >= 0) declared.height = st.height;
    if (st.max_width >= 0 && (declared.width < 0 || declared.width > st.max_width)) declared.width = st.max_width;
    if (st.max_height >= 0 && (declared.height < 0 || declared.height > st.max_height)) {
      declared.height = st.max_height;
    }

    auto emit_value = [&](ElementKind kind, std::string_view raw) {
      return emit(kind, raw, declared, visible, ctx.outlook);
    };
    auto emit_attr = [&](ElementKind kind, const char* attr) {
      const GumboAttribute* a = attribute(el, attr);
      return a ? emit_value(kind, a->value) : -1;
    };
    auto emit_srcset = [&]() {
      if (const GumboAttribute* a = attribute(el, "srcset")) {
        for (const auto& u : parse_srcset(a->value)) emit_value(ElementKind::kSrcset, u);
      }
    };

    if (name == "img" || name == "image") {
      if (emit_attr(ElementKind::kImg, "src") < 0 && name == "image" && !attribute(el, "src")) {
        emit_attr(ElementKind::kImg, "href");  // SVG <image href> or xlink:href (gumbo names both "href")
      }
      emit_srcset();
    } else if (name == "source") {
      emit_srcset();
      emit_attr(ctx.media_parent == 1   ? ElementKind::kVideo
                : ctx.media_parent == 2 ? ElementKind::kAudio
                                        : ElementKind::kOther,
                "src");
    } else if (name == "a" || name == "area") {
      const int idx = emit_attr(ElementKind::kLink, "href");
      if (idx >= 0 && name == "area") {
        if (const GumboAttribute* alt = attribute(el, "alt")) {
          result_.elements[static_cast<size_t>(idx)].text = collapse_text(alt->value);
        }
      } else if (idx >= 0) {
        frame->link = idx;
        link_stack_.push_back(link_);
        link_ = idx;
        link_raw_.clear();
      }
    } else if (name == "iframe" || name == "frame") {
      emit_attr(ElementKind::kIframe, "src");
    } else if (name == "video") {
      emit_attr(ElementKind::kVideo, "src");
      emit_attr(ElementKind::kVideo, "poster");
      ctx.media_parent = 1;
    } else if (name == "audio") {
      emit_attr(ElementKind::kAudio, "src");
      ctx.media_parent = 2;
    } else if (name == "picture") {
      ctx.media_parent = 3;
    } else if (name == "embed") {
      emit_attr(ElementKind::kEmbed, "src");
    } else if (name == "object") {
      emit_attr(ElementKind::kObject, "data");
    } else if (name == "form") {
      emit_attr(ElementKind::kForm, "action");
    } else if (name == "input") {
      const GumboAttribute* type = attribute(el, "type");
      if (type && iequals(trim(type->value), "image")) emit_attr(ElementKind::kInputImage, "src");
    } else if (name == "link" && html) {
      if (const GumboAttribute* rel = attribute(el, "rel")) {
        bool fetched = false;
        std::string_view r = rel->value;
        while (!r.empty() && !fetched) {
          const size_t sp = r.find_first_of(" \t\n\r\f");
          const std::string_view token = r.substr(0, sp);
          fetched = iequals(token, "stylesheet") || iequals(token, "icon") || iequals(token, "preload") ||
                    iequals(token, "prefetch") || iequals(token, "prerender");
          r = sp == std::string_view::npos ? std::string_view() : r.substr(sp + 1);
        }
        if (fetched) emit_attr(ElementKind::kOther, "href");
      }
    } else if (name == "feimage") {
      emit_attr(ElementKind::kImg, "href");
    } else if (ctx.outlook && (name == "v:fill" || name == "v:image" || name == "v:imagedata")) {
      emit_attr(ElementKind::kImg, "src");  // VML: Outlook's "bulletproof" backgrounds and images
    }
    if (html && name_in(name, {"body", "table", "thead", "tbody", "tfoot", "tr", "td", "th"})) {
      emit_attr(ElementKind::kBackgroundAttr, "background");
    }
    for (const css::UrlRef& u : style_urls) emit_value(ElementKind::kCssBackground, u.url);
    if (name == "style") style_sheet(el, ctx.outlook);
  }

  /// A <style> element: its URLs are fetched wherever it sits (style sheets apply to the whole document), when
  /// a rule's selector matches something and, for @media, when the condition holds.
  void style_sheet(const GumboElement& el, bool outlook) {
    std::string sheet;
    for (unsigned i = 0; i < el.children.length; ++i) {
      const GumboNode* c = static_cast<const GumboNode*>(el.children.data[i]);
      if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE || c->type == GUMBO_NODE_CDATA) {
        sheet += c->v.text.text;
      }
    }
    for (const css::UrlRef& u : css::find_urls(sheet, true)) {
      const int idx = emit(u.import ? ElementKind::kOther : ElementKind::kCssBackground, u.url, Size{}, true, outlook);
      if (idx >= 0) {
        result_.elements[static_cast<size_t>(idx)].css_media = u.media;
        result_.elements[static_cast<size_t>(idx)].css_selector = u.selector;
      }
    }
  }

  int emit(ElementKind kind, std::string_view raw_url, Size declared, bool visible, bool outlook) {
    auto url = filter_url(raw_url);
    if (!url) return -1;
    if (result_.elements.size() >= options_.max_elements) {
      ++result_.skipped_elements;
      return -1;
    }
    if (base_ && !has_scheme(*url)) {
      if (auto resolved = parse_url(*url, *base_)) *url = resolved->str();
    }
    Element e;
    e.kind = kind;
    e.url = std::move(*url);
    e.declared = declared;
    e.visible = visible;
    e.outlook_only = outlook;
    result_.elements.push_back(std::move(e));
    return static_cast<int>(result_.elements.size() - 1);
  }

  void text(std::string_view s) {
    if (link_ < 0 || link_raw_.size() >= kMaxRawLinkText) return;
    link_raw_.append(s.substr(0, kMaxRawLinkText - link_raw_.size()));
  }

  void finish_link(int idx) {
    if (idx == link_) {
      result_.elements[static_cast<size_t>(idx)].text = collapse_text(link_raw_);
      link_raw_.clear();
    }
    if (!link_stack_.empty()) {
      link_ = link_stack_.back();
      link_stack_.pop_back();
    } else {
      link_ = -1;
    }
  }

  /// Collapses whitespace (ASCII and U+00A0, like JS \s) and caps at kMaxLinkTextChars code points.
  static std::string collapse_text(std::string_view decoded) {
    std::string out;
    out.reserve(std::min(decoded.size(), kMaxLinkTextChars * 4));
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
      out.append(decoded.substr(i, len));
      i += len;
      ++chars;
    }
    if (!is_valid_utf8(out)) out = repair_utf8(out);
    return out;
  }

  /// parse_style of a style attribute without url() (nothing to tokenize where may_affect_box says so): mails
  /// repeat the same few inline styles on every cell and span, so each distinct text is read once per mail (up to
  /// kMaxCachedStyles texts of kMaxCachedStyleBytes).
  StyleInfo cached_style(std::string_view text) {
    auto read = [text] { return may_affect_box(text) ? parse_style(css::tokenize(text)) : StyleInfo(); };
    if (text.size() > kMaxCachedStyleBytes) return read();
    const auto found = style_cache_.find(text);
    if (found != style_cache_.end()) return found->second;
    const StyleInfo st = read();
    if (style_cache_.size() < kMaxCachedStyles) style_cache_.emplace(std::string(text), st);
    return st;
  }

  static constexpr size_t kMaxCachedStyles = 4096;
  static constexpr size_t kMaxCachedStyleBytes = 1024;

  std::string_view html_;
  const ExtractOptions& options_;
  ExtractResult result_;
  std::unordered_map<std::string, StyleInfo, StringViewHash, std::equal_to<>> style_cache_;
  std::optional<Url> base_;
  uint64_t work_left_ = kMaxTreeWork;
  size_t tags_left_ = kMaxTags;
  int link_ = -1;  ///< element index of the innermost open <a>, or -1
  std::vector<int> link_stack_;
  std::string link_raw_;
};

}  // namespace

namespace detail {
bool sheet_as_read(std::string_view raw, std::string* out) {
  return as_read(raw, out);
}

std::string parse_tree_dump(std::string_view html, bool set_aside, bool* placeholders_kept) {
  uint64_t work_left = kMaxTreeWork;
  size_t tags_left = kMaxTags;
  const Parsed parsed = parse_budgeted(html, false, html.size(), &work_left, &tags_left, set_aside);
  if (placeholders_kept) *placeholders_kept = parsed.cut != nullptr;
  if (!parsed.output) return "(not parsed)\n";
  std::string out;
  std::vector<std::pair<const GumboNode*, size_t>> todo{{parsed.output->document, 0}};
  while (!todo.empty()) {
    const auto [node, depth] = todo.back();
    todo.pop_back();
    out.append(depth * 2, ' ');
    const GumboVector* children = nullptr;
    switch (node->type) {
      case GUMBO_NODE_DOCUMENT:
        out += "#document";
        children = &node->v.document.children;
        break;
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE: {
        const GumboElement& el = node->v.element;
        out += "<" + std::to_string(el.tag_namespace) + ":" + element_name(el);
        for (unsigned i = 0; i < el.attributes.length; ++i) {
          const auto* a = static_cast<const GumboAttribute*>(el.attributes.data[i]);
          out += " " + std::to_string(a->attr_namespace) + ":" + a->name + "=\"" + a->value + "\"";
        }
        out += node->type == GUMBO_NODE_TEMPLATE ? "> (template)" : ">";
        children = &el.children;
        break;
      }
      default: out += "#" + std::to_string(node->type) + " \"" + node->v.text.text + "\""; break;
    }
    out += "\n";
    if (!children) continue;
    for (unsigned i = children->length; i-- > 0;) {
      todo.emplace_back(static_cast<const GumboNode*>(children->data[i]), depth + 1);
    }
  }
  return out;
}
}  // namespace detail

ExtractResult extract_html(std::string_view html, const ExtractOptions& options) {
  try {
    return Walker(html, options).run();
  } catch (...) {
    // Allocation failure only; nothing sensible to return.
    ExtractResult r;
    r.skipped_bytes = html.size();
    return r;
  }
}

std::vector<Element> extract_elements(std::string_view html) {
  return extract_html(html).elements;
}

}  // namespace mailveil
