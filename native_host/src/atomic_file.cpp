#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mailveil {
namespace {

std::string errno_text(int e) {
  return std::strerror(e);
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

/// Closes a descriptor on scope exit unless released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

bool write_file_atomic(const std::string& path, std::string_view data, std::string* err) {
  std::string tmpl = path + ".tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int raw_fd = ::mkstemp(name.data());
  if (raw_fd < 0) {
    *err = "cannot create a temporary file next to " + path + ": " + errno_text(errno);
    return false;
  }
  const std::string tmp(name.data());
  FdGuard fd(raw_fd);
  auto fail = [&](const std::string& what, int e) {
    *err = what + ": " + errno_text(e);
    if (fd.get() >= 0) ::close(fd.release());
    ::unlink(tmp.c_str());
    return false;
  };
  if (::fchmod(fd.get(), 0644) != 0) return fail("cannot set permissions of " + tmp, errno);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write " + path, errno);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot flush " + path + " to disk", errno);
  if (::close(fd.release()) != 0) return fail("cannot write " + path, errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename " + tmp + " to " + path, errno);
  return sync_dir(dir_of(path), err);
}

bool read_file(const std::string& path, uint64_t max_bytes, std::string* out, std::string* err) {
  int raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw_fd < 0) {
    *err = "cannot open " + path + ": " + errno_text(errno);
    return false;
  }
  FdGuard fd(raw_fd);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    *err = "cannot read " + path + ": " + errno_text(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = path + " is not a regular file";
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    *err = path + " is larger than " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  out->clear();
  out->reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = "cannot read " + path + ": " + errno_text(errno);
      return false;
    }
    if (n == 0) break;
    if (out->size() + static_cast<size_t>(n) > max_bytes) {
      *err = path + " is larger than " + std::to_string(max_bytes) + " bytes";
      return false;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  return true;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool make_dirs(const std::string& path, std::string* err) {
  if (path.empty()) {
    *err = "empty directory name";
    return false;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    *err = "cannot create directory " + path + ": a file of that name exists";
    return false;
  }
  std::string parent = dir_of(path);
  if (parent != path && parent != "." && parent != "/" && !make_dirs(parent, err)) return false;
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    *err = "cannot create directory " + path + ": " + errno_text(errno);
    return false;
  }
  return true;
}

bool rename_file(const std::string& from, const std::string& to, std::string* err) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    *err = "cannot rename " + from + " to " + to + ": " + errno_text(errno);
    return false;
  }
  return true;
}

bool remove_file(const std::string& path, std::string* err) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    *err = "cannot remove " + path + ": " + errno_text(errno);
    return false;
  }
  return true;
}

bool sync_dir(const std::string& dir, std::string* err) {
  int raw_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (raw_fd < 0) {
    *err = "cannot open directory " + dir + ": " + errno_text(errno);
    return false;
  }
  FdGuard fd(raw_fd);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) {
    *err = "cannot flush directory " + dir + ": " + errno_text(errno);
    return false;
  }
  return true;
}

}  // namespace mailveil
