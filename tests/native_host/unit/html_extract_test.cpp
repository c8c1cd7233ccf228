// Tests for html_extract.h: the URL-bearing elements of an HTML mail body, on the tree a browser builds.
#include "html_extract.h"

#include <gumbo.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "charset.h"
#include "css.h"
#include "mime.h"

using namespace mailveil;

namespace {

std::vector<Element> of_kind(const std::vector<Element>& els, ElementKind kind) {
  std::vector<Element> out;
  for (const auto& e : els) {
    if (e.kind == kind) out.push_back(e);
  }
  return out;
}

std::vector<std::string> urls(const std::vector<Element>& els) {
  std::vector<std::string> out;
  for (const auto& e : els) out.push_back(e.url);
  return out;
}

using Urls = std::vector<std::string>;

}  // namespace

TEST_CASE("element kinds map to protocol strings and back", "[email]") {
  CHECK(std::string(to_string(ElementKind::kImg)) == "img");
  CHECK(std::string(to_string(ElementKind::kCssBackground)) == "css-background");
  CHECK(std::string(to_string(ElementKind::kBackgroundAttr)) == "background-attr");
  CHECK(std::string(to_string(ElementKind::kInputImage)) == "input-image");
  for (const char* s : {"img", "srcset", "css-background", "background-attr", "link", "iframe", "video", "audio",
                        "embed", "object", "form", "input-image", "other"}) {
    const auto k = element_kind_from_string(s);
    REQUIRE(k.has_value());
    CHECK(std::string(to_string(*k)) == s);
  }
  CHECK_FALSE(element_kind_from_string("IMG").has_value());
  CHECK_FALSE(element_kind_from_string("").has_value());
  CHECK(is_fetched_on_open(ElementKind::kImg));
  CHECK(is_fetched_on_open(ElementKind::kOther));
  CHECK(is_fetched_on_open(ElementKind::kIframe));
  CHECK_FALSE(is_fetched_on_open(ElementKind::kLink));
  CHECK_FALSE(is_fetched_on_open(ElementKind::kForm));
}

TEST_CASE("img src with attributes, case-insensitive names, all quoting styles", "[html]") {
  const auto els = extract_elements(
      "<IMG SRC=\"https://a.example/1.gif\" WIDTH=\"1\" Height='1'>"
      "<img src='https://a.example/2.gif' width=600>"
      "<img src=https://a.example/3.gif?x=1 alt=x>"
      "<img alt=\"no src\">");
  REQUIRE(els.size() == 3);
  CHECK(els[0].ref == "e0");
  CHECK(els[0].kind == ElementKind::kImg);
  CHECK(els[0].url == "https://a.example/1.gif");
  CHECK(els[0].declared.width == 1);
  CHECK(els[0].declared.height == 1);
  CHECK(els[0].visible);
  CHECK(els[1].url == "https://a.example/2.gif");
  CHECK(els[1].declared.width == 600);
  CHECK(els[1].declared.height == -1);
  CHECK(els[2].url == "https://a.example/3.gif?x=1");
  CHECK(els[2].ref == "e2");
}

TEST_CASE("entities in attribute values are decoded", "[html]") {
  const auto els = extract_elements(
      "<a href=\"https://t.example/c?u=1&amp;v=2&#38;w=&#x33;&quot;\">x</a>"
      "<img src=\"https:&#x2F;&#x2F;i.example&#47;p.gif?a=&#39;b&#39;\">"
      "<a href=\"https://t.example/?a=1&copy=2&amp=3\">y</a>");
  REQUIRE(els.size() == 3);
  CHECK(els[0].url == "https://t.example/c?u=1&v=2&w=3\"");
  CHECK(els[1].url == "https://i.example/p.gif?a='b'");
  CHECK(els[2].url == "https://t.example/?a=1&copy=2&amp=3");  // legacy names before '=' stay literal
}

TEST_CASE("an HTML-only mail with entity-encoded URLs yields the exact decoded URLs", "[html][mime]") {
  const std::string raw =
      "From: Shop <news@shop.example>\r\n"
      "To: reader@example.org\r\n"
      "Subject: Offers\r\n"
      "\r\n"
      "<html><body>\r\n"
      "<a href=\"https://click.shop.example/track?u=abc123&amp;id=42&amp;url=https%3A%2F%2Fshop.example%2Fsale\">"
      "Sale &amp; more</a>\r\n"
      "<img src=\"https://open.shop.example/o.gif?e=reader%40example.org&amp;c=7\" width=\"1\" height=\"1\">\r\n"
      "</body></html>\r\n";
  const ParsedMail m = parse_mail(raw);
  REQUIRE(m.html_parts.size() == 1);
  const auto els = extract_elements(m.html_parts[0]);
  REQUIRE(els.size() == 2);
  CHECK(els[0].kind == ElementKind::kLink);
  CHECK(els[0].url == "https://click.shop.example/track?u=abc123&id=42&url=https%3A%2F%2Fshop.example%2Fsale");
  CHECK(els[0].text == "Sale & more");
  CHECK(els[1].kind == ElementKind::kImg);
  CHECK(els[1].url == "https://open.shop.example/o.gif?e=reader%40example.org&c=7");
  CHECK(els[1].declared.width == 1);
  CHECK(els[1].declared.height == 1);
}

TEST_CASE("a sheet's URLs are found whatever the case of url(), @import and image-set(), escapes included",
          "[html][css]") {
  // A sheet without these names (and without a backslash) is not tokenized: these are the ways to write them.
  const auto els = extract_elements(
      "<style>.a{background:\\75rl(https://css.example/escaped.png)}</style>"
      "<style>@IMPORT 'https://css.example/upper.css';</style>"
      "<style>.b{background-image:-WEBKIT-IMAGE-SET(\"https://css.example/set.png\" 1x)}</style>"
      "<style>.c{background:Url(https://css.example/mixed.png)}</style>"
      "<style>.d{color:#333;font:12px Arial;margin:0 auto}</style>");
  CHECK(urls(els) == Urls{"https://css.example/escaped.png", "https://css.example/upper.css",
                          "https://css.example/set.png", "https://css.example/mixed.png"});
}

TEST_CASE("comments and script content are skipped, style content is scanned", "[html][css]") {
  const auto els = extract_elements(
      "<!-- <img src=\"https://comment.example/x.gif\"> -->"
      "<script>var s = '<img src=\"https://script.example/x.gif\">';</script>"
      "<SCRIPT type=x>document.write(\"<a href='https://script.example/a'>\")</SCRIPT >"
      "<style>\n"
      "  .a { background: url(\"https://css.example/a.png\") no-repeat; }\n"
      "  .b { background-image: URL( https://css.example/b.png ); }\n"
      "  /* .c { background: url(https://comment.example/c.png) } */\n"
      "  .d:after { content: \"url(https://string.example/d.png)\"; }\n"
      "  @import \"https://css.example/import.css\";\n"
      "</style>"
      "<title><img src=\"https://title.example/t.gif\"></title>"
      "<textarea><img src=\"https://textarea.example/t.gif\"></textarea>"
      "<img src=\"https://after.example/ok.gif\">");
  CHECK(urls(els) == Urls{"https://css.example/a.png", "https://css.example/b.png", "https://css.example/import.css",
                          "https://after.example/ok.gif"});
  REQUIRE(els.size() == 4);
  CHECK(els[0].kind == ElementKind::kCssBackground);
  CHECK(els[1].kind == ElementKind::kCssBackground);
  CHECK(els[2].kind == ElementKind::kOther);
  CHECK(els[3].kind == ElementKind::kImg);
}

TEST_CASE("inline style url() with quotes and CSS escapes", "[html][css]") {
  const auto els = extract_elements(
      "<div style=\"background:url('https://s.example/a\\'b.png')\"></div>"
      "<table><tr><td style=\"background-image: url(https://s.example/c\\(1\\).png)\"></table>"
      "<span style='background:url(&quot;https://s.example/e.png&quot;)'></span>"
      "<p style=\"background:url(https://s.example/\\66 ile.png)\"></p>");
  CHECK(urls(els) == Urls{"https://s.example/a'b.png", "https://s.example/c(1).png", "https://s.example/e.png",
                          "https://s.example/file.png"});
  for (const auto& e : els) CHECK(e.kind == ElementKind::kCssBackground);
}

