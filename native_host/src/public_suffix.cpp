#include "public_suffix.h"

#include <libpsl.h>
#include <sys/stat.h>

#include <ctime>
#include <unordered_map>

#include "idna.h"
#include "text_util.h"

#ifdef MAILVEIL_PSL_STATIC
// Pulls psl_static_deps.o out of the core library before libpsl.a needs its symbols (archives are searched in
// link order, once).
extern "C" {
extern const int mailveil_psl_static_deps;
extern const void* const mailveil_psl_static_deps_ref;
const void* const mailveil_psl_static_deps_ref = &mailveil_psl_static_deps;
}
#endif

namespace mailveil {
namespace {

struct Psl {
  const psl_ctx_t* ctx = nullptr;
  PublicSuffixInfo info;
};

std::string utc_date(time_t t) {
  std::tm tm{};
  if (t <= 0 || !gmtime_r(&t, &tm)) return "";
  char buf[16];
  return std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm) ? std::string(buf) : std::string();
}

/// psl_latest() serves the distribution's list file (Debian's publicsuffix package) when it is newer than the
/// list compiled into libpsl, else the built-in one; it reads at most one 54 KB DAFSA file, once.
const Psl& psl() {
  static const Psl p = [] {
    Psl out;
    out.ctx = psl_latest(nullptr);
    out.info.libpsl = psl_get_version();
    if (size_t plus = out.info.libpsl.find(" ("); plus != std::string::npos) out.info.libpsl.resize(plus);
    if (out.ctx == psl_builtin() || !out.ctx) {
      if (!out.ctx) out.ctx = psl_builtin();
      out.info.source = kPublicSuffixBuiltin;
      out.info.date = utc_date(psl_builtin_file_time());
    } else {
      out.info.source = psl_dist_filename();
      struct stat st {};
      out.info.date = stat(out.info.source.c_str(), &st) == 0 ? utc_date(st.st_mtime) : "";
    }
    return out;
  }();
  return p;
}

/// Canonical dotted IPv4, as the URL parser serialises it.
bool is_ipv4(std::string_view host) {
  int dots = 0;
  int digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

std::string compute_registrable_domain(std::string_view host_in) {
  std::string host = domain_to_ascii(host_in).value_or(ascii_lower(host_in));
  if (host.size() > 1 && host.back() == '.' && host[host.size() - 2] != '.') host.pop_back();
  if (host.empty() || host.front() == '.' || is_ipv4(host)) return host;
  const char* regdom = psl_registrable_domain(psl().ctx, host.c_str());
  return regdom ? std::string(regdom) : host;
}

}  // namespace

std::string public_registrable_domain(std::string_view host_in) {
  if (host_in.empty() || host_in.front() == '[') return std::string(host_in);
  // The classifier asks several times per element, mostly for the few hosts of one mail: a small per-thread
  // cache spares the list lookups (one per label) and the copies.
  thread_local std::unordered_map<std::string, std::string, StringViewHash, std::equal_to<>> cache;
  if (auto it = cache.find(host_in); it != cache.end()) return it->second;
  if (cache.size() >= 4096) cache.clear();
  std::string result = compute_registrable_domain(host_in);
  cache.emplace(std::string(host_in), result);
  return result;
}

PublicSuffixInfo public_suffix_info() {
  return psl().info;
}

nlohmann::json public_suffix_json() {
  const PublicSuffixInfo& i = psl().info;
  return {{"list", i.date}, {"source", i.source}, {"libpsl", i.libpsl}};
}

std::string public_suffix_text() {
  const PublicSuffixInfo& i = psl().info;
  return (i.date.empty() ? std::string("of unknown date") : i.date) + " (libpsl " + i.libpsl + ", " +
         (i.source == kPublicSuffixBuiltin ? std::string("built-in list") : i.source) + ")";
}

}  // namespace mailveil
