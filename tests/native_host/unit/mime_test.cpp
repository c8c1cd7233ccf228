// Tests for mime.h (headers, RFC 2047, multipart, transfer encodings, charsets, addresses, mbox) and the
// charset/text helpers it uses.
#include "mime.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "charset.h"
#include "html_extract.h"
#include "text_util.h"

using namespace mailveil;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string data_path(const std::string& name) {
  return std::string(MAILVEIL_TEST_DATA) + "/mime/" + name;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// A one-part message with the given content headers and body.
std::string single(const std::string& content_headers, const std::string& body) {
  return "From: a@example.org\r\nSubject: t\r\nMIME-Version: 1.0\r\n" + content_headers + "\r\n" + body;
}

}  // namespace

TEST_CASE("headers are unfolded and kept in order with names as written", "[mime]") {
  const std::string raw =
      "Received: from a\r\n by b\r\n\twith c\r\n"
      "X-Custom:   value  \r\n"
      "subject: folded\r\n   subject line\r\n"
      "Received: second\r\n"
      "\r\nbody\r\n";
  const ParsedMail m = parse_mail(raw);
  const auto headers = m.headers();
  REQUIRE(headers.size() == 4);
  CHECK(headers[0].first == "Received");
  CHECK(headers[0].second == "from a by b with c");
  CHECK(headers[1].second == "value");
  CHECK(headers[2].first == "subject");
  CHECK(m.header("SUBJECT") == "folded   subject line");
  CHECK(m.header("x-custom") == "value");
  CHECK(m.header("Missing").empty());
  const auto received = m.headers_named("received");
  REQUIRE(received.size() == 2);
  CHECK(received[1] == "second");
  REQUIRE(m.text_parts.size() == 1);
  CHECK(m.text_parts[0] == "body\r\n");
}

TEST_CASE("LF-only messages and a leading mbox From_ line are read", "[mime]") {
  const ParsedMail m = parse_mail("From someone@example.org Mon Jan 1 2024\nSubject: hi\nTo: x@y.org\n\nHello\n");
  CHECK(m.header("Subject") == "hi");
  CHECK(m.header("To") == "x@y.org");
  REQUIRE(m.text_parts.size() == 1);
  CHECK(m.text_parts[0] == "Hello\n");
}

TEST_CASE("a body part starting with \"From \" keeps that line", "[mime]") {
  const ParsedMail m = parse_mail(single("Content-Type: multipart/mixed; boundary=f\r\n",
                                         "--f\r\nFrom the desk of the editor\r\nsecond line\r\n--f--\r\n"));
  REQUIRE(m.text_parts.size() == 1);
  CHECK(m.text_parts[0] == "From the desk of the editor\r\nsecond line");
}

TEST_CASE("a line that is not a header field starts the body", "[mime]") {
  const ParsedMail m = parse_mail("Subject: s\r\nthis is body text without a blank line\r\nmore\r\n");
  CHECK(m.raw_headers.size() == 1);
  REQUIRE(m.text_parts.size() == 1);
  CHECK(m.text_parts[0] == "this is body text without a blank line\r\nmore\r\n");
}