TEST_CASE("background attributes on body, table and cells", "[html]") {
  const auto els = extract_elements(
      "<body background=\"https://b.example/body.jpg\"><table background='https://b.example/t.jpg'>"
      "<tr><td background=https://b.example/td.jpg width=1 height=1>x</td></tr></table>"
      "<div background=\"https://b.example/ignored.jpg\"></div></body>");
  CHECK(urls(els) == Urls{"https://b.example/body.jpg", "https://b.example/t.jpg", "https://b.example/td.jpg"});
  for (const auto& e : els) CHECK(e.kind == ElementKind::kBackgroundAttr);
  REQUIRE(els.size() == 3);
  CHECK(els[2].declared.width == 1);
}

TEST_CASE("srcset candidates, commas inside URLs, picture sources", "[html][srcset]") {
  const auto els = extract_elements(
      "<img src=\"https://i.example/a.jpg\" srcset=\"https://i.example/a,1.jpg 1x, https://i.example/b.jpg 2x,"
      "https://i.example/c.jpg,, https://i.example/d.jpg 100w\" width=\"300\">"
      "<picture><source srcset=\"https://i.example/p.webp\" type=\"image/webp\">"
      "<source media=\"(min-width: 600px)\" srcset=\"https://i.example/q1.jpg 1x, https://i.example/q2.jpg 2x\">"
      "<img src=\"https://i.example/p.jpg\"></picture>");
  const auto srcset = of_kind(els, ElementKind::kSrcset);
  CHECK(urls(srcset) == Urls{"https://i.example/a,1.jpg", "https://i.example/b.jpg", "https://i.example/c.jpg",
                             "https://i.example/d.jpg", "https://i.example/p.webp", "https://i.example/q1.jpg",
                             "https://i.example/q2.jpg"});
  CHECK(urls(of_kind(els, ElementKind::kImg)) == Urls{"https://i.example/a.jpg", "https://i.example/p.jpg"});
  REQUIRE(els.size() == 9);
  CHECK(els[0].kind == ElementKind::kImg);  // src comes before its srcset candidates
  CHECK(els[1].declared.width == 300);      // candidates share the img's declared size
}

TEST_CASE("links carry collapsed, decoded, capped anchor text", "[html][links]") {
  std::string long_text(500, 'x');
  const auto els = extract_elements(
      "<a href=\"https://l.example/1\">\n  Read   <b>more</b>&nbsp;&amp;\n\tmore  </a>"
      "<a href=\"https://l.example/2\"><img src=\"https://l.example/banner.png\"></a>"
      "<a href=\"https://l.example/3\">" +
      long_text +
      "</a>"
      "<a href=\"https://l.example/4\">unclosed <a href=\"https://l.example/5\">next</a> tail"
      "<map><area href=\"https://l.example/area\" alt=\" Area  link \"></map>"
      "<a name=\"anchor-only\">no href</a>");
  const auto links = of_kind(els, ElementKind::kLink);
  REQUIRE(links.size() == 6);
  CHECK(links[0].url == "https://l.example/1");
  CHECK(links[0].text == "Read more & more");
  CHECK(links[1].text.empty());
  CHECK(links[2].text.size() == 200);
  CHECK(links[3].text == "unclosed");
  CHECK(links[4].text == "next");
  CHECK(links[5].url == "https://l.example/area");
  CHECK(links[5].text == "Area link");
  // Document order: the banner image comes right after its link.
  REQUIRE(els.size() == 7);
  CHECK(els[1].kind == ElementKind::kLink);
  CHECK(els[2].kind == ElementKind::kImg);
  CHECK(els[2].ref == "e2");
}

TEST_CASE("anchor text is cut at a character boundary", "[html][links]") {
  std::string text;
  for (int i = 0; i < 150; ++i) text += "\xC3\xA9\xE2\x82\xAC";  // 300 code points, multi-byte
  const auto els = extract_elements("<a href=\"/x\">" + text + "</a>");
  REQUIRE(els.size() == 1);
  CHECK(is_valid_utf8(els[0].text));
  CHECK(els[0].text.size() == 100 * 2 + 100 * 3);
}

TEST_CASE("media, frames, objects, forms, inputs and stylesheets", "[html]") {
  const auto els = extract_elements(
      "<iframe src=\"https://f.example/frame\"><img src=\"https://f.example/inside-iframe.gif\"></iframe>"
      "<video src=\"https://m.example/v.mp4\" poster=\"https://m.example/poster.jpg\">"
      "<source src=\"https://m.example/v.webm\"></video>"
      "<audio src=\"https://m.example/a.mp3\"><source src=\"https://m.example/a.ogg\"></audio>"
      "<embed src=\"https://m.example/e.swf\"><object data=\"https://m.example/o.svg\"></object>"
      "<form action=\"https://f.example/post\"><input type=\"IMAGE\" src=\"https://f.example/btn.png\">"
      "<input type=\"text\" src=\"https://f.example/not-image.png\"></form>"
      "<link rel=\"Stylesheet\" href=\"https://c.example/s.css\"><link rel=\"icon\" href=\"https://c.example/i.ico\">");
  using K = ElementKind;
  const std::vector<std::pair<K, std::string>> expected = {
      {K::kIframe, "https://f.example/frame"},     {K::kVideo, "https://m.example/v.mp4"},
      {K::kVideo, "https://m.example/poster.jpg"}, {K::kVideo, "https://m.example/v.webm"},
      {K::kAudio, "https://m.example/a.mp3"},      {K::kAudio, "https://m.example/a.ogg"},
      {K::kEmbed, "https://m.example/e.swf"},      {K::kObject, "https://m.example/o.svg"},
      {K::kForm, "https://f.example/post"},        {K::kInputImage, "https://f.example/btn.png"},
      {K::kOther, "https://c.example/s.css"},      {K::kOther, "https://c.example/i.ico"},
  };
  REQUIRE(els.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    CHECK(els[i].kind == expected[i].first);
    CHECK(els[i].url == expected[i].second);
    CHECK(els[i].ref == "e" + std::to_string(i));
  }
}

TEST_CASE("declared size from attributes and inline CSS", "[html][size]") {
  const auto els = extract_elements(
      "<img src=/a width=\"1px\" height=\" 2 \">"
      "<img src=/b width=\"100%\" height=\"50%\">"
      "<img src=/c width=10 height=10 style=\"width:2px; HEIGHT: 3PX !important\">"
      "<img src=/d style=\"max-width:1px;max-height:1px\">"
      "<img src=/e width=600 height=400 style=\"max-width:300px\">"
      "<img src=/f style=\"width:auto;height:2em\">"
      "<img src=/g width=abc height=\"\">"
      "<img src=/h style=\"width: 1.5px; height: 0.9px\">");
  REQUIRE(els.size() == 8);
  auto size_of = [&](size_t i) { return std::make_pair(els[i].declared.width, els[i].declared.height); };
  CHECK(size_of(0) == std::make_pair(1, 2));
  CHECK(size_of(1) == std::make_pair(-1, -1));
  CHECK(size_of(2) == std::make_pair(2, 3));
  CHECK(size_of(3) == std::make_pair(1, 1));
  CHECK(size_of(4) == std::make_pair(300, 400));
  CHECK(size_of(5) == std::make_pair(-1, -1));
  CHECK(size_of(6) == std::make_pair(-1, -1));
  CHECK(size_of(7) == std::make_pair(1, 1));  // fractional but non-zero: at least one pixel
  CHECK(els[0].declared.known());
  CHECK_FALSE(els[1].declared.known());
}

TEST_CASE("visibility from inline styles", "[html][visible]") {
  const auto els = extract_elements(
      "<img src=/v1>"
      "<img src=/h1 style=\"display:none\">"
      "<img src=/h2 style=\"visibility: hidden\">"
      "<img src=/h3 style=\"opacity:0\">"
      "<img src=/h4 style=\"opacity: 0.0\">"
      "<img src=/h5 style=\"width:0\">"
      "<img src=/h6 style=\"height:0px\">"
      "<div style=\"max-height:0;overflow:hidden\"><img src=/h7></div>"
      "<div style=\"max-height:0\"><img src=/v2></div>"
      "<img src=/v3 style=\"opacity:0.5; display: block\">"
      "<img src=/h8 hidden>"
      "<img src=/h9 style=\"DISPLAY:NONE!important\">"
      "<img src=/v4 width=0 height=0>");
  REQUIRE(els.size() == 13);
  for (const auto& e : els) {
    INFO(e.url);
    CHECK(e.visible == (e.url[1] == 'v'));
  }
}

