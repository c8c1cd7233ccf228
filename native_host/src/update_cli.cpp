#include "update_cli.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "abp_import.h"
#include "atomic_file.h"
#include "signature_store.h"

namespace mailveil {
namespace {

constexpr uint64_t kMaxImportBytes = 64u << 20;

constexpr char kUsage[] =
    "usage: mailveil-host update [--url URL]        download, verify and install a newer signature list\n"
    "       mailveil-host update --rollback         go back to the previous list\n"
    "       mailveil-host update --import-abp FILE [--category C]\n"
    "                                               import Adblock Plus / EasyPrivacy filters as the user list\n"
    "       mailveil-host update --remove-import    delete the imported user list\n";

std::string kib(uint64_t bytes) {
  return std::to_string((bytes + 1023) / 1024) + " KiB";
}

std::string describe(const ActiveList& a) {
  if (!a.list) return "no list";
  std::string s = "signature list " + std::to_string(a.list->list_version);
  s += " (" + std::to_string(a.list->size()) + " trackers";
  if (!a.list->published.empty()) s += ", published " + a.list->published;
  s += ", " + std::string(to_string(a.source)) + ")";
  return s;
}

/// "warning: the signature list ... expired on ..." when the list is past its date (freeze attack, or an update
/// server that is down), else nothing.
void warn_if_expired(const ActiveList& a, std::ostream& err) {
  if (!a.list) return;
  const ListFreshness f = list_freshness(*a.list, today_utc_days());
  if (f.expired) err << "warning: " << f.note << "\n";
}

struct CliOptions {
  bool rollback = false;
  bool remove_import = false;
  std::string url;
  std::string import_file;
  std::string category;
};

bool parse_args(std::vector<std::string> args, CliOptions* o, bool* help, std::string* err) {
  if (!args.empty() && args.front() == "update") args.erase(args.begin());
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag, std::string* out) {
      std::string prefix = std::string(flag) + "=";
      if (a.rfind(prefix, 0) == 0) {
        *out = a.substr(prefix.size());
        return true;
      }
      if (a == flag) {
        if (i + 1 >= args.size()) {
          *err = std::string(flag) + " needs a value";
          return false;
        }
        *out = args[++i];
        return true;
      }
      return false;
    };
    if (a == "--help" || a == "-h") {
      *help = true;
    } else if (a == "--rollback") {
      o->rollback = true;
    } else if (a == "--remove-import") {
      o->remove_import = true;
    } else if (value("--url", &o->url) || value("--import-abp", &o->import_file) || value("--category", &o->category)) {
      if (!err->empty()) return false;
    } else {
      if (err->empty()) *err = "unknown argument '" + a + "'";
      return false;
    }
  }
  int modes = int(o->rollback) + int(o->remove_import) + int(!o->import_file.empty());
  if (modes > 1) {
    *err = "--rollback, --import-abp and --remove-import cannot be combined";
    return false;
  }
  if (!o->url.empty() && modes > 0) {
    *err = "--url only goes with a download";
    return false;
  }
  if (!o->category.empty() && o->import_file.empty()) {
    *err = "--category only goes with --import-abp";
    return false;
  }
  return true;
}

