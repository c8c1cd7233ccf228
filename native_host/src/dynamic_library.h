/// Libraries loaded with dlopen on first use instead of linked (libcurl for updates, libcrypto for signatures,
/// ICU for non-ASCII hosts): each costs every host start its relocations if linked, for a rare need.
#pragma once

#include <dlfcn.h>

#include <string>

/// "#x" after macro expansion: MV_STRINGIFY(OPENSSL_VERSION_MAJOR) is "3".
#define MV_STRINGIFY2(x) #x
#define MV_STRINGIFY(x) MV_STRINGIFY2(x)

namespace mailveil {

/// Loads `library` (a soname) for the life of the process; nullptr with *error ("cannot load L (install the P
/// package): why") when it cannot be.
inline void* open_library(const char* library, const char* package, std::string* error) {
  void* lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);  // never unloaded
  if (!lib) {
    const char* why = dlerror();
    *error = std::string("cannot load ") + library + " (install the " + package + " package): " + (why ? why : "?");
  }
  return lib;
}

/// Resolves `name` in `lib` into *out; when it is missing, the first such name goes to *error ("L lacks name").
template <typename Fn>
bool resolve(void* lib, const char* library, const char* name, Fn* out, std::string* error) {
  *out = reinterpret_cast<Fn>(dlsym(lib, name));
  if (!*out && error->empty()) error->assign(std::string(library) + " lacks " + name);
  return *out != nullptr;
}

}  // namespace mailveil
