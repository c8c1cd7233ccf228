#include "list_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "digest.h"

namespace mailveil {
namespace {

constexpr char kFileMagic[8] = {'M', 'V', 'L', 'C', 'A', 'C', 'H', 'E'};
constexpr size_t kMaxParts = 2;
constexpr uint64_t kMaxCacheBytes = 256u << 20;

struct FileHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t header_size;
  uint64_t file_size;
  uint64_t checksum;  ///< of the whole file, this field read as zero
  uint32_t build_id_size;
  uint32_t part_count;
  uint8_t build_id[32];
  uint8_t source_sha256[32];
  uint64_t source_size;
  int64_t source_mtime_ns;
  int64_t source_ctime_ns;
  uint64_t source_inode;
  uint64_t source_device;
  uint64_t part_offset[kMaxParts];
  uint64_t part_size[kMaxParts];
};

uint64_t file_checksum(std::string_view bytes) {
  FileHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  h.checksum = 0;
  const uint64_t head = checksum64(std::string_view(reinterpret_cast<const char*>(&h), sizeof h));
  return (head * 0x9e3779b97f4a7c15ull) ^ checksum64(bytes.substr(sizeof h));
}

SourceIdentity identity_of(const struct stat& st) {
  SourceIdentity id;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  id.inode = static_cast<uint64_t>(st.st_ino);
  id.device = static_cast<uint64_t>(st.st_dev);
  return id;
}

/// A cache file mapped read-only; unmapped when the last compiled list read from it goes.
class MappedFile : public ByteStore {
 public:
  MappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~MappedFile() override { ::munmap(addr_, size_); }
  std::string_view bytes() const override { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* addr_;
  size_t size_;
};

}  // namespace

bool source_identity(const std::string& path, SourceIdentity* out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *out = identity_of(st);
  return true;
}

bool read_source(const std::string& path, uint64_t max_bytes, std::string* bytes, SourceIdentity* identity,
                 std::string* err) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (!ok) {
    *err = "cannot read " + path + ": not a regular file";
  } else if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    *err = path + " is larger than " + std::to_string(max_bytes) + " bytes";
    ok = false;
  } else {
    bytes->clear();
    bytes->resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    for (;;) {
      if (got == bytes->size()) bytes->resize(got + 4096);  // the file grew: read what is there
      const ssize_t r = ::read(fd, bytes->data() + got, bytes->size() - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *err = "cannot read " + path + ": " + std::strerror(errno);
        ok = false;
        break;
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
      if (got > max_bytes) {
        *err = path + " is larger than " + std::to_string(max_bytes) + " bytes";
        ok = false;
        break;
      }
    }
    bytes->resize(got);
    if (ok && ::fstat(fd, &st) == 0) *identity = identity_of(st);
  }
  ::close(fd);
  return ok;
}

std::string source_hash(std::string_view bytes) {
  return raw_digest(HashAlgorithm::kSha256, bytes);
}

std::string cache_file_bytes(const CacheBinding& binding, const CachedLists& lists) {
  FileHeader h{};
  std::memcpy(h.magic, kFileMagic, sizeof h.magic);
  h.format_version = kCompiledFormatVersion;
  h.header_size = sizeof(FileHeader);
  h.build_id_size = static_cast<uint32_t>(std::min(binding.build_id.size(), sizeof h.build_id));
  std::memcpy(h.build_id, binding.build_id.data(), h.build_id_size);
  std::memcpy(h.source_sha256, binding.source_sha256.data(), std::min(binding.source_sha256.size(), size_t{32}));
  h.source_size = binding.identity.size;
  h.source_mtime_ns = binding.identity.mtime_ns;
  h.source_ctime_ns = binding.identity.ctime_ns;
  h.source_inode = binding.identity.inode;
  h.source_device = binding.identity.device;
  std::string out(sizeof h, '\0');
  for (const auto* part : {&lists.list, &lists.exceptions}) {
    if (!*part) continue;
    while (out.size() % 8) out.push_back('\0');
    h.part_offset[h.part_count] = out.size();
    h.part_size[h.part_count] = (*part)->bytes().size();
    ++h.part_count;
    out.append((*part)->bytes());
  }
  h.file_size = out.size();
  std::memcpy(out.data(), &h, sizeof h);
  h.checksum = file_checksum(out);
  std::memcpy(out.data(), &h, sizeof h);
  return out;
}

