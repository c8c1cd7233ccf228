// The host's warm-up (Host::warm_up, Host::serve's idle probe): the made-up classify is accepted, answers nothing,
// runs only while no classify has been served, and changes no reply.
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

/// A host on the fixture list, serving `input` (frames); returns what it wrote.
std::string serve(const std::string& input, const std::function<bool()>& idle) {
  ActiveList active;
  active.list = compile_list(*test::fixture_list());
  std::ostringstream out;
  FrameWriter writer(out, kMaxOutboundFrame);
  std::istringstream in(input);
  FrameReader reader(in, kMaxInboundFrame);
  Host host(HostConfig{}, active, writer);
  host.serve(reader, idle);
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

  // Idle before every read: the probe is asked until a classify has been served, and the replies are the same.
  int asked = 0;
  const std::string warmed = serve(input, [&] {
    ++asked;
    return true;
  });
  CHECK(warmed == plain);
  CHECK(asked == 1);  // idle at once: warmed up before hello, then never asked again

  // Never idle: asked before hello and before the first classify, not after it.
  asked = 0;
  const std::string busy = serve(input, [&] {
    ++asked;
    return false;
  });
  CHECK(busy == plain);
  CHECK(asked == 2);

  // The replies hold both classify verdicts (the warm-up's own reply is never written).
  size_t replies = 0;
  for (size_t pos = 0; pos + 4 <= plain.size(); ++replies) {
    uint32_t n = 0;
    std::memcpy(&n, plain.data() + pos, 4);
    pos += 4 + n;
  }
  CHECK(replies == 4);
}