int import_abp(const CliOptions& o, const UpdateConfig& config, std::ostream& out, std::ostream& err) {
  std::string text;
  std::string e;
  if (!read_file(o.import_file, kMaxImportBytes, &text, &e)) {
    err << "import failed: " << e << "\n";
    return 1;
  }
  AbpImportOptions options;
  if (!o.category.empty()) {
    const auto& cats = tracker_categories();
    if (std::find(cats.begin(), cats.end(), o.category) == cats.end()) {
      err << "import failed: unknown category '" << o.category << "'\n";
      return 1;
    }
    options.category = o.category;
  }
  AbpImport imported = import_abp_list(text, options);
  const AbpImportStats& s = imported.stats;
  std::string json_text = user_list_json(imported, o.import_file);
  // Check the file with the loader the host uses, so that what is stored is what will be served.
  std::shared_ptr<SignatureList> trackers;
  std::shared_ptr<SignatureList> exceptions;
  if (!parse_user_list(json_text, &trackers, &exceptions, &e)) {
    err << "import failed: the converted list does not load: " << e << "\n";
    return 1;
  }
  size_t rejected = trackers->skipped.size() + (exceptions ? exceptions->skipped.size() : 0);
  if (trackers->trackers.empty() && (!exceptions || exceptions->trackers.empty())) {
    err << "import failed: no supported filter in " << o.import_file << " (" << s.filters << " filters, "
        << s.unsupported << " unsupported)\n";
    return 1;
  }
  if (!install_user_list(config.store_dir, json_text, *trackers, exceptions.get(), config.write_file, &e)) {
    err << "import failed: " << e << " — the previous user list (if any) is unchanged\n";
    return 1;
  }
  out << "imported " << o.import_file << " (" << imported.title << "): " << s.filters << " filters\n";
  out << "  supported:   " << s.imported << " blocking filters, " << s.exceptions << " exceptions";
  if (s.duplicates) out << " (" << s.duplicates << " duplicates ignored)";
  out << "\n";
  out << "  unsupported: " << s.unsupported << " (skipped, not fatal)\n";
  for (const auto& [reason, count] : s.unsupported_reasons) out << "    " << count << "  " << reason << "\n";
  if (rejected) out << "  rejected by the list validator: " << rejected << "\n";
  out << "stored as the user list " << StorePaths(config.store_dir).user
      << "; mailveil-host serves it after the signed list from its next start\n";
  return 0;
}

}  // namespace

int run_update_command(const std::vector<std::string>& args) {
  UpdateConfig config = default_update_config();
#ifdef MAILVEIL_TEST_KEYS
  // Test builds only (never releases): lets end-to-end tests point the CLI at a loopback HTTP server.
  if (const char* v = std::getenv("MAILVEIL_ALLOW_LOOPBACK_HTTP"); v && std::string(v) == "1") {
    config.allow_loopback_http = true;
  }
#endif
  return run_update_command(args, config, std::cout, std::cerr);
}

int run_update_command(const std::vector<std::string>& args, const UpdateConfig& base, std::ostream& out,
                       std::ostream& err) {
  CliOptions o;
  bool help = false;
  std::string e;
  if (!parse_args(args, &o, &help, &e)) {
    err << "mailveil-host update: " << e << "\n" << kUsage;
    return 1;
  }
  if (help) {
    out << kUsage;
    return 0;
  }
  UpdateConfig config = base;
  if (!o.url.empty()) config.list_url = o.url;

  if (!o.import_file.empty()) return import_abp(o, config, out, err);
  if (o.remove_import) {
    if (!remove_user_list(config.store_dir, &e)) {
      err << "cannot remove the user list: " << e << "\n";
      return 1;
    }
    out << "the imported user list is removed (if there was one)\n";
    return 0;
  }

  std::string load_err;
  ActiveList current = load_active_list(config.store_dir, config.bundled_path, config.trusted_keys, &load_err);
  for (const auto& w : current.warnings) err << "warning: " << w << "\n";
  if (!load_err.empty()) err << "warning: " << load_err << "\n";

  UpdateOutcome outcome;
  if (o.rollback) {
    outcome = rollback_signatures(config, current);
  } else {
    err << "checking " << config.list_url << " (installed: " << describe(current) << ")\n";
    outcome = update_signatures(config, current, [&](uint64_t received, uint64_t total) {
      err << "  downloading: " << kib(received);
      if (total) err << " of " << kib(total);
      err << "\n";
    });
  }
  if (!outcome.ok) {
    err << (o.rollback ? "rollback failed: " : "update failed: ") << outcome.message << "\n";
    warn_if_expired(current, err);
    return 1;
  }
  warn_if_expired(outcome.active, err);
  if (outcome.status == UpdateStatus::kNotModified) {
    out << "already up to date: " << describe(current) << "\n";
    if (current.list && list_freshness(*current.list, today_utc_days()).expired) {
      err << "warning: the server offers no list newer than an expired one: it may be unmaintained, or someone "
             "between you and it replays an old list (freeze attack)\n";
    }
  } else if (outcome.status == UpdateStatus::kUpdated) {
    out << "updated: now " << describe(outcome.active) << " from " << outcome.active.path << "\n";
    out << "the list it replaces is kept: 'mailveil-host update --rollback' restores it\n";
  } else {
    out << "rolled back: now " << describe(outcome.active) << " from " << outcome.active.path << "\n";
  }
  if (outcome.status != UpdateStatus::kNotModified) {
    out << "a running mailveil-host switches at its next start or update request\n";
  }
  return 0;
}

}  // namespace mailveil
