/// Crash-safe file replacement (temp file, fsync, rename, fsync directory) and small file helpers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mailveil {

/// Writes `data` to `path` so that a reader sees either the old file or the complete new one: the bytes go to
/// a temporary file in the same directory, which is fsync'ed, renamed over `path`, and the directory fsync'ed.
/// On failure the temporary file is removed, `path` is untouched, and *err says what failed, e.g.
/// "cannot write /x/current.json.new: No space left on device".
bool write_file_atomic(const std::string& path, std::string_view data, std::string* err);

/// The writer the signature store uses; tests substitute failing ones. Same contract as write_file_atomic.
using WriteFileFn = std::function<bool(const std::string& path, std::string_view data, std::string* err)>;

/// Reads a whole file of at most max_bytes. False with *err when missing, unreadable or too large.
bool read_file(const std::string& path, uint64_t max_bytes, std::string* out, std::string* err);

/// True when a regular file exists at path.
bool file_exists(const std::string& path);

/// Creates a directory and its parents (mode 0700 for the ones created). False with *err on failure.
bool make_dirs(const std::string& path, std::string* err);

/// rename(2) with an error sentence.
bool rename_file(const std::string& from, const std::string& to, std::string* err);

/// unlink(2); a missing file is not an error.
bool remove_file(const std::string& path, std::string* err);

/// fsync(2) on a directory, so that renames inside it are durable.
bool sync_dir(const std::string& dir, std::string* err);

}  // namespace mailveil
