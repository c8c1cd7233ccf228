#include "abp_export.h"

namespace mailveil {
namespace {

/// Joins filter options with commas, after the `$`.
std::string options_suffix(const std::vector<std::string>& options) {
  std::string out;
  for (const auto& o : options) out += (out.empty() ? "$" : ",") + o;
  return out;
}

std::vector<std::string> type_options(const Tracker& t) {
  if (t.applies_to_pixel && !t.applies_to_link) return {"~document"};
  if (t.applies_to_link && !t.applies_to_pixel) return {"document"};
  return {};
}

/// Comments must stay on one line.
std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

std::optional<std::string> re2_to_js_regex(std::string_view p, bool* case_insensitive, std::string* reason) {
  *case_insensitive = false;
  if (p.starts_with("(?i)")) {
    *case_insensitive = true;
    p.remove_prefix(4);
  }
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) {
        *reason = "trailing backslash";
        return std::nullopt;
      }
      const char n = p[++i];
      switch (n) {
        case 'z': out += '$'; break;  // end of text; JS `$` without the m flag
        case 'A': out += '^'; break;
        case 'C':
        case 'p':
        case 'P':
        case 'Q':
        case 'E': *reason = std::string("RE2-only escape \\") + n; return std::nullopt;
        default: out += '\\'; out += n;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      if (c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
        *reason = "POSIX character class";
        return std::nullopt;
      }
      out += c == '/' ? "\\/" : std::string(1, c);
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member.
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == '[' && i + 2 < p.size() && p[i + 2] == ':') {
        *reason = "POSIX character class";
        return std::nullopt;
      }
      continue;
    }
    if (c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
      std::string_view rest = p.substr(i + 2);
      if (rest.starts_with("P<")) {
        out += "(?<";
        i += 3;
        continue;
      }
      if (!rest.empty() && rest[0] != ':' && rest[0] != '=' && rest[0] != '!' && rest[0] != '<') {
        *reason = "inline flags";
        return std::nullopt;
      }
    }
    out += c == '/' ? "\\/" : std::string(1, c);
  }
  return out;
}

AbpExport export_abp(const SignatureList& list, const std::string& title) {
  AbpExport ex;
  std::string& t = ex.text;
  t += "[Adblock Plus 2.0]\n! Title: " + one_line(title) + "\n! Version: " + std::to_string(list.list_version) +
       "\n! Exported from a MailVeil signature list (native_host/src/abp_export.h). Type semantics: uBlock Origin /"
       "\n! Ghostery (a filter without type option also applies to top-level documents, i.e. link clicks).\n";
  for (const Tracker& tracker : list.trackers) {
    t += "! " + one_line(tracker.id + ": " + tracker.name + " (" + tracker.company + ")") + "\n";
    const std::vector<std::string> types = type_options(tracker);
    const std::string suffix = options_suffix(types);
    for (const auto& d : tracker.domains) {
      t += "||" + d + "^" + suffix + "\n";
      ++ex.filters;
    }
    for (const auto& h : tracker.hosts) {
      for (const char* scheme : {"http", "https"}) {
        t += std::string("|") + scheme + "://" + h + "^" + suffix + "\n";
        ++ex.filters;
      }
    }
    for (const auto& p : tracker.patterns) {
      bool insensitive = false;
      std::string reason;
      auto js = re2_to_js_regex(p, &insensitive, &reason);
      if (!js) {
        ex.skipped.push_back(tracker.id + ": " + p + ": " + reason);
        t += "! skipped (" + reason + "): " + one_line(p) + "\n";
        continue;
      }
      std::vector<std::string> options = types;
      if (!insensitive) options.insert(options.begin(), "match-case");
      // A regex filter always carries an option, so that a `$` anchor inside it is never read as the options'.
      if (options.empty()) options.push_back("all");
      t += "/" + *js + "/" + options_suffix(options) + "\n";
      ++ex.filters;
    }
  }
  return ex;
}

}  // namespace mailveil