TEST_CASE("inline styles repeated across a mail are judged each time as written", "[html][visible]") {
  // Responsive mails repeat a few inline styles on every cell; each distinct text is parsed once per mail, and
  // past the 4,096 texts kept, or for a text over 1 KiB, parsed again each time: the verdicts are the same.
  std::string html;
  const std::string long_hidden = "display:none;" + std::string(1100, ' ');
  for (int i = 0; i < 5000; ++i) {
    const std::string n = std::to_string(i);
    html += "<img src=/v" + n + " style=\"width:600px;x-" + n + ":1\">";
    html += "<img src=/h" + n + " style=\"display:none;x-" + n + ":1\">";
    if (i % 1000 == 0) html += "<img src=/h" + n + "L style=\"" + long_hidden + "\">";
    html += "<img src=/v" + n + "b style=\"width:600px\"><img src=/h" + n + "b style=\"display:none\">";
  }
  ExtractOptions options;
  options.max_elements = 100000;
  const auto els = extract_html(html, options).elements;
  REQUIRE(els.size() == 20005);
  for (const auto& e : els) {
    INFO(e.url);
    CHECK(e.visible == (e.url[1] == 'v'));
    if (e.url[1] == 'v') CHECK(e.declared.width == 600);
  }
}

TEST_CASE("inline styles with functions: the box is read whether or not the style can hold a URL", "[html][visible]") {
  // A style with rgb() or calc() but no url() goes the cached way, one with url() or image-set() is tokenized with
  // its URLs; both give the same box. The second of each pair repeats the first (the cache).
  const auto els = extract_elements(
      "<img src=/h1 style=\"color:rgb(0,0,0);display:none\"><img src=/h2 style=\"color:rgb(0,0,0);display:none\">"
      "<img src=/v1 style=\"width:calc(100% - 2px);height:3px\"><img src=/v2 style=\"width:calc(100% - "
      "2px);height:3px\">"
      "<div style=\"background:rgb(1,2,3) url(https://t.example/h3.gif);display:none\">x</div>"
      "<div style=\"background:rgb(1,2,3) URL(https://t.example/v3.gif)\">x</div>"
      "<div style=\"background:-webkit-image-set('https://t.example/v4.png' 1x);opacity:0.5\">x</div>"
      "<div style=\"background:\\75rl(https://t.example/h4.gif);opacity:0\">x</div>"
      "<img src=/h5 style=\"color:rgb(0,0,0);DISPLAY:NONE\"><img src=/h6 style=\"color:rgb(0,0,0);d\\isplay:none\">");
  REQUIRE(urls(els) == Urls{"/h1", "/h2", "/v1", "/v2", "https://t.example/h3.gif", "https://t.example/v3.gif",
                            "https://t.example/v4.png", "https://t.example/h4.gif", "/h5", "/h6"});
  for (const auto& e : els) {
    INFO(e.url);
    CHECK(e.visible == (e.url.find("/v") != std::string::npos));
  }
  CHECK(els[3].declared.height == 3);
}

TEST_CASE("hidden ancestors hide their content, tolerating unclosed tags", "[html][visible]") {
  const auto els = extract_elements(
      "<div style=\"display:none\"><p>pre-header<span><img src=/h1></div>"
      "<img src=/v1>"
      "<table><tr><td style=\"display:none\"><img src=/h2><td><img src=/v2></table>"
      "<ul><li style=\"visibility:hidden\"><a href=\"https://x.example/h3\">x</a><li><a href=\"/v3\">y</a></ul>"
      "<div style=\"opacity:0\"><div><div><img src=/h4></div></div></div><img src=/v4>"
      "<div style=\"display:none\"><img src=/h5></foo></span></div><img src=/v5>"
      "<div style=\"display:none\"><a href=\"/h6\">t</a>");
  REQUIRE(els.size() == 11);
  for (const auto& e : els) {
    INFO(e.url);
    const bool expect_visible = e.url.find("/v") != std::string::npos;
    CHECK(e.visible == expect_visible);
  }
}

TEST_CASE("only web URLs are reported", "[html][urls]") {
  const auto els = extract_elements(
      "<img src=\"data:image/gif;base64,R0lGODlh\"><img src=\"cid:logo@x\"><a href=\"javascript:alert(1)\">j</a>"
      "<a href=\"JaVaScRiPt:alert(1)\">J</a><a href=\"java\tscript:alert(1)\">t</a><a href=\"mailto:a@b.example\">m</a>"
      "<a href=\"tel:+123\">t</a><iframe src=\"about:blank\"></iframe><a href=\"#top\">top</a><a href=\"\">e</a>"
      "<a href=\"ftp://f.example/x\">f</a><img src=\"   \">"
      "<img src=\"HTTPS://ok.example/1\"><img src=\"//cdn.example/2.gif\"><img src=\"images/3.gif\">"
      "<a href=\"/path?q=1#frag\">rel</a><img src=\"  https://ok.example/trim \n\">"
      "<img src=\"http://ok.example/plain\">");
  CHECK(urls(els) == Urls{"HTTPS://ok.example/1", "//cdn.example/2.gif", "images/3.gif", "/path?q=1#frag",
                          "https://ok.example/trim", "http://ok.example/plain"});
}

TEST_CASE("broken HTML never throws and keeps what can be read", "[html][robust]") {
  CHECK(extract_elements("").empty());
  CHECK(extract_elements("<").empty());
  CHECK(extract_elements("<img src=\"https://x.example/unterminated").empty());  // EOF inside a tag: dropped
  CHECK(extract_elements("<!-- never closed <img src=https://x.example/a>").empty());
  const auto a = extract_elements("a < b <3 </ > </> <img src=https://x.example/ok.gif <p>");
  REQUIRE(a.size() == 1);
  CHECK(a[0].url == "https://x.example/ok.gif");
  const auto dup = extract_elements("<img src=\"https://x.example/first\" src=\"https://x.example/second\">");
  REQUIRE(dup.size() == 1);
  CHECK(dup[0].url == "https://x.example/first");
  const auto noquote = extract_elements("<img src=https://x.example/q.gif/>");
  REQUIRE(noquote.size() == 1);
  CHECK(noquote[0].url == "https://x.example/q.gif/");
  // Invalid UTF-8 in the input still gives valid UTF-8 out.
  const auto bad = extract_elements("<a href=\"https://x.example/\xFF\">te\xC3xt</a>");
  REQUIRE(bad.size() == 1);
  CHECK(is_valid_utf8(bad[0].url));
  CHECK(is_valid_utf8(bad[0].text));
}

TEST_CASE("hostile HTML stays bounded: nesting, attributes, size and element count", "[html][robust]") {
  // 100,000 nested hidden <div>s would cost the tree builder quadratic time: the pre-scan's work budget stops the
  // parse before them, and the rest is reported, not silently lost.
  std::string deep = "<img src=/before>";
  for (int i = 0; i < 100000; ++i) deep += "<div style=\"display:none\">";
  deep += "<img src=/deep>";
  const ExtractResult d = extract_html(deep);
  REQUIRE_FALSE(d.elements.empty());
  CHECK(d.elements[0].url == "/before");
  CHECK(d.skipped_bytes > 0);
  CHECK(d.skipped_bytes < deep.size());
  // Misnested formatting elements (the adoption agency's worst case) are budgeted the same way.
  std::string formatting;
  for (int i = 0; i < 200000; ++i) formatting += "<b>x</i>";
  CHECK(extract_html(formatting).skipped_bytes > 0);
  // Links past the element cap are counted.
  std::string links;
  for (int i = 0; i < 20000; ++i) links += "<a href=/x" + std::to_string(i) + ">" + std::to_string(i) + "</a>";
  const ExtractResult l = extract_html(links);
  CHECK(l.elements.size() == kMaxExtractedElements);
  CHECK(l.skipped_elements == 20000 - kMaxExtractedElements);
  CHECK(l.elements.back().url == "/x" + std::to_string(kMaxExtractedElements - 1));
  ExtractOptions few;
  few.max_elements = 3;
  CHECK(extract_html(links, few).elements.size() == 3);
  // Many attributes on one tag; by the hundred thousand, gumbo's duplicate check would take minutes: the parse
  // stops at its CPU deadline (how far it got depends on the machine; it ends, with at most that element).
  std::string attrs = "<img";
  for (int i = 0; i < 2000; ++i) attrs += " a" + std::to_string(i) + "=1";
  CHECK(extract_elements(attrs + " src=/late>").size() == 1);
  for (int i = 2000; i < 200000; ++i) attrs += " a" + std::to_string(i) + "=1";
  CHECK(extract_elements(attrs + " src=/late>").size() <= 1);
  // A body over the size cap.
  std::string big = "<img src=/first>" + std::string(kMaxHtmlBytes, 'x') + "<img src=/past-the-cap>";
  const ExtractResult b = extract_html(big);
  REQUIRE(b.elements.size() == 1);
  CHECK(b.elements[0].url == "/first");
  CHECK(b.skipped_bytes > 0);
  ExtractOptions small;
  small.max_html_bytes = 1000;
  CHECK(extract_html("<img src=/a>" + std::string(2000, ' ') + "<img src=/b>", small).elements.size() == 1);
}

