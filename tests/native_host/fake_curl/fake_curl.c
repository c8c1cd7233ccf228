/* A stand-in for libcurl.so.4 that behaves like an older libcurl, for the updater's tests (issue 12, finding 7).
 * Built as <build>/tests/fake-curl/libcurl.so.4; a test puts that directory first in LD_LIBRARY_PATH, and the
 * host's dlopen("libcurl.so.4") then finds it. Every call is forwarded to the real library (REAL_CURL, set by
 * CMake), except:
 *   - curl_version_info reports $MAILVEIL_FAKE_CURL_VERSION ("7.74.0") instead of the real version;
 *   - curl_easy_setopt answers CURLE_UNKNOWN_OPTION for CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR
 *     when that version is below 7.85.0, as such a library does;
 *   - with MAILVEIL_FAKE_CURL_NO_PROTOCOLS=1 it refuses CURLOPT_PROTOCOLS and CURLOPT_REDIR_PROTOCOLS too: a
 *     library that cannot restrict protocols at all. */
#define _GNU_SOURCE
#define CURL_DISABLE_TYPECHECK
#define CURL_NO_OLDIES
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static void* real(const char* name) {
  static void* lib;
  if (!lib) lib = dlopen(REAL_CURL, RTLD_NOW | RTLD_LOCAL);
  void* f = lib ? dlsym(lib, name) : NULL;
  if (!f) {
    fprintf(stderr, "fake libcurl: cannot find %s in %s\n", name, REAL_CURL);
    abort();
  }
  return f;
}

static unsigned fake_version(void) {
  const char* v = getenv("MAILVEIL_FAKE_CURL_VERSION");
  unsigned a = 0, b = 0, c = 0;
  if (!v || sscanf(v, "%u.%u.%u", &a, &b, &c) != 3) return 0;
  return (a << 16) | (b << 8) | c;
}

#define FWD(ret, name, params, args)         \
  ret name params {                          \
    return ((ret(*) params)real(#name))args; \
  }
FWD(CURLcode, curl_global_init, (long f), (f))
FWD(CURL*, curl_easy_init, (void), ())
FWD(CURLcode, curl_easy_perform, (CURL * h), (h))
FWD(void, curl_easy_cleanup, (CURL * h), (h))
FWD(const char*, curl_easy_strerror, (CURLcode c), (c))
FWD(struct curl_slist*, curl_slist_append, (struct curl_slist * l, const char* s), (l, s))
FWD(void, curl_slist_free_all, (struct curl_slist * l), (l))
FWD(CURLU*, curl_url, (void), ())
FWD(void, curl_url_cleanup, (CURLU * u), (u))
FWD(CURLUcode, curl_url_set, (CURLU * u, CURLUPart p, const char* s, unsigned int f), (u, p, s, f))
FWD(CURLUcode, curl_url_get, (CURLU * u, CURLUPart p, char** s, unsigned int f), (u, p, s, f))
FWD(void, curl_free, (void* p), (p))

curl_version_info_data* curl_version_info(CURLversion age) {
  static curl_version_info_data copy;
  static char text[32];
  curl_version_info_data* info = ((curl_version_info_data * (*)(CURLversion)) real("curl_version_info"))(age);
  const unsigned v = fake_version();
  if (!info || !v) return info;
  copy = *info;
  copy.version_num = v;
  snprintf(text, sizeof(text), "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
  copy.version = text;
  return &copy;
}

CURLcode curl_easy_getinfo(CURL* h, CURLINFO info, ...) {
  va_list ap;
  va_start(ap, info);
  void* p = va_arg(ap, void*);
  va_end(ap);
  return ((CURLcode(*)(CURL*, CURLINFO, ...))real("curl_easy_getinfo"))(h, info, p);
}

CURLcode curl_easy_setopt(CURL* h, CURLoption opt, ...) {
  va_list ap;
  va_start(ap, opt);
  void* p = va_arg(ap, void*);
  va_end(ap);
  const unsigned v = fake_version();
  if (v && v < 0x075500 && (opt == CURLOPT_PROTOCOLS_STR || opt == CURLOPT_REDIR_PROTOCOLS_STR)) {
    return CURLE_UNKNOWN_OPTION;
  }
  const char* none = getenv("MAILVEIL_FAKE_CURL_NO_PROTOCOLS");
  if (none && strcmp(none, "1") == 0 && (opt == CURLOPT_PROTOCOLS || opt == CURLOPT_REDIR_PROTOCOLS)) {
    return CURLE_UNKNOWN_OPTION;
  }
  return ((CURLcode(*)(CURL*, CURLoption, ...))real("curl_easy_setopt"))(h, opt, p);
}