TEST_CASE("RFC 2047 encoded words are decoded", "[mime][rfc2047]") {
  CHECK(decode_header_words("=?UTF-8?B?SGVsbG8gV8O2cmxk?=") == "Hello W\xC3\xB6rld");
  CHECK(decode_header_words("=?iso-8859-1?q?caf=E9_cr=e8me?=") == "caf\xC3\xA9 cr\xC3\xA8me");
  // Adjacent encoded words: the blank between them disappears.
  CHECK(decode_header_words("=?utf-8?q?Hello?= =?utf-8?q?_World?=") == "Hello World");
  CHECK(decode_header_words("=?utf-8?q?a?=\r\n =?utf-8?q?b?=") == "ab");
  // A UTF-8 character split across two B words is joined before conversion.
  CHECK(decode_header_words("=?UTF-8?B?4pw=?= =?UTF-8?B?kw==?=") == "\xE2\x9C\x93");
  // Plain text around encoded words keeps its blanks.
  CHECK(decode_header_words("Re: =?utf-8?q?caf=C3=A9?= now") == "Re: caf\xC3\xA9 now");
  // Different charsets side by side.
  CHECK(decode_header_words("=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=") == "\xC3\xA9\xC3\xA9");
  // RFC 2231 language suffix.
  CHECK(decode_header_words("=?utf-8*en?q?hi?=") == "hi");
  // Not encoded words: kept literally.
  CHECK(decode_header_words("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=");
  CHECK(decode_header_words("price =? unknown") == "price =? unknown");
  // Other charsets via iconv.
  CHECK(decode_header_words("=?koi8-r?b?8NLJ18XU?=") == "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  CHECK(decode_header_words("=?gb2312?B?1tDOxA==?=") == "\xE4\xB8\xAD\xE6\x96\x87");
  CHECK(decode_header_words("=?shift_jis?B?k/qWe4zq?=") == "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  // Unknown charset: read as windows-1252.
  CHECK(decode_header_words("=?x-made-up?q?=93hi=94?=") == "\xE2\x80\x9Chi\xE2\x80\x9D");
  // Raw 8-bit header text: valid UTF-8 is kept, anything else is read as windows-1252.
  CHECK(decode_header_words("Gr\xC3\xBC\xC3\x9F"
                            "e") ==
        "Gr\xC3\xBC\xC3\x9F"
        "e");
  CHECK(decode_header_words("Gr\xFC\xDF"
                            "e") ==
        "Gr\xC3\xBC\xC3\x9F"
        "e");
}

TEST_CASE("parse_mail decodes encoded words in header values", "[mime][rfc2047]") {
  const ParsedMail m = parse_mail(
      "From: =?utf-8?B?Sm9zw6k=?= <jose@example.org>\r\nSubject: =?utf-8?q?Nested_?=\r\n =?utf-8?q?test?=\r\n\r\nx");
  CHECK(m.header("From") == "Jos\xC3\xA9 <jose@example.org>");
  CHECK(m.header("Subject") == "Nested test");
}

TEST_CASE("nested multipart fixture: alternative, related, attachments, message/rfc822", "[mime][multipart]") {
  const ParsedMail m = parse_mail(read_file(data_path("nested.eml")));
  CHECK(m.header("Subject") == "Nested test \xE2\x9C\x93");
  REQUIRE(m.text_parts.size() == 1);
  CHECK(m.text_parts[0] == "Plain caf\xC3\xA9 with a soft break.");
  // The related HTML (base64, UTF-8) and the forwarded message's HTML (QP, latin-1).
  REQUIRE(m.html_parts.size() == 2);
  CHECK(contains(m.html_parts[0], "Caf\xC3\xA9 news"));
  CHECK(contains(m.html_parts[0], "https://t.example.net/open?id=42"));
  CHECK(contains(m.html_parts[1], "Forwarded \xC3\xA9t\xC3\xA9"));
  CHECK(contains(m.html_parts[1], "href=\"https://fwd.example.com/x\""));
  // Inner message headers do not leak into the outer header list.
  CHECK(m.headers_named("Subject").size() == 1);
  for (const auto& h : m.html_parts) {
    CHECK_FALSE(contains(h, "should-not-appear"));  // attachment skipped
    CHECK_FALSE(contains(h, "preamble.example"));
    CHECK_FALSE(contains(h, "epilogue.example"));
  }
  for (const auto& t : m.text_parts) CHECK_FALSE(contains(t, "preamble"));
}

TEST_CASE("multipart: missing final boundary, prefix boundaries, transport padding", "[mime][multipart]") {
  SECTION("missing close delimiter keeps the last part") {
    const ParsedMail m = parse_mail(single("Content-Type: multipart/alternative; boundary=XYZ\r\n",
                                           "--XYZ\r\nContent-Type: text/plain\r\n\r\none\r\n"
                                           "--XYZ\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n"));
    REQUIRE(m.text_parts.size() == 1);
    CHECK(m.text_parts[0] == "one");
    REQUIRE(m.html_parts.size() == 1);
    CHECK(m.html_parts[0] == "<p>two</p>\r\n");
  }
  SECTION("inner boundary that extends the outer one is not mistaken for it") {
    const ParsedMail m = parse_mail(single("Content-Type: multipart/mixed; boundary=\"b\"\r\n",
                                           "--b\r\nContent-Type: multipart/alternative; boundary=\"b-2\"\r\n\r\n"
                                           "--b-2\r\nContent-Type: text/plain\r\n\r\ninner text\r\n--b-2--\r\n"
                                           "--b  \r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--b--\r\n"));
    REQUIRE(m.text_parts.size() == 1);
    CHECK(m.text_parts[0] == "inner text");
    REQUIRE(m.html_parts.size() == 1);
    CHECK(m.html_parts[0] == "<b>x</b>");
  }
  SECTION("RFC 2231 continued boundary parameter") {
    const ParsedMail m = parse_mail(single("Content-Type: multipart/mixed; boundary*0=\"ab\"; boundary*1=\"cd\"\r\n",
                                           "--abcd\r\nContent-Type: text/plain\r\n\r\nhello\r\n--abcd--\r\n"));
    REQUIRE(m.text_parts.size() == 1);
    CHECK(m.text_parts[0] == "hello");
  }
  SECTION("no boundary found: the body is shown as text (HTML sniffed)") {
    const ParsedMail m = parse_mail(single("Content-Type: multipart/mixed; boundary=nope\r\n", "<html>hi</html>"));
    REQUIRE(m.html_parts.size() == 1);
    CHECK(m.html_parts[0] == "<html>hi</html>");
  }
  SECTION("multipart/digest parts default to message/rfc822") {
    const ParsedMail m = parse_mail(single("Content-Type: multipart/digest; boundary=d\r\n",
                                           "--d\r\n\r\nSubject: one\r\nContent-Type: text/html\r\n\r\n<i>1</i>\r\n"
                                           "--d\r\n\r\nSubject: two\r\n\r\nplain two\r\n--d--\r\n"));
    REQUIRE(m.html_parts.size() == 1);
    CHECK(m.html_parts[0] == "<i>1</i>");
    REQUIRE(m.text_parts.size() == 1);
    CHECK(m.text_parts[0] == "plain two");
  }
  SECTION("base64-encoded message/rfc822 is decoded and parsed") {
    const std::string inner = "Content-Type: text/html\r\n\r\n<a href=\"https://x.example/\">x</a>";
    std::string b64 = "Q29udGVudC1UeXBlOiB0ZXh0L2h0bWwNCg0KPGEgaHJlZj0iaHR0cHM6Ly94LmV4YW1wbGUvIj54PC9hPg==";
    const ParsedMail m =
        parse_mail(single("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n", b64));
    REQUIRE(m.html_parts.size() == 1);
    CHECK(m.html_parts[0] == "<a href=\"https://x.example/\">x</a>");
    CHECK(decode_base64(b64) == inner);
  }
}

TEST_CASE("attachments and non-text parts are skipped", "[mime][multipart]") {
  const ParsedMail m = parse_mail(
      single("Content-Type: multipart/mixed; boundary=q\r\n",
             "--q\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nshown\r\n"
             "--q\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nhidden\r\n"
             "--q\r\nContent-Type: image/gif\r\n\r\nGIF89a\r\n"
             "--q\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n"
             "--q--\r\n"));
  REQUIRE(m.text_parts.size() == 1);
  CHECK(m.text_parts[0] == "shown");
  CHECK(m.html_parts.empty());
}

TEST_CASE("a message without MIME headers is sniffed for HTML", "[mime]") {
  const ParsedMail html = parse_mail("Subject: x\r\n\r\n<div>Hi <A HREF=\"https://e.example/\">there</a></div>");
  REQUIRE(html.html_parts.size() == 1);
  CHECK(html.text_parts.empty());
  const ParsedMail img = parse_mail("Subject: x\r\n\r\nsee <img src=x>");
  CHECK(img.html_parts.size() == 1);
  const ParsedMail text = parse_mail("Subject: x\r\n\r\nJust a <note> about a < b.");
  CHECK(text.html_parts.empty());
  REQUIRE(text.text_parts.size() == 1);
  // An explicit text/plain is not reinterpreted.
  const ParsedMail plain = parse_mail(single("Content-Type: text/plain\r\n", "<html><img src=x></html>"));
  CHECK(plain.html_parts.empty());
  CHECK(plain.text_parts.size() == 1);
}

TEST_CASE("quoted-printable decoding", "[mime][qp]") {
  CHECK(decode_quoted_printable("soft=\r\nbreak and=\nLF") == "softbreak andLF");
  CHECK(decode_quoted_printable("trailing blanks =  \r\nafter") == "trailing blanks after");
  CHECK(decode_quoted_printable("=3D=3d=C3=A9") == "==\xC3\xA9");
  CHECK(decode_quoted_printable("bad =ZZ and =4 end=") == "bad =ZZ and =4 end");
  CHECK(decode_quoted_printable("no escape at all") == "no escape at all");
  CHECK(decode_quoted_printable("=41=\n=42") == "AB");
  CHECK(decode_quoted_printable("") == "");
  CHECK(decode_quoted_printable("a=\r\n") == "a");
  const ParsedMail m =
      parse_mail(single("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: Quoted-Printable\r\n",
                        "<a href=3D\"https://x.example/?a=3D1&amp;b=3d2\">caf=C3=A9</a>=\r\n!"));
  REQUIRE(m.html_parts.size() == 1);
  CHECK(m.html_parts[0] == "<a href=\"https://x.example/?a=1&amp;b=2\">caf\xC3\xA9</a>!");
}

TEST_CASE("base64 decoding is lenient", "[mime][base64]") {
  CHECK(decode_base64("SGVsbG8=") == "Hello");
  CHECK(decode_base64("SGVs\r\nbG8") == "Hello");   // line breaks, missing padding
  CHECK(decode_base64("SG!!Vs bG8*=") == "Hello");  // garbage ignored
  CHECK(decode_base64("SGk=SGk=") == "HiHi");       // concatenated blocks
  // Four characters at a time where they are all in the alphabet, one at a time elsewhere: both read the same.
  // The reference below is the one-at-a-time loop alone; inputs mix the alphabet, padding, line breaks and junk.
  auto reference = [](std::string_view in) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (const char ch : in) {
      if (ch == '=') {
        acc = 0;
        bits = 0;
        continue;
      }
      const std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      size_t v = alphabet.find(ch);
      if (ch == '-') v = 62;
      if (ch == '_') v = 63;
      if (v == std::string_view::npos) continue;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        acc &= (1u << bits) - 1;
      }
    }
    return out;
  };
  const std::string atoms[] = {"QUJD", "SGVsbG8", "=", "==",       "\r\n", "\n",  " ",
                               "-_",   "+/",      "!", "\xc3\xa9", "a",    "Zm9v"};
  uint32_t state = 99;
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    for (int k = 0; k < 12; ++k) {
      state = state * 1103515245u + 12345u;
      in += atoms[(state >> 8) % std::size(atoms)];
    }
    INFO(in);
    CHECK(decode_base64(in) == reference(in));
  }
  CHECK(decode_base64("") == "");
  const ParsedMail m = parse_mail(
      single("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: BASE64\r\n", "Y2Fmw6k\r\n"));
  REQUIRE(m.text_parts.size() == 1);
  CHECK(m.text_parts[0] == "caf\xC3\xA9");
}