TEST_CASE("extract_html keeps the first max_elements and counts the others", "[html][robust]") {
  std::string html;
  for (int i = 0; i < 25000; ++i) html += "<img src=https://t.example/" + std::to_string(i) + ".gif>";
  ExtractOptions cap;
  cap.max_elements = 10000;
  const ExtractResult capped = extract_html(html, cap);
  REQUIRE(capped.elements.size() == 10000);
  CHECK(capped.skipped_elements == 15000);
  CHECK(capped.skipped_bytes == 0);
  CHECK(capped.elements.back().url == "https://t.example/9999.gif");
  CHECK(capped.elements.back().ref == "e9999");
  // The default is the protocol's per-message cap.
  static_assert(kMaxExtractedElements == kMaxElements);
  CHECK(extract_html(html).elements.size() == kMaxElements);
  CHECK(extract_elements(html).size() == kMaxElements);
  // Nothing is skipped under the cap; zero keeps nothing and counts all.
  const ExtractResult one = extract_html("<img src=https://a.example/x.gif>", cap);
  CHECK(one.elements.size() == 1);
  CHECK(one.skipped_elements == 0);
  cap.max_elements = 0;
  const ExtractResult none = extract_html(html, cap);
  CHECK(none.elements.empty());
  CHECK(none.skipped_elements == 25000);
}

// ---- browser tree building (../shared/parsers/probes.md: what a streaming tag scanner got wrong) ----------------

TEST_CASE("comments end where the browser ends them", "[html][tree]") {
  CHECK(urls(extract_elements("<!-- x --!><img src=https://t.example/bang>")) == Urls{"https://t.example/bang"});
  CHECK(urls(extract_elements("<!--><img src=https://t.example/abrupt>")) == Urls{"https://t.example/abrupt"});
  CHECK(urls(extract_elements("<!---><img src=https://t.example/abrupt2>")) == Urls{"https://t.example/abrupt2"});
  CHECK(urls(extract_elements("<!x><img src=https://t.example/bogus>")) == Urls{"https://t.example/bogus"});
  CHECK(extract_elements("<!-- <img src=https://t.example/inside> -- ><img src=/x>").empty());
}

TEST_CASE("the full HTML5 entity table applies in attributes", "[html][entities]") {
  const auto els = extract_elements(
      "<img src=\"https://t.example/e?to=jane&commat;example.org\">"
      "<img src=\"http&colon;&sol;&sol;t&period;example/e7\">"
      "<img src=\"https://t.ex&NewLine;ample/e9\">"
      "<img src=\"https://t.example/q?a=1&lbrack;&rsqb;&bsol;\">"
      "<img src=\"https://t.example/legacy?a=1&not=2&copy\">");
  CHECK(urls(els) == Urls{"https://t.example/e?to=jane@example.org", "http://t.example/e7", "https://t.example/e9",
                          "https://t.example/q?a=1[]\\", "https://t.example/legacy?a=1&not=2\xC2\xA9"});
}

TEST_CASE("foreign content, template, select and noscript as in a browser", "[html][tree]") {
  CHECK(urls(extract_elements("<svg><style><img src=https://t.example/m5></style></svg>")) ==
        Urls{"https://t.example/m5"});
  CHECK(urls(extract_elements("<svg><title><img src=https://t.example/m6></title></svg>")) ==
        Urls{"https://t.example/m6"});
  CHECK(extract_elements("<template><img src=https://t.example/m7></template>").empty());
  CHECK(extract_elements("<select><img src=https://t.example/m8></select>").empty());
  CHECK(urls(extract_elements("<noscript><img src=https://t.example/m9></noscript>")) == Urls{"https://t.example/m9"});
  const auto svg = extract_elements(
      "<svg><image href=\"https://t.example/svg-href\"/><image xlink:href=\"https://t.example/svg-xlink\"/>"
      "<filter><feImage href=\"https://t.example/feimage\"/></filter></svg>");
  CHECK(urls(svg) == Urls{"https://t.example/svg-href", "https://t.example/svg-xlink", "https://t.example/feimage"});
  for (const auto& e : svg) CHECK(e.kind == ElementKind::kImg);
}

TEST_CASE("visibility follows the tree the browser builds", "[html][visible][tree]") {
  struct Case {
    const char* html;
    bool visible;
  };
  const Case cases[] = {
      // A misnested </a> does not close the hidden <div> (spam sample-7310's trick).
      {"<div style=\"display:none\"><a href=\"#\"><div></a></div><img src=/x>", false},
      // </div> inside a cell with no <div> in table scope is ignored.
      {"<div style=\"display:none\"><table><tr><td></div><img src=/x>", false},
      // Quirks mode: <table> does not close a hidden <p>; with a doctype it does.
      {"<p style=\"display:none\"><table><tr><td><img src=/x></td></tr></table>", false},
      {"<!DOCTYPE html><p style=\"display:none\"><table><tr><td><img src=/x></td></tr></table>", true},
      // The adoption agency re-opens the hidden <font> in the next paragraph.
      {"<p><font style=\"display:none\">t</p><p><img src=/x>", false},
      // Foster parenting moves a hidden <div>/<span> out of the table: the image is not inside them.
      {"<table><div style=\"display:none\"><tr><td><img src=/x></td></tr></div></table>", true},
      {"<table><tr><td>a</td></tr><span style=\"display:none\"><tr><td><img src=/x></td></tr></span></table>", true},
      {"<p style=\"display:none\"><button></p><img src=/x></button>", false},
      // CSS: visibility is inherited and undone; escapes are decoded; hidden="" gives way to an inline display.
      {"<div style=\"visibility:hidden\"><span style=\"visibility:visible\"><img src=/x></span></div>", true},
      {"<div style=\"display:n\\one\"><img src=/x></div>", false},
      {"<div style=\"displ\\61 y:none\"><img src=/x></div>", false},
      {"<div hidden style=\"display:block\"><img src=/x></div>", true},
      {"<div hidden><img src=/x></div>", false},
      // A zero-size box hides its content only with overflow hidden.
      {"<div style=\"max-height:0;overflow:hidden\"><img src=/x></div>", false},
      {"<div style=\"max-width:0px;overflow:clip\"><img src=/x></div>", false},
      {"<div style=\"height:0\"><img src=/x></div>", true},
      // mso-hide:all hides in Outlook only: a browser shows the element.
      {"<div style=\"mso-hide:all\"><img src=/x></div>", true},
      // Unknown elements: </spa> matches nothing in a browser (gumbo 0.10 would close <sp>).
      {"<sp style=\"display:none\"><b>x</spa><img src=/x>", false},
      {"<x-a style=\"display:none\"><x-b></x-a><img src=/x>", true},
      {"<x-a style=\"display:none\"><x-b></x-c><img src=/x>", false},
  };
  for (const Case& c : cases) {
    INFO(c.html);
    const auto els = extract_elements(c.html);
    REQUIRE(els.size() == 1);
    CHECK(els[0].visible == c.visible);
  }
}

