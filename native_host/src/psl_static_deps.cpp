// libpsl is linked statically (Debian's libpsl.a) so that the host does not map libpsl, libidn2 and
// libunistring at every start (about 1.5 ms of CPU on our VM, docs/evaluation.md). libpsl.a still refers to
// four symbols of libidn2 and libunistring. MailVeil never reaches them: it hands libpsl ASCII hosts and
// loads the binary DAFSA list. libpsl reaches them only for non-ASCII input, for psl_str_to_utf8lower(), and
// when it loads a list in the text format. These definitions load the real libraries on such a first call and
// forward to them, so that libpsl keeps its full behaviour without the start-up cost.
// Built only when CMake links libpsl.a (MAILVEIL_PSL_STATIC); the sanitizer build uses the shared libpsl.
#ifdef MAILVEIL_PSL_STATIC

#include <dlfcn.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace {

void* symbol(const char* library, const char* name) {
  void* lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);  // kept loaded: libpsl may call again
  return lib ? dlsym(lib, name) : nullptr;
}

struct UninormStub {
  int unused;
};

}  // namespace

extern "C" {

extern const int mailveil_psl_static_deps;  // referenced by public_suffix.cpp, which pulls this object in
const int mailveil_psl_static_deps = 1;

// libunistring's NFKC normalisation form object; libpsl only passes its address on to u8_tolower().
extern const UninormStub uninorm_nfkc;
const UninormStub uninorm_nfkc = {0};

size_t u8_strlen(const uint8_t* s) {
  return std::strlen(reinterpret_cast<const char*>(s));
}

uint8_t* u8_tolower(const uint8_t* s, size_t n, const char* iso639_language, const void* nf, uint8_t* resultbuf,
                    size_t* lengthp) {
  using Fn = uint8_t* (*)(const uint8_t*, size_t, const char*, const void*, uint8_t*, size_t*);
  static const Fn real = reinterpret_cast<Fn>(symbol("libunistring.so.2", "u8_tolower"));
  static const void* real_nfkc = symbol("libunistring.so.2", "uninorm_nfkc");
  if (!real || !real_nfkc) {
    errno = ENOSYS;
    return nullptr;
  }
  return real(s, n, iso639_language, nf == &uninorm_nfkc ? real_nfkc : nf, resultbuf, lengthp);
}

int idn2_lookup_u8(const uint8_t* src, uint8_t** lookupname, int flags) {
  using Fn = int (*)(const uint8_t*, uint8_t**, int);
  static const Fn real = reinterpret_cast<Fn>(symbol("libidn2.so.0", "idn2_lookup_u8"));
  if (!real) return -100;  // IDN2_MALLOC: libpsl then keeps the rule in its UTF-8 form
  return real(src, lookupname, flags);
}

}  // extern "C"

#endif  // MAILVEIL_PSL_STATIC
