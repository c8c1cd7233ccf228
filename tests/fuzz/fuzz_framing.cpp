// Fuzz target: the native-messaging frame reader and writer (framing.h). The input is the host's stdin. A small
// cap (4 KiB) makes the "too large: skip the payload" path common.
// Property: the reader agrees with a reference model of the framing, frame by frame (status, declared length,
// payload, resynchronisation after a skipped frame); writing a frame back gives the same bytes; the writer
// refuses a payload over the cap and writes nothing.
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>

#include "framing.h"
#include "fuzz_common.h"

using mailveil::FrameReader;
using mailveil::FrameWriter;
using mailveil::ReadStatus;
using mailveil_fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kCap = 4096;
  const std::string input(mailveil_fuzz::as_text(data, size));
  std::istringstream in(input);
  FrameReader reader(in, kCap);
  size_t pos = 0;  // where the model is in the input
  std::string payload;
  for (;;) {
    uint64_t declared = 0;
    const ReadStatus st = reader.read(&payload, &declared);
    if (pos == input.size()) {
      check(st == ReadStatus::kEof, "end of input between frames is EOF");
      break;
    }
    if (input.size() - pos < 4) {
      check(st == ReadStatus::kTruncated, "a partial length prefix is a truncated frame");
      break;
    }
    uint32_t length = 0;
    std::memcpy(&length, input.data() + pos, 4);
    pos += 4;
    check(declared == length, "the declared length is the prefix");
    if (input.size() - pos < length) {
      check(st == ReadStatus::kTruncated, "a payload cut short is a truncated frame");
      break;
    }
    if (length > kCap) {
      check(st == ReadStatus::kTooLarge, "a frame over the cap is refused");
      pos += length;  // and skipped: the next read starts after it
      continue;
    }
    check(st == ReadStatus::kOk, "a whole frame under the cap is read");
    check(payload == input.substr(pos, length), "the payload is the frame's bytes");
    std::ostringstream out;
    FrameWriter writer(out, kCap);
    check(writer.write(payload), "a payload under the cap is written");
    check(out.str() == input.substr(pos - 4, length + 4), "writing a frame back gives the same bytes");
    pos += length;
  }
  if (size > kCap) {
    std::ostringstream out;
    FrameWriter writer(out, kCap);
    check(!writer.write(input.substr(0, kCap + 1)), "the writer refuses a payload over the cap");
    check(out.str().empty(), "a refused payload writes nothing");
  }
  return 0;
}