TEST_CASE("a link is cloned where a browser clones it, and only there", "[html][tree]") {
  // The adoption agency: the second paragraph's text re-opens the unclosed link.
  CHECK(extract_elements("<p><a href=https://t.example/m11>one<p>two</a>").size() == 2);
  // An unknown end tag must not close the link (gumbo 0.10's unknown-tag matching, repaired).
  CHECK(extract_elements("<sp an><a href=https://t.example/l>www.<span>c</spa>.net</a> tail").size() == 1);
}

TEST_CASE("CSS: escapes, image-set() and bad url() tokens as a browser reads them", "[html][css]") {
  const auto els = extract_elements(
      "<div style=\"background:\\75rl(https://t.example/c3)\">x</div>"
      "<div style=\"background:u\\rl(https://t.example/c4)\">x</div>"
      "<div style=\"background:url(https://t.example/c5\\)x)\">x</div>"
      "<div style=\"background:url(https://t.example/c7&quot;x)\">bad url: nothing</div>"
      "<div style=\"background-image:image-set('https://t.example/c8.png' 1x, url(https://t.example/c8b.png) 2x)\">"
      "</div>"
      "<div style=\"background-image:-webkit-image-set(\\'no\\' 1x, &quot;https://t.example/c8c.png&quot; 2x)\"></div>"
      "<div style=\"background:url(/*x*/https://t.example/c10)\">x</div>"
      "<style>@\\69mport url(https://t.example/c9.css);</style>");
  CHECK(urls(els) == Urls{"https://t.example/c3", "https://t.example/c4", "https://t.example/c5)x",
                          "https://t.example/c8.png", "https://t.example/c8b.png", "https://t.example/c8c.png",
                          "/*x*/https://t.example/c10", "https://t.example/c9.css"});
}

TEST_CASE("CSS numbers read as strtod reads them, at any magnitude", "[css]") {
  // The tokenizer reads numbers with from_chars and leaves what is out of a double's range to strtod: the values
  // are the same to the bit, zeros' signs included.
  const std::vector<std::string> fixed = {"0",
                                          "-0",
                                          "+0",
                                          "1",
                                          "+.5",
                                          "-.5",
                                          "007",
                                          "1e3",
                                          "1E-3",
                                          "2.5e+2",
                                          "1e308",
                                          "1e309",
                                          "-1e400",
                                          "1e-320",
                                          "1e-400",
                                          "-1e-400",
                                          "4.9e-324",
                                          "0.1",
                                          "123456789012345678901234567890",
                                          "3.14159265358979323846"};
  std::vector<std::string> numbers = fixed;
  uint32_t seed = 97;
  auto next = [&seed](uint32_t n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % n;
  };
  for (int i = 0; i < 2000; ++i) {
    std::string n = next(3) == 0 ? "-" : next(4) == 0 ? "+" : "";
    for (uint32_t d = next(25); d-- > 0;) n += static_cast<char>('0' + next(10));
    if (next(2) == 0) {
      n += '.';
      for (uint32_t d = 1 + next(20); d-- > 0;) n += static_cast<char>('0' + next(10));
    }
    if (n.empty() || n.back() < '0' || n.back() > '9') n += static_cast<char>('0' + next(10));
    if (next(2) == 0) n += "e" + std::string(next(2) == 0 ? "-" : "") + std::to_string(next(420));
    numbers.push_back(n);
  }
  for (const std::string& n : numbers) {
    for (const std::string_view unit : {"", "%", "px"}) {
      INFO(n + std::string(unit));
      const std::vector<css::Token> tokens = css::tokenize(n + std::string(unit));
      REQUIRE(tokens.size() == 1);
      double want = std::strtod(n.c_str(), nullptr);
      if (!std::isfinite(want)) want = 0;
      CHECK(std::memcmp(&tokens[0].number, &want, sizeof want) == 0);
      CHECK(tokens[0].unit == (unit == "px" ? "px" : ""));
    }
  }
}

TEST_CASE("CSS: a text is tokenized for URLs only when it may name one", "[css]") {
  // may_hold_url() is false only where find_urls() finds nothing.
  const std::vector<std::pair<std::string, bool>> cases = {
      {"color:rgb(0,0,0);width:calc(100% - 2px)", false},
      {"background:url(https://t.example/a.gif)", true},
      {"background:URL(https://t.example/a.gif)", true},
      {"background:\\75rl(https://t.example/a.gif)", true},
      {"background:-webkit-image-set('https://t.example/a.png' 1x)", true},
      {"@import 'https://t.example/a.css';", true},
  };
  for (const auto& [text, may] : cases) {
    INFO(text);
    CHECK(css::may_hold_url(text, true) == may);
    CHECK(css::find_urls(text, true).empty() == !may);
  }
  // In a style attribute @import names nothing; in a sheet it does.
  CHECK_FALSE(css::may_hold_url("@import 'https://t.example/a.css'", false));
  CHECK(css::find_urls("@import 'https://t.example/a.css'", css::tokenize("@import 'https://t.example/a.css'"), false)
            .empty());
}

TEST_CASE("style sheets: @media and selectors are kept for judging CSS beacons", "[html][css]") {
  const auto els = extract_elements(
      "<style>"
      "@media print { #_t { background-image: url('https://t.example/print?id=8f14e45f'); } }\n"
      "@media screen and (max-width:480px) { .mobile div { background: URL(https://t.example/m.png) } }\n"
      "blockquote .fwd { background: url(https://t.example/forwarded) }\n"
      "@supports (display:grid) { .g { background: url(https://t.example/g.png) } }\n"
      "@font-face { font-family: x; src: url(https://t.example/f.woff) }\n"
      "</style><p id=_t class=fwd>t</p>");
  REQUIRE(els.size() == 5);
  CHECK(els[0].url == "https://t.example/print?id=8f14e45f");
  CHECK(els[0].css_media == "print");
  CHECK(els[0].css_selector == "#_t");
  CHECK(els[1].css_media == "screen and (max-width:480px)");
  CHECK(els[1].css_selector == ".mobile div");
  CHECK(els[2].css_media.empty());
  CHECK(els[2].css_selector == "blockquote .fwd");
  CHECK(els[3].css_selector == ".g");
  CHECK(els[4].css_selector.empty());
  for (const auto& e : els) CHECK(e.kind == ElementKind::kCssBackground);
}

TEST_CASE("<base href> resolves relative URLs; tbody backgrounds and <link rel> are fetched", "[html][base]") {
  const auto els = extract_elements(
      "<img src=\"early.gif\"><base href=\"https://t.example/dir/\"><base href=\"https://ignored.example/\">"
      "<img src=\"open.gif?id=8f14e45fceea167a\"><a href=\"../up\">u</a><img src=\"//cdn.example/x\">"
      "<img src=\"https://abs.example/y\">"
      "<table><tbody background=\"b.png\"><tr><td>x</td></tr></tbody></table>"
      "<link rel=\"shortcut icon\" href=\"/favicon.ico\"><link rel=preload href=/p.js>"
      "<link rel=prefetch href=/n><link rel=dns-prefetch href=//dns.example><link rel=alternate href=/feed>");
  CHECK(urls(els) == Urls{"https://t.example/dir/early.gif", "https://t.example/dir/open.gif?id=8f14e45fceea167a",
                          "https://t.example/up", "https://cdn.example/x", "https://abs.example/y",
                          "https://t.example/dir/b.png", "https://t.example/favicon.ico", "https://t.example/p.js",
                          "https://t.example/n"});
  CHECK(els[5].kind == ElementKind::kBackgroundAttr);
  CHECK(els[6].kind == ElementKind::kOther);
  // A relative <base> has nothing to resolve against in a mail: ignored.
  CHECK(urls(extract_elements("<base href=\"/dir/\"><img src=\"a.gif\">")) == Urls{"a.gif"});
}