bool write_list_cache(const std::string& path, const CacheBinding& binding, const CachedLists& lists,
                      const WriteFileFn& write, std::string* err) {
  const std::string bytes = cache_file_bytes(binding, lists);
  return write ? write(path, bytes, err) : write_file_atomic(path, bytes, err);
}

CacheProblem read_list_cache(const std::string& path, std::string_view build_id, CachedLists* lists,
                             CacheBinding* binding, std::string* why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *why = errno == ENOENT ? "no compiled cache yet" : "cannot open " + path + ": " + std::strerror(errno);
    return errno == ENOENT ? CacheProblem::kMissing : CacheProblem::kCorrupt;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > kMaxCacheBytes) {
    ::close(fd);
    *why = "not a readable cache file";
    return CacheProblem::kCorrupt;
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size < sizeof(FileHeader)) {
    ::close(fd);
    *why = "truncated (" + std::to_string(size) + " bytes, shorter than its header)";
    return CacheProblem::kCorrupt;
  }
  // Populated at once: the checksum reads every page next, and one call maps them for less than a fault each.
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (addr == MAP_FAILED) {
    *why = std::string("cannot map the cache: ") + std::strerror(errno);
    return CacheProblem::kCorrupt;
  }
  auto store = std::make_shared<const MappedFile>(addr, size);
  const std::string_view bytes = store->bytes();
  FileHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kFileMagic, sizeof h.magic) != 0) {
    *why = "not a MailVeil cache file";
    return CacheProblem::kCorrupt;
  }
  if (h.format_version != kCompiledFormatVersion || h.header_size != sizeof(FileHeader)) {
    *why = "cache format " + std::to_string(h.format_version) + ", this host reads " +
           std::to_string(kCompiledFormatVersion);
    return CacheProblem::kOtherFormat;
  }
  if (h.build_id_size > sizeof h.build_id ||
      std::string_view(reinterpret_cast<const char*>(h.build_id), h.build_id_size) != build_id) {
    *why = "written by another build of the host";
    return CacheProblem::kOtherBuild;
  }
  if (h.file_size != size) {
    *why = "truncated or extended (" + std::to_string(size) + " bytes, its header says " + std::to_string(h.file_size) +
           ")";
    return CacheProblem::kCorrupt;
  }
  if (file_checksum(bytes) != h.checksum) {
    *why = "checksum mismatch (the file is corrupt)";
    return CacheProblem::kCorrupt;
  }
  if (h.part_count < 1 || h.part_count > kMaxParts) {
    *why = "bad part count";
    return CacheProblem::kCorrupt;
  }
  std::shared_ptr<const CompiledList> parts[kMaxParts];
  for (uint32_t i = 0; i < h.part_count; ++i) {
    std::string e;
    parts[i] = CompiledList::load(store, h.part_offset[i], h.part_size[i], &e);
    if (!parts[i]) {
      *why = "compiled list " + std::to_string(i) + ": " + e;
      return CacheProblem::kCorrupt;
    }
  }
  lists->list = parts[0];
  lists->exceptions = h.part_count > 1 ? parts[1] : nullptr;
  binding->build_id.assign(reinterpret_cast<const char*>(h.build_id), h.build_id_size);
  binding->source_sha256.assign(reinterpret_cast<const char*>(h.source_sha256), sizeof h.source_sha256);
  binding->identity = {h.source_size, h.source_mtime_ns, h.source_ctime_ns, h.source_inode, h.source_device};
  return CacheProblem::kNone;
}

}  // namespace mailveil
