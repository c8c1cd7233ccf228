// The floor of a native-messaging spawn: a minimal C++ program that reads native-messaging frames and answers
// each with a fixed reply, linked like mailveil-host (static libstdc++). tools/bench.sh runs it beside the host
// in the same rounds, so that "spawn -> first verdict" is read as a multiple of what any host costs on this
// machine at that moment.
#include <cstdint>
#include <iostream>
#include <string>

int main() {
  std::ios::sync_with_stdio(false);
  static const std::string reply = R"({"ok":true})";
  std::string payload;
  for (;;) {
    uint32_t n = 0;
    if (!std::cin.read(reinterpret_cast<char*>(&n), sizeof n)) return 0;
    payload.resize(n);
    if (!std::cin.read(payload.data(), n)) return 0;
    const auto m = static_cast<uint32_t>(reply.size());
    std::cout.write(reinterpret_cast<const char*>(&m), sizeof m).write(reply.data(), m).flush();
  }
}