TEST_CASE("Outlook conditional comments: extracted, tagged, with VML images and mso-hide", "[html][outlook]") {
  const auto els = extract_elements(
      "<!--[if mso]><img src=\"https://t.example/mso.gif\" width=1 height=1><![endif]-->"
      "<!--[if !mso]><!--><img src=\"https://t.example/notmso.gif\"><!--<![endif]-->"
      "<!--[if gte mso 9]><v:rect><v:fill type=\"tile\" src=\"https://t.example/bg.jpg\"/></v:rect>"
      "<v:image src=\"https://t.example/vml.png\"/><![endif]-->"
      "<!--[if mso | IE]><table><tr><td style=\"mso-hide:all\"><img src=\"https://t.example/hidden-in-outlook\">"
      "</td></tr></table><![endif]-->"
      "<!--[if !mso]><img src=\"https://t.example/never.gif\"><![endif]-->"
      "<div style=\"display:none\"><!--[if mso]><a href=\"https://t.example/mso-link\">x</a><![endif]--></div>"
      "<!-- ordinary comment <img src=\"https://t.example/comment.gif\"> -->"
      "<!--[if mso]><table><tr><td><![endif]--><!--[if mso]></td></tr></table><![endif]-->"
      "<!--[if mso]><style>td{background:URL(https://t.example/mso-sheet.gif)}</style><![endif]-->");
  CHECK(urls(els) == Urls{"https://t.example/mso.gif", "https://t.example/notmso.gif", "https://t.example/bg.jpg",
                          "https://t.example/vml.png", "https://t.example/hidden-in-outlook",
                          "https://t.example/mso-link", "https://t.example/mso-sheet.gif"});
  REQUIRE(els.size() == 7);
  CHECK(els[6].outlook_only);
  CHECK(els[0].outlook_only);
  CHECK(els[0].declared.width == 1);
  CHECK_FALSE(els[1].outlook_only);  // downlevel-revealed: every client shows it
  CHECK(els[2].outlook_only);
  CHECK(els[2].kind == ElementKind::kImg);
  CHECK(els[3].outlook_only);
  CHECK_FALSE(els[4].visible);  // mso-hide:all, in Outlook's own content
  CHECK(els[5].outlook_only);
  CHECK(els[5].text == "x");
  CHECK_FALSE(els[5].visible);  // inside a hidden <div>
}

#ifdef MAILVEIL_PARSERS_DATA
// ../shared/parsers/probes.json: 81 snippets (HTML, CSS, MIME) with the elements an HTML5 spec parser (html5lib)
// and Python's email extract. Every probe must give the reference's URLs, in order, with its visibility, but for
// the deliberate differences below (docs/evaluation.md).
TEST_CASE("probes.json: the extractor agrees with the reference HTML5 parser on every snippet", "[html][reference]") {
  // probe name -> what MailVeil extracts instead, and why.
  const std::map<std::string, std::string> deliberate = {
      // CSS: an inline display overrides the UA style [hidden]{display:none}; browsers show it.
      {"hidden=\"\" attribute overridden by inline display:block", "`http://t.example/h15`"},
      // RFC 2045 6.7: trailing blanks before a soft line break are dropped (Python keeps them).
      {"QP soft break with trailing blanks `=  `", "`http://t.example/q3/ab.gif`"},
      // RFC 2045 allows a comment after the encoding name.
      {"CTE with a comment `base64 (x)`", "`http://t.example/b3`"},
      // No Content-Type: MailVeil sniffs HTML, a harmless extra.
      {"no Content-Type at all, HTML body", "`http://t.example/untyped`"},
      // A quoted type is invalid, but read: a harmless extra.
      {"quoted type `\"text/html\"`", "`http://t.example/quotedct`"},
  };
  std::ifstream in(std::string(MAILVEIL_PARSERS_DATA) + "/probes.json");
  REQUIRE(in);
  const nlohmann::json probes = nlohmann::json::parse(in);
  REQUIRE(probes.size() >= 81);
  size_t compared = 0;
  for (const auto& p : probes) {
    const std::string name = p["name"];
    const std::string input = p["input"];
    std::vector<std::string> parts;
    if (input.starts_with("Content-Type:") || input.starts_with("Subject:")) {
      parts = parse_mail(input).html_parts;
    } else {
      parts.push_back(input);
    }
    // Ours, in the reference's notation: `url` or `url` (hidden), joined by <br>; "—" for none.
    std::string ours;
    for (const auto& html : parts) {
      for (const auto& e : extract_elements(html)) {
        if (e.outlook_only) continue;  // no browser renders it; the reference skips comments
        ours += (ours.empty() ? "" : "<br>") + ("`" + e.url + "`") + (e.visible ? "" : " (hidden)");
      }
    }
    if (ours.empty()) ours = "\xE2\x80\x94";
    const auto d = deliberate.find(name);
    const std::string expected = d != deliberate.end() ? d->second : p["ref"].get<std::string>();
    INFO(p["class"].get<std::string>() << " / " << name << "\n  input: " << input);
    CHECK(ours == expected);
    ++compared;
  }
  CHECK(compared == probes.size());
}
#endif

