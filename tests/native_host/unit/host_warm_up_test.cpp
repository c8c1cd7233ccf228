// The host's work between requests (Host::warm_up, Host::idle_work, Host::serve's idle probe): the made-up
// classify is accepted, answers nothing, and runs only while no classify has been served; the lazily compiled
// patterns are compiled while no request waits, resumed between requests; no reply changes.
#include <catch2/catch.hpp>
#include <cstring>
#include <sstream>

#include "host.h"
#include "test_support.h"

using namespace mailveil;
using nlohmann::json;

namespace {

std::string frame(const std::string& payload) {
  const auto n = static_cast<uint32_t>(payload.size());
  std::string out(4, '\0');
  std::memcpy(out.data(), &n, 4);
  return out + payload;
}

/// What a host compiled of its list's patterns, and how many it compiles lazily (gated regexes, host buckets).
struct Patterns {
  Matcher::Compiled compiled;
  size_t lazy = 0;
};

/// A host on `list` (the fixture list by default), serving `input` (frames); returns what it wrote.
std::string serve(const std::string& input, const std::function<bool()>& idle, Patterns* patterns = nullptr,
                  std::shared_ptr<const SignatureList> list = test::fixture_list()) {
  ActiveList active;
  active.list = compile_list(*list);
  std::ostringstream out;
  FrameWriter writer(out, kMaxOutboundFrame);
  std::istringstream in(input);
  FrameReader reader(in, kMaxInboundFrame);
  Host host(HostConfig{}, active, writer);
  host.serve(reader, idle);
  if (patterns) {
    const Matcher& m = host.engine()->matcher();
    *patterns = {m.compiled(), m.layout().gated + m.list().buckets.size()};
  }
  return out.str();
}

const std::string kHello = R"({"id":1,"action":"hello","protocol":1})";

std::string classify(int id) {
  return json({{"id", id},
               {"action", "classify"},
               {"message",
                {{"user_addresses", {"jane.doe@example.org"}},
                 {"elements",
                  {{{"ref", "a"}, {"kind", "img"}, {"url", "https://img.shop.example/banner.png"}},
                   {{"ref", "b"},
                    {"kind", "img"},
                    {"url", "https://t.mail.shop.example/open.gif?e=jane.doe%40example.org"},
                    {"declared", {{"width", 1}, {"height", 1}}}},
                   {{"ref", "c"},
                    {"kind", "link"},
                    {"url", "https://shop.example/unsubscribe"},
                    {"text", "Unsubscribe"}}}}}}})
      .dump();
}

}  // namespace

TEST_CASE("host warm-up: the made-up request is accepted and answers nothing", "[host]") {
  ActiveList active;
  active.list = compile_list(*test::fixture_list());
  std::ostringstream out;
  FrameWriter writer(out, kMaxOutboundFrame);
  Host host(HostConfig{}, active, writer);
  CHECK(host.warm_up());
  CHECK(out.str().empty());
  CHECK(host.warm_up());  // harmless when repeated
  CHECK(out.str().empty());
}

TEST_CASE("host warm-up: runs while idle before the first classify, then never; replies are unchanged", "[host]") {
  const std::string input = frame(kHello) + frame(classify(2)) + frame(kHello) + frame(classify(3));
  const std::string plain = serve(input, {});

  // Idle before every read: warmed up, then every lazily compiled pattern compiled, before hello; then the probe
  // is not asked again. The replies are the same.
  int asked = 0;
  Patterns patterns;
  const std::string warmed = serve(
      input,
      [&] {
        ++asked;
        return true;
      },
      &patterns);
  CHECK(warmed == plain);
  CHECK(static_cast<size_t>(asked) == 1 + patterns.lazy);

  // Never idle: asked once before each read (4 frames, then the end of input), and nothing done.
  asked = 0;
  const std::string busy = serve(input, [&] {
    ++asked;
    return false;
  });
  CHECK(busy == plain);
  CHECK(asked == 5);

  // The replies hold both classify verdicts (the warm-up's own reply is never written).
  size_t replies = 0;
  for (size_t pos = 0; pos + 4 <= plain.size(); ++replies) {
    uint32_t n = 0;
    std::memcpy(&n, plain.data() + pos, 4);
    pos += 4 + n;
  }
  CHECK(replies == 4);
}

TEST_CASE("host idle work: the patterns compiled lazily are compiled while no request waits", "[host]") {
  const std::string input = frame(kHello) + frame(classify(2)) + frame(classify(3));
  Patterns served;
  Patterns idle;
  Patterns busy;
  const std::string plain = serve(input, {}, &served, test::shipped_list());
  REQUIRE(served.lazy > 10);
  // Without the idle probe, only what the two mails needed was compiled.
  CHECK(served.compiled.sets + served.compiled.regexes < served.lazy);

  // Idle from the start: everything, before hello.
  CHECK(serve(
            input, [] { return true; }, &idle, test::shipped_list()) == plain);
  CHECK(idle.compiled.sets + idle.compiled.regexes >= idle.lazy);
  Matcher all(test::shipped_list(), MatcherCompile::kEager);
  CHECK(idle.compiled.sets == all.compiled().sets);
  CHECK(idle.compiled.regexes == all.compiled().regexes);

  // Idle only now and then (every third probe): the work is resumed between requests, never redone.
  int n = 0;
  CHECK(serve(
            input, [&] { return ++n % 3 != 0; }, &busy, test::shipped_list()) == plain);
  CHECK(busy.compiled.sets + busy.compiled.regexes < all.compiled().sets + all.compiled().regexes);
  CHECK(busy.compiled.sets + busy.compiled.regexes > served.compiled.sets + served.compiled.regexes);
}