TEST_CASE("7bit, 8bit, binary and unknown transfer encodings pass through", "[mime]") {
  for (const char* cte : {"7bit", "8bit", "binary", "x-unknown"}) {
    const ParsedMail m = parse_mail(
        single(std::string("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ") + cte + "\r\n",
               "a=3D b\xC3\xA9"));
    REQUIRE(m.text_parts.size() == 1);
    CHECK(m.text_parts[0] == "a=3D b\xC3\xA9");
  }
}

TEST_CASE("charsets are converted to UTF-8", "[mime][charset]") {
  auto body = [](const std::string& charset, const std::string& bytes) {
    const ParsedMail m = parse_mail(single("Content-Type: text/plain; charset=" + charset + "\r\n", bytes));
    return m.text_parts.empty() ? std::string("<none>") : m.text_parts[0];
  };
  CHECK(body("ISO-8859-1", "caf\xE9") == "caf\xC3\xA9");
  CHECK(body("\"iso-8859-15\"", "\xA4") == "\xE2\x82\xAC");
  CHECK(body("windows-1252", "\x93q\x94 \x80") == "\xE2\x80\x9Cq\xE2\x80\x9D \xE2\x82\xAC");
  CHECK(body("us-ascii", "plain") == "plain");
  CHECK(body("us-ascii", "mislabelled \xC3\xA9") == "mislabelled \xC3\xA9");
  CHECK(body("koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4") == "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  CHECK(body("gb2312", "\xD6\xD0\xCE\xC4") == "\xE4\xB8\xAD\xE6\x96\x87");
  CHECK(body("Shift_JIS", "\x93\xFA\x96\x7B\x8C\xEA") == "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  CHECK(body("x-no-such-charset", "\x93hi\x94") == "\xE2\x80\x9Chi\xE2\x80\x9D");
  CHECK(body("utf-8", "ok \xFF\xC3 end") == "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
  CHECK(body("UTF8", "\xE2\x9C\x93") == "\xE2\x9C\x93");
  // No charset at all: valid UTF-8 stays, otherwise windows-1252.
  CHECK(body("", "caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(body("", "caf\xE9") == "caf\xC3\xA9");
  // Truncated multibyte input in an iconv charset ends with a replacement, never with invalid UTF-8.
  const std::string sj = body("shift_jis", "ab\x93");
  CHECK(sj == "ab\xEF\xBF\xBD");
}

TEST_CASE("HTML without a MIME charset uses its meta charset", "[mime][charset]") {
  const ParsedMail m = parse_mail(single("Content-Type: text/html\r\n",
                                         "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
                                         "charset=iso-8859-1\"></head><body>\xE9t\xE9</body></html>"));
  REQUIRE(m.html_parts.size() == 1);
  CHECK(contains(m.html_parts[0], "\xC3\xA9t\xC3\xA9"));
}

TEST_CASE("HTML sniffing: a UTF-16 <meta> means UTF-8, a byte order mark decides", "[mime][charset]") {
  // The HTML Standard's prescan: bytes that spell <meta charset=utf-16> in ASCII are not UTF-16.
  const ParsedMail m = parse_mail(
      single("Content-Type: text/html\r\n", "<meta charset=\"utf-16\"><img src=\"http://t.example/meta16\">"));
  REQUIRE(m.html_parts.size() == 1);
  CHECK(contains(m.html_parts[0], "http://t.example/meta16"));
  CHECK(html_to_utf8("<meta charset=UTF-16LE>caf\xC3\xA9") == "<meta charset=UTF-16LE>caf\xC3\xA9");
  CHECK(html_to_utf8("<meta charset=x-user-defined>caf\xE9") == "<meta charset=x-user-defined>caf\xC3\xA9");
  // Byte order marks.
  CHECK(html_to_utf8("\xEF\xBB\xBF<p>\xC3\xA9") == "<p>\xC3\xA9");
  CHECK(html_to_utf8(std::string("\xFF\xFE<\0p\0>\0", 8)) == "<p>");
  CHECK(html_to_utf8(std::string("\xFE\xFF\0<\0p\0>", 8)) == "<p>");
  // No declaration: UTF-8 when valid, windows-1252 otherwise.
  CHECK(html_to_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(html_to_utf8("caf\xE9") == "caf\xC3\xA9");
}

TEST_CASE("charset helpers", "[charset]") {
  CHECK(is_valid_utf8("abc \xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xE2\x9C"));          // truncated
  // ASCII is skipped eight bytes at a time: a bad or good sequence at any offset of a word, and across words.
  for (size_t at = 0; at < 20; ++at) {
    std::string text(24, 'a');
    CHECK(is_valid_utf8(text.substr(0, at) + "\xC3\xA9" + text.substr(at)));
    CHECK_FALSE(is_valid_utf8(text.substr(0, at) + "\xC3" + text.substr(at)));
    CHECK_FALSE(is_valid_utf8(text.substr(0, at) + "\xE2\x9C"));
  }
  CHECK(repair_utf8("a\xE2\x9C") == "a\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(repair_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(is_valid_utf8(repair_utf8("\xFF\xFE\x80mixed\xC3\xA9")));
  CHECK(to_utf8("\x81", "windows-1252") == "\xC2\x81");  // undefined byte -> C1 control, as browsers do
  CHECK(to_utf8("\xA4", "latin1") == "\xC2\xA4");
  CHECK(to_utf8("abc", "utf-16le").size() > 0);  // not ASCII-compatible: goes through iconv
  CHECK(is_valid_utf8(to_utf8("a\x00\xD8", "UTF-16LE")));
}

TEST_CASE("bytes given up to to_utf8 and html_to_utf8 convert alike, and are kept without a copy", "[charset]") {
  // Each case through the string_view version and through the one that takes the bytes: the same text. Where
  // nothing is converted, the string that comes back is the one given (its buffer, not a copy of it).
  struct Case {
    std::string bytes;
    std::string charset;
    bool kept;
  };
  const std::string big(100000, 'x');  // on the heap, so that a copy would have a buffer of its own
  const std::vector<Case> cases = {
      {big + "caf\xC3\xA9", "utf-8", true},
      {big + "caf\xE9", "utf-8", false},
      {big, "us-ascii", true},
      {big + "\xC3\xA9", "us-ascii", true},
      {big + "\xE9", "us-ascii", false},
      {big, "windows-1252", false},
      {big, "koi8-r", true},
      {big + "\xF0", "koi8-r", false},
      {big + "\xC3\xA9", "", true},
      {big + "\xE9", "", false},
      {big + "\xC3\xA9", "x-no-such-charset", false},
  };
  for (const Case& c : cases) {
    INFO(c.charset << " " << c.bytes.substr(big.size()));
    std::string given = c.bytes;
    const char* buffer = given.data();
    const std::string out = to_utf8(std::move(given), c.charset);
    CHECK(out == to_utf8(std::string_view(c.bytes), c.charset));
    CHECK((out.data() == buffer) == c.kept);
  }
  const std::vector<std::pair<std::string, bool>> html = {
      {big + "caf\xC3\xA9", true},
      {big + "caf\xE9", false},
      {"<meta charset=koi8-r>" + big, true},
      {"<meta charset=koi8-r>\xF0" + big, false},
      {"\xEF\xBB\xBF" + big, false},  // the byte order mark goes
      {std::string("\xFF\xFE<\0p\0>\0", 8), false},
  };
  for (const auto& [bytes, kept] : html) {
    INFO(bytes.substr(0, 24));
    std::string given = bytes;
    const char* buffer = given.data();
    const std::string out = html_to_utf8(std::move(given));
    CHECK(out == html_to_utf8(std::string_view(bytes)));
    CHECK((out.data() == buffer) == kept);
  }
}

TEST_CASE("deep nesting is cut off and many parts are capped", "[mime][limits]") {
  auto nested = [](int levels) {
    std::string head = "Content-Type: multipart/mixed; boundary=L0\r\n";
    std::string body;
    for (int i = 1; i < levels; ++i) {
      body += "--L" + std::to_string(i - 1) + "\r\nContent-Type: multipart/mixed; boundary=L" + std::to_string(i) +
              "\r\n\r\n";
    }
    body += "--L" + std::to_string(levels - 1) + "\r\nContent-Type: text/html\r\n\r\n<p>deep</p>\r\n";
    return single(head, body);
  };
  CHECK(parse_mail(nested(10)).html_parts.size() == 1);
  CHECK(parse_mail(nested(200)).html_parts.empty());  // beyond the depth limit, nothing is read (and no crash)

  std::string many;
  for (int i = 0; i < 12000; ++i) many += "--m\r\nContent-Type: text/html\r\n\r\n<i>" + std::to_string(i) + "</i>\r\n";
  const ParsedMail m = parse_mail(single("Content-Type: multipart/mixed; boundary=m\r\n", many));
  CHECK(m.html_parts.size() == 10000);
  CHECK(m.html_parts[0] == "<i>0</i>");
}

TEST_CASE("large and hostile inputs stay linear", "[mime][limits]") {
  // Many "=?" that never close, a huge header and a big body: must finish quickly (no quadratic search).
  std::string hostile = "Subject: ";
  for (int i = 0; i < 40000; ++i) hostile += "=?x?q?" + std::string(50, 'a');
  hostile += "\r\nX-Words: ";
  for (int i = 0; i < 40000; ++i) hostile += "=?utf-8?q?ab?= ";
  hostile += "\r\nContent-Type: text/html\r\n\r\n";
  hostile.append(4 << 20, 'x');
  const ParsedMail m = parse_mail(hostile);
  CHECK(m.header("Subject").size() == 40000u * 56u);
  std::string joined;
  for (int i = 0; i < 40000; ++i) joined += "ab";
  CHECK(m.header("X-Words") == joined);
  REQUIRE(m.html_parts.size() == 1);
  CHECK(m.html_parts[0].size() == (4u << 20));
  // Garbage input never throws.
  std::string junk;
  for (int i = 0; i < 5000; ++i) junk += static_cast<char>((i * 7919) % 256);
  CHECK_NOTHROW(parse_mail(junk));
  CHECK_NOTHROW(parse_mail(""));
  CHECK(parse_mail("").raw_headers.empty());
}

TEST_CASE("extract_addresses", "[mime][addresses]") {
  using V = std::vector<std::string>;
  CHECK(extract_addresses("A <A@X.org>, b@y.org") == V{"a@x.org", "b@y.org"});
  CHECK(extract_addresses("\"Doe, John\" <john@example.org>, \"x@evil.example\" <real@example.org>") ==
        V{"john@example.org", "real@example.org"});
  CHECK(extract_addresses("john@example.org (John, the \"boss\" <j@z>)") == V{"john@example.org"});
  CHECK(extract_addresses("Team: a@x.org, B <b@x.org>;, c@x.org") == V{"a@x.org", "b@x.org", "c@x.org"});
  CHECK(extract_addresses("undisclosed-recipients:;") == V{});
  CHECK(extract_addresses("<a@x.org>, A@X.ORG, a@x.org") == V{"a@x.org"});
  CHECK(extract_addresses("Doe, John <j@x.org>") == V{"j@x.org"});
  CHECK(extract_addresses("<@relay.example:user@host.example>") == V{"user@host.example"});
  CHECK(extract_addresses("\"john smith\"@example.org") == V{"\"john smith\"@example.org"});
  CHECK(extract_addresses("not an address, @, x@, <>") == V{});
  CHECK(extract_addresses("") == V{});
}

TEST_CASE("MboxReader splits messages and unescapes >From", "[mime][mbox]") {
  std::ifstream in(data_path("sample.mbox"), std::ios::binary);
  REQUIRE(in.good());
  MboxReader reader(in);
  std::string msg;
  std::vector<std::string> msgs;
  while (reader.next(&msg)) msgs.push_back(msg);
  REQUIRE(msgs.size() == 3);
  CHECK(msgs[0] ==
        "From: alice@example.org\nSubject: one\n\nFirst body line\nFrom the start, this line was escaped.\n"
        ">From deeper quoting.\n");
  CHECK(contains(msgs[1],
                 "Not a separator: From here on it is text.\nFrom inside a paragraph (no blank line before) stays.\n"));
  CHECK(parse_mail(msgs[1]).header("Subject") == "two");
  CHECK(msgs[2] == "From: carol@example.org\nSubject: three\n\nLast.\n");
  CHECK_FALSE(reader.next(&msg));

  std::istringstream empty("");
  MboxReader r2(empty);
  CHECK_FALSE(r2.next(&msg));

  std::istringstream crlf("From x@y Mon\r\nSubject: a\r\n\r\nbody\r\n\r\nFrom z@y Tue\r\nSubject: b\r\n\r\nb2\r\n");
  MboxReader r3(crlf);
  REQUIRE(r3.next(&msg));
  CHECK(msg == "Subject: a\r\n\r\nbody\r\n");
  REQUIRE(r3.next(&msg));
  CHECK(parse_mail(msg).header("Subject") == "b");
  CHECK_FALSE(r3.next(&msg));

  CHECK(looks_like_mbox("From someone Mon Jan 1\n"));
  CHECK_FALSE(looks_like_mbox("From: someone\n"));
  CHECK_FALSE(looks_like_mbox("Received: x\n"));
}

TEST_CASE("text helpers", "[text]") {
  CHECK(ascii_lower("AbC\xC3\x89") == "abc\xC3\x89");
  CHECK(iequals("Content-Type", "content-TYPE"));
  CHECK_FALSE(iequals("abc", "abd"));
  CHECK(ifind("xxHeLLo", "hello") == 2);
  CHECK(ifind("abc", "zz") == std::string_view::npos);
  CHECK(trim("  a b \r\n") == "a b");
  CHECK(decode_html_entities("a&amp;b&lt;&#39;&#x2F;&quot;&nbsp;&euro;", false) == "a&b<'/\"\xC2\xA0\xE2\x82\xAC");
  CHECK(decode_html_entities("?a=1&copy=2&amp=3", true) == "?a=1&copy=2&amp=3");
  CHECK(decode_html_entities("&copy 2024", false) == "\xC2\xA9 2024");
  CHECK(decode_html_entities("&#150;&#0;&#xD800;&unknown;", false) == "\xE2\x80\x93\xEF\xBF\xBD\xEF\xBF\xBD&unknown;");
}

TEST_CASE("corpus: every dev mail parses and extracts cleanly", "[corpus]") {
  const std::filesystem::path dir = "/work/shared/corpus/dev";
  if (!std::filesystem::is_directory(dir)) {
    WARN("corpus directory absent; skipped");
    return;
  }
  size_t files = 0;
  size_t with_html = 0;
  size_t with_elements = 0;
  size_t elements = 0;
  double seconds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".eml") continue;
    const std::string raw = read_file(entry.path().string());
    INFO("file " << entry.path().filename().string());
    ++files;
    const auto t0 = std::chrono::steady_clock::now();
    ParsedMail m;
    std::vector<std::vector<Element>> per_part;
    REQUIRE_NOTHROW(m = parse_mail(raw));
    for (const auto& h : m.html_parts) REQUIRE_NOTHROW(per_part.push_back(extract_elements(h)));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    for (const auto& [name, value] : m.headers()) {
      CHECK(is_valid_utf8(name));
      CHECK(is_valid_utf8(value));
    }
    for (const auto& p : m.html_parts) CHECK(is_valid_utf8(p));
    for (const auto& p : m.text_parts) CHECK(is_valid_utf8(p));
    size_t n = 0;
    for (const auto& els : per_part) {
      for (const auto& e : els) {
        CHECK(is_valid_utf8(e.url));
        CHECK(is_valid_utf8(e.text));
        CHECK_FALSE(e.url.empty());
        ++n;
      }
    }
    if (!m.html_parts.empty()) ++with_html;
    if (n > 0) ++with_elements;
    elements += n;
  }
  std::cout << "[corpus] files=" << files << " with_html=" << with_html << " with_elements=" << with_elements
            << " elements=" << elements << " parse+extract=" << seconds << "s\n";
  REQUIRE(files >= 100);
  CHECK(with_html * 10 >= files * 6);      // most of these mails are HTML
  CHECK(with_elements * 10 >= files * 6);  // and most HTML mails carry links or images
}