namespace {

/// A fixed sequence of indices into `count` markup pieces.
struct RandomPieces {
  size_t count;
  uint32_t state;
  size_t operator()() {
    state = state * 1103515245u + 12345u;
    return (state >> 8) % count;
  }
};

/// Every field of every element, and the counts, of extract_html with sheets set aside or not.
std::string extraction_dump(const std::string& html, bool set_aside) {
  ExtractOptions options;
  options.set_aside = set_aside;
  const ExtractResult r = extract_html(html, options);
  std::string out = std::to_string(r.skipped_elements) + "/" + std::to_string(r.skipped_bytes) + "\n";
  for (const Element& e : r.elements) {
    out += e.ref + "|" + std::string(to_string(e.kind)) + "|" + e.url + "|" + std::to_string(e.declared.width) + "x" +
           std::to_string(e.declared.height) + "|" + (e.visible ? "v" : "h") + (e.outlook_only ? "o" : "") + "|" +
           e.text + "|" + e.css_media + "|" + e.css_selector + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("sheets set aside from the tree builder give the elements of the parse with them", "[html][css]") {
  // The sheets are long enough to be set aside; each case puts them where a scan for "<style" may misjudge the
  // tokenizer (comments, scripts, raw text elements, foreign content, ignored tags) or where their exact text
  // matters (a link's text holds its <style>'s text, CR LF and lone CR included).
  const std::string rules =
      ".hero{background:url(https://img.example/bg.png)} @media print{#t{background:"
      "url('https://t.example/p.gif?u=1')}} td{color:#333}";
  const std::vector<std::string> cases = {
      "<html><head><style>" + rules + "</style></head><body><img src=https://a.example/i.png></body></html>",
      "<style type=\"text/css\" data-x=\"a>b\">" + rules + "</style><p>x",
      "<a href=\"https://l.example/\">pre<style>" + rules + "\r\n\r" + rules + "</style>post</a>",
      "<a href=\"https://l.example/\"><style>" + rules + " é ✓ 😀 \t</style></a>",
      "<!--[if mso]><style>" + rules + "</style><![endif]--><style>" + rules + "</style>",
      "<!--><style>" + rules + "</style><!---><style>" + rules + "</style>",
      "<script>var s='<style>" + rules + "</style>';</script><style>" + rules + "</style>",
      "<noframes><xml><style></xml></noframes><style>" + rules + "</style>",
      "<textarea><style>" + rules + "</style></textarea><style>" + rules + "</style>",
      "<title><style>" + rules + "</style></title><xmp><style>" + rules + "</xmp>",
      "<iframe><style>" + rules + "</style></iframe><noscript><style>" + rules + "</style></noscript>",
      "<svg><style>" + rules + "<a href='https://svg.example/'>t</a></style></svg>",
      "<select><style>" + rules + "</style><option>o</select>",
      "<table><style>" + rules + "</style><tr><td style=\"background:url(https://c.example/c.png)\">c</table>",
      "<template><style>" + rules + "</style></template><style>" + rules + "</style>",
      "<frameset><style>" + rules + "</style></frameset>",
      "<style>" + rules + "</styles><img src=https://in.example/x.png></style><img src=https://out.example/y.png>",
      "<style>" + rules + "</style foo=bar><style>" + rules + "</STYLE\t>",
      "<style>" + rules + "@mailveil-sheet:0;</style>",
      "<p title=\"<style>" + rules + "</style>\">t</p><style>" + rules + "</style>",
      "<style>" + rules + std::string(1, '\0') + "</style><style>" + rules + "\x01\x7f</style>",
      "<style>" + rules + "\xc3(\xef\xb7\x90</style><style>" + rules + "\xc2\x85</style>",
      "<style>" + rules,
      "<style>" + rules + "</sty",
      "<p><b><a href=https://m.example/>x<p>y<style>" + rules + "</style>z</a></b>",
      "<math><mi><style>" + rules + "</style></mi></math><body><style>" + rules + "</style>",
  };
  for (const std::string& html : cases) {
    INFO(html);
    const std::string plain = extraction_dump(html, false);
    CHECK(extraction_dump(html, true) == plain);
  }
  // The sheet's URLs are found when it is set aside, with their @media and selector.
  const std::string doc = extraction_dump("<style>" + rules + "</style>", true);
  CHECK_THAT(doc, Catch::Contains("https://t.example/p.gif?u=1|-1x-1|v||print|#t"));
  CHECK_THAT(doc, Catch::Contains("https://img.example/bg.png|-1x-1|v|||.hero"));
}

TEST_CASE("sheets set aside: random mixtures of markup give the elements of the parse with them", "[html][css]") {
  const std::vector<std::string> pieces = {
      "<style>.a{background:url(https://s.example/a.png)} .b{color:red} .c{margin:0 auto;padding:0}</style>",
      "<style media=print>@import url(https://s.example/i.css);#x{background-image:url(//p.example/x.gif)}</style>",
      "<!--[if mso]>",
      "<![endif]-->",
      "<!--",
      "-->",
      "<script>",
      "</script>",
      "<svg>",
      "</svg>",
      "<table>",
      "<tr><td>",
      "</table>",
      "<a href=https://l.example/>",
      "</a>",
      "<b>",
      "</b>",
      "<p>",
      "<textarea>",
      "</textarea>",
      "<title>",
      "</title>",
      "<select>",
      "</select>",
      "<template>",
      "</template>",
      "\r\n",
      "\r",
      "text &amp; more",
      "<img src=https://i.example/1.png width=1 height=1>",
      "<div style=\"display:none\">",
      "</div>",
      "</style>",
      "<style>",
      "<noframes>",
      "</noframes>",
      "é✓",
      "<math>",
      "</math>",
      "<xmp>",
      "</xmp>",
  };
  RandomPieces next{pieces.size(), 12345};
  for (int round = 0; round < 400; ++round) {
    std::string html;
    const int count = 3 + static_cast<int>(next() % 12);
    for (int k = 0; k < count; ++k) html += pieces[next()];
    INFO(html);
    CHECK(extraction_dump(html, true) == extraction_dump(html, false));
  }
}

TEST_CASE("texts and attribute values set aside give the tree of the parse with them", "[html]") {
  // Each case holds texts and values long enough to be set aside, where the insertion mode or the tokenizer state
  // treats characters apart, or where a scan of the markup may misjudge it. The whole tree (every node, attribute
  // and text) must be the one gumbo builds from the input as it is; `kept` says whether the placeholders survive
  // (else the body is parsed again as it is, which this also checks).
  const std::string text = "Read the whole story on our site, it is worth it.";       // 49 bytes
  const std::string value = "font-family:Arial,sans-serif;color:#333333;padding:0";   // 52 bytes
  const std::string url = "https://img.example/newsletter/2026/11/banner-large.png";  // 55 bytes
  struct Case {
    std::string html;
    bool kept;
  };
  const std::vector<Case> cases = {
      // insertion modes before <body>: leading whitespace stays where it is, the text opens <body>
      {"<html><head><title>" + text + "</title>\n  " + text + "<p style=\"" + value + "\">x</p>", true},
      {"<!DOCTYPE html><html>  \n" + text + "<img src=\"" + url + "\">", true},
      {"<head><noscript>" + text + "</noscript><meta content=\"" + value + "\"></head> " + text, true},
      // tables: text is foster-parented, whitespace is not; column groups; cells; captions
      {"<table> " + text + "<tr><td style=\"" + value + "\">" + text + "</td></tr></table>", true},
      {"<table>\n  <colgroup><col width=\"" + value + "\"> " + text + "</table>", true},
      {"<table><caption>" + text + "</caption><tbody>\t" + text + "<tr><th>" + text + "</table>", true},
      {"<td style=\"" + value + "\">" + text + "</td><tr><td>" + text, false},
      {"<table><tr><td>x</td>" + text + "<input type=\"hidden\" name=\"" + value + "\"><td>y</table>", true},
      // <pre>, <listing> and <textarea> drop a first line feed
      {"<pre>\n" + text + "</pre><listing>\r\n" + text + "</listing><textarea>\n\n" + text + "</textarea>", true},
      // raw text and RCDATA elements (stepped over), scripts with their escapes, plaintext
      {"<xmp>" + text + "</xmp><iframe>" + text + "</iframe><noembed>" + text + "</noembed><p>" + text, true},
      {"<noframes><b>" + text + "</noframes><title>a > b " + text + "</title><p>" + text, true},
      {"<TextArea rows=\"" + value + "\"><p title=\"" + value + "\">" + text + "</textarea >" + text, true},
      {"<svg><title><a title=\"</title>\">" + text + "</a></title></svg><p>" + text, true},
      {"<script><!-- a -- b --" + text + "</script>" + text, true},
      {"<script><!--<script>" + text + "--" + text + "</script>-->" + text + "</script>", true},
      {"<p>" + text + "<plaintext>" + text + "<b>" + text + "</b> " + text, true},
      // comments: their text is stepped over, also where the scan ends one later than the tokenizer (--!>)
      {"<!--[if mso]><table><tr><td>" + text + "</td></tr></table><![endif]--><p>" + text, true},
      {"<!-- a > " + text + " --><p title=\"" + value + "\">" + text, true},
      {"<!-- a --!> " + text + " --><p>" + text, true},
      {"<? pi > " + text + "<p>" + text, true},
      {"</ 3> " + text + "<p>" + text, true},
      // foreign content
      {"<svg><text x=\"" + value + "\">" + text + "</text><style>" + text + "</style></svg>" + text, true},
      {"<math><mi>" + text + "</mi><annotation-xml encoding=\"" + value + "\"><p>" + text, true},
      {"<math><annotation-xml encoding=\"text/html\"><p title=\"" + value + "\">" + text + "</p></annotation-xml>" +
           "<annotation-xml encoding='application/xhtml+xml'><div>" + text,
       true},  // an HTML integration point, told by its encoding
      {"<isindex prompt=\"" + text + "\" action=\"" + url + "\"><p>" + text, false},  // the prompt becomes text
      {"<isindex action=\"" + url + "\" title=\"" + value + "\"><p>" + text, true},   // moved to <form> and <input>
      {"<svg><![CDATA[ a > " + text + " ]]></svg><p>" + text, true},                  // only the text after '>' counts
      {"<svg><desc><font color=\"" + value + "\">" + text + "</font></desc></svg>", true},
      // templates
      {"<template><td title=\"" + value + "\">" + text + "</td></template><p>" + text, true},
      // frameset modes drop the text and the tags: placeholders are lost, and the body is parsed again
      {"<frameset cols=\"" + value + "\"> " + text + "<frame src=\"" + url + "\"></frameset> " + text, false},
      {"<html><body><p>" + text + "</p></body></html> " + text + "<!-- x --> " + text, true},
      // formatting elements: cloned by the adoption agency and compared by the Noah's Ark clause
      {"<p><b class=\"" + value + "\"><i>" + text + "</p>" + text + "</i></b>" + text, true},
      {"<font face=\"" + value + "\"><font face=\"" + value + "\"><font face=\"" + value + "\"><font face=\"" + value +
           "\"><font face=\"" + value + "\">" + text + "<p>" + text,
       true},
      {"<a href=\"" + url + "\"><div style=\"" + value + "\"><a href=\"" + url + "\">" + text + "</a></div>", true},
      {"<p><font face=\"" + value + "\"><font face=\"" + value + "\"><font face=\"" + value + "\"><font face=\"" +
           value + "\">" + text + "</p>" + text,
       true},  // three of the four identical <font>s are reconstructed
      {"<p><font face=\"1" + value + "\"><font face=\"2" + value + "\"><font face=\"3" + value + "\"><font face=\"4" +
           value + "\">" + text + "</p>" + text,
       true},  // four different ones are
      // tags the tree builder merges or drops; attributes the tokenizer drops
      {"<body style=\"" + value + "\"><p>" + text + "<body style=\"" + value + "\" class=\"" + value + "\">", true},
      {"<html lang=\"" + value + "\"><p>" + text + "<html data-x=\"" + value + "\"><head title=\"" + value + "\">",
       true},
      {"<img src=\"" + url + "\" style=\"" + value + "\" SRC=\"" + url + "\" style='" + value + "'>" + text, true},
      {"</p title=\"" + value + "\">" + text + "<br/ class=\"" + value + "\">", true},
      // attribute syntax: single quotes, '>' in values, names beginning with '=', unquoted values, spaces
      {"<img alt='" + text + " > ok' src = \"" + url + "\" title=" + value + ">" + text, true},
      {"<p =\"" + value + "\" data-a=\"" + value + "\">" + text + "\"> " + text, true},
      {"<p a=\"x\"b=\"" + value + "\"/c=\"" + value + "\">" + text, true},
      {"<p title=\"" + value + "\r\n" + value + "\rz\">" + text + "\r\n" + text + "\r", true},
      // characters gumbo does not pass on as they are, and character references: such texts and values stay as
      // they are (in the last two cases all of them, so nothing is set aside)
      {"<p title=\"" + value + std::string(1, '\0') + "\">" + text + std::string(1, '\0') + text + "</p>" + text, true},
      {"<p title=\"" + value + "\x01\">" + text + "\xc3(" + "<p>" + text + "\xef\xb7\x90", false},
      {"<p title=\"" + value + "&amp;\">" + text + "&nbsp;" + text + "&notit; " + text, false},
      // unknown end tags are repaired and parsed again: the values move with the text around them
      {"<x><y title=\"" + value + "\">" + text + "</x><p class=\"" + value + "\">" + text, true},
      {"<sp><a href=\"" + url + "\">" + text + "</spa><div style=\"" + value + "\">" + text + "</div>", true},
      // what a mail may write to pass for a placeholder
      {"<p>@mailveil-sheet:0; " + text + "</p><p title=\"~\">" + text + "<p title='~'>", false},
      {"<p>&#64;mv00000000:0; " + text + "</p><p title=\"&#126;\">" + text, true},
      {"<p title=\"~\" class=\"" + value + "\">" + text + "<p title='~'><img alt=\"~\" src=\"" + url + "\">", true},
      // unclosed at the end
      {"<p>" + text + "<img src=\"" + url, true},
      {"<p title=\"" + value + "\">" + text + "<", true},
  };
  size_t kept = 0;
  for (const Case& c : cases) {
    INFO(c.html);
    bool used = false;
    const std::string with = detail::parse_tree_dump(c.html, true, &used);
    CHECK(with == detail::parse_tree_dump(c.html, false));
    CHECK(used == c.kept);
    kept += used;
  }
  CHECK(kept >= cases.size() - 8);
  // The texts and values come back in full, CR LF read as LF.
  const std::string tree = detail::parse_tree_dump(cases.front().html, true);
  CHECK_THAT(tree, Catch::Contains("\"" + text + "\""));
  CHECK_THAT(tree, Catch::Contains("0:style=\"" + value + "\""));
  const auto with_crlf = std::find_if(cases.begin(), cases.end(),
                                      [&](const Case& c) { return c.html.find(value + "\r\n") != std::string::npos; });
  REQUIRE(with_crlf != cases.end());
  const std::string crlf = detail::parse_tree_dump(with_crlf->html, true);
  CHECK_THAT(crlf, Catch::Contains("title=\"" + value + "\n" + value + "\nz\""));
}

TEST_CASE("texts and values set aside: random mixtures of markup give the tree of the parse with them", "[html]") {
  const std::string text = "A long enough run of plain words for a placeholder";
  const std::string value = "border:0;display:block;width:600px;max-width:100%";
  const std::vector<std::string> pieces = {
      "<p>",
      "</p>",
      "<b>",
      "</b>",
      "<i>",
      "</i>",
      "<a href=\"https://l.example/a/very/long/path/to/click\">",
      "</a>",
      "<table>",
      "</table>",
      "<tr>",
      "<td style=\"" + value + "\">",
      "</td>",
      "<tbody>",
      "<colgroup>",
      "<col span=\"" + value + "\">",
      "<caption>",
      "<select>",
      "</select>",
      "<option title=\"" + value + "\">",
      "<svg>",
      "</svg>",
      "<math>",
      "</math>",
      "<mi>",
      "<foreignObject>",
      "<template>",
      "</template>",
      "<frameset>",
      "</frameset>",
      "<frame>",
      "<head>",
      "</head>",
      "<body class=\"" + value + "\">",
      "</body>",
      "<html lang=\"" + value + "\">",
      "</html>",
      "<pre>",
      "<textarea>",
      "</textarea>",
      "<title>",
      "</title>",
      "<script>",
      "</script>",
      "<!--",
      "-->",
      "<!-- > -->",
      "<![CDATA[",
      "]]>",
      "<xmp>",
      "</xmp>",
      "<noscript>",
      "</noscript>",
      "<plaintext>",
      "<x>",
      "</x>",
      "<y>",
      "</yy>",
      "<font face=\"" + value + "\">",
      "</font>",
      "<img src=\"https://i.example/" + value + ".png\">",
      "<input type=\"hidden\" value=\"" + value + "\">",
      "<div title='" + value + "'>",
      "</div>",
      text,
      " " + text,
      "\n  " + text,
      "\r\n",
      " ",
      "\n",
      "&amp;",
      "&nbsp;",
      "\"",
      "'",
      ">",
      "<",
      "=",
      "é✓",
  };
  RandomPieces next{pieces.size(), 2468};
  size_t kept = 0;
  const int rounds = 600;
  for (int round = 0; round < rounds; ++round) {
    std::string html;
    const int count = 3 + static_cast<int>(next() % 14);
    for (int k = 0; k < count; ++k) html += pieces[next()];
    INFO(html);
    bool used = false;
    CHECK(detail::parse_tree_dump(html, true, &used) == detail::parse_tree_dump(html, false));
    kept += used;
  }
  CHECK(kept > rounds / 4);  // the placeholders survive in many mixtures
}

TEST_CASE("a sheet set aside reads as gumbo reads a <style> element's text", "[html][css]") {
  // Random bytes biased towards what the input stream's preprocessing and gumbo's UTF-8 reader change: CR LF and
  // lone CR, controls, C1 and noncharacters, broken sequences. Whatever sheet_as_read accepts, gumbo must read the
  // same; and plain CSS with CR LF line ends must be accepted.
  const std::vector<std::string> atoms = {"a",
                                          "{",
                                          "}",
                                          ";",
                                          " ",
                                          "\t",
                                          "\n",
                                          "\r",
                                          "\r\n",
                                          "\x0c",
                                          "\x01",
                                          "\x7f",
                                          "\xc2\x85",
                                          "\xc2\xa0",
                                          "\xc3\xa9",
                                          "\xe2\x9c\x93",
                                          "\xef\xb7\x90",
                                          "\xef\xbf\xbe",
                                          "\xf0\x9f\x98\x80",
                                          "\xc3",
                                          "\xe2\x9c",
                                          "\x80",
                                          "\xff",
                                          "\xed\xa0\x80",
                                          "\xc0\xaf",
                                          "url(x)",
                                          "<",
                                          "/"};
  uint32_t state = 777;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string raw;
    const size_t count = 1 + next() % 20;
    for (size_t k = 0; k < count; ++k) raw += atoms[next() % atoms.size()];
    std::string ours;
    if (!detail::sheet_as_read(raw, &ours)) continue;
    ++accepted;
    const std::string html = "<style>" + raw + "</style>";
    GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
    const GumboNode* head = static_cast<const GumboNode*>(out->root->v.element.children.data[0]);
    const GumboNode* style = static_cast<const GumboNode*>(head->v.element.children.data[0]);
    REQUIRE(style->v.element.tag == GUMBO_TAG_STYLE);
    REQUIRE(style->v.element.children.length == 1);
    const GumboNode* text = static_cast<const GumboNode*>(style->v.element.children.data[0]);
    INFO(raw);
    CHECK(std::string(text->v.text.text) == ours);
    gumbo_destroy_output(&kGumboDefaultOptions, out);
  }
  CHECK(accepted > 100);
  std::string css;
  CHECK(detail::sheet_as_read("td {\r\n  color: red;\r}\n.x\t{ background: url(a.png) } /* é ✓ */", &css));
  CHECK(css == "td {\n  color: red;\n}\n.x\t{ background: url(a.png) } /* é ✓ */");
}
