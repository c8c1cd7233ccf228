/// Native-messaging framing: 4-byte native-endian length + payload, on any std::istream / std::ostream.
#pragma once

#include <cstdint>
#include <istream>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace mailveil {

enum class ReadStatus {
  kOk,         ///< a whole frame was read
  kEof,        ///< clean end of stream between frames
  kTruncated,  ///< stream ended inside a length prefix or a payload
  kTooLarge,   ///< declared length above the cap; the payload was skipped, the stream is still in sync
};

/// Reads frames. A length above max_payload is rejected before any allocation and its payload discarded
/// in fixed-size chunks, so the next frame can still be served.
class FrameReader {
 public:
  FrameReader(std::istream& in, size_t max_payload) : in_(in), max_payload_(max_payload) {}
  /// Reads the next frame into *payload. *declared receives the length prefix (for error messages).
  ReadStatus read(std::string* payload, uint64_t* declared);

 private:
  std::istream& in_;
  size_t max_payload_;
};

/// Writes frames; thread-safe (update progress comes from a worker thread). Refuses payloads above the cap.
class FrameWriter {
 public:
  FrameWriter(std::ostream& out, size_t max_payload) : out_(out), max_payload_(max_payload) {}
  /// False when the payload is above the cap (nothing written) or the stream failed.
  bool write(std::string_view payload);
  size_t max_payload() const { return max_payload_; }

 private:
  std::ostream& out_;
  size_t max_payload_;
  std::mutex mutex_;
};

}  // namespace mailveil
