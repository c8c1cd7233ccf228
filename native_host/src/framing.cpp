#include "framing.h"

#include <array>
#include <cstring>

namespace mailveil {

ReadStatus FrameReader::read(std::string* payload, uint64_t* declared) {
  std::array<char, 4> prefix{};
  in_.read(prefix.data(), prefix.size());
  const auto got = static_cast<size_t>(in_.gcount());
  if (got == 0) return ReadStatus::kEof;
  if (got < prefix.size()) return ReadStatus::kTruncated;
  uint32_t length = 0;
  std::memcpy(&length, prefix.data(), sizeof(length));  // native byte order, as the browsers write it
  *declared = length;

  if (length > max_payload_) {
    // Skip the payload without holding it, so the stream stays in sync.
    std::array<char, 64 * 1024> sink{};
    uint64_t left = length;
    while (left > 0) {
      in_.read(sink.data(), static_cast<std::streamsize>(std::min<uint64_t>(left, sink.size())));
      const auto n = static_cast<uint64_t>(in_.gcount());
      if (n == 0) return ReadStatus::kTruncated;
      left -= n;
    }
    return ReadStatus::kTooLarge;
  }
  payload->resize(length);
  in_.read(payload->data(), length);
  if (static_cast<size_t>(in_.gcount()) != length) {
    payload->clear();
    return ReadStatus::kTruncated;
  }
  return ReadStatus::kOk;
}

bool FrameWriter::write(std::string_view payload) {
  if (payload.size() > max_payload_) return false;
  const auto length = static_cast<uint32_t>(payload.size());
  std::lock_guard<std::mutex> lock(mutex_);
  out_.write(reinterpret_cast<const char*>(&length), sizeof(length));
  out_.write(payload.data(), static_cast<std::streamsize>(payload.size()));
  out_.flush();
  return static_cast<bool>(out_);
}

}  // namespace mailveil
