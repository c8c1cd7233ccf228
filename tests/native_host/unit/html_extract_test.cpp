// Tests for html_extract.h: the tolerant tag scanner that lists URL-bearing elements of an HTML mail body.
#include "html_extract.h"

#include <catch2/catch.hpp>
#include <string>

#include "charset.h"
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
      "<td style=\"background-image: url(https://s.example/c\\(1\\).png)\">"
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
      {K::kOther, "https://c.example/s.css"},
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

TEST_CASE("hostile HTML stays fast and bounded", "[html][robust]") {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div style=\"display:none\">";
  deep += "<img src=/deep>";
  for (int i = 0; i < 100000; ++i) deep += "</span>";
  for (int i = 0; i < 20000; ++i) deep += "<a href=/x" + std::to_string(i) + ">";
  const auto els = extract_elements(deep, SIZE_MAX);
  REQUIRE(els.size() == 20001);
  CHECK_FALSE(els[0].visible);
  CHECK(els.back().url == "/x19999");
  std::string attrs = "<img";
  for (int i = 0; i < 100000; ++i) attrs += " a" + std::to_string(i) + "=1";
  attrs += " src=/late>";
  CHECK_NOTHROW(extract_elements(attrs));
  std::string big(8 << 20, 'x');
  CHECK(extract_elements(big).empty());
}

TEST_CASE("extract_elements keeps the first max_elements and counts the others", "[html][robust]") {
  std::string html;
  for (int i = 0; i < 25000; ++i) html += "<img src=https://t.example/" + std::to_string(i) + ".gif>";
  size_t skipped = 0;
  const auto capped = extract_elements(html, 10000, &skipped);
  REQUIRE(capped.size() == 10000);
  CHECK(skipped == 15000);
  CHECK(capped.back().url == "https://t.example/9999.gif");
  CHECK(capped.back().ref == "e9999");
  // The default is the protocol's per-message cap.
  const auto by_default = extract_elements(html, kMaxElements, &skipped);
  CHECK(by_default.size() == kMaxElements);
  CHECK(extract_elements(html).size() == kMaxElements);
  // Nothing is skipped under the cap; zero keeps nothing and counts all.
  CHECK(extract_elements("<img src=https://a.example/x.gif>", 10000, &skipped).size() == 1);
  CHECK(skipped == 0);
  CHECK(extract_elements(html, 0, &skipped).empty());
  CHECK(skipped == 25000);
}
