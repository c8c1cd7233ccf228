#include "explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace mailveil {
namespace {

/// One text per language, in Lang order.
struct Text {
  const char* en;
  const char* fr;
  const char* in(Lang lang) const { return lang == Lang::kFr ? fr : en; }
};

/// Singular and plural forms; French uses the singular for 0 and 1, English for 1 only.
struct Plural {
  Text one;
  Text many;
  const char* in(Lang lang, size_t n) const {
    const bool singular = lang == Lang::kFr ? n <= 1 : n == 1;
    return singular ? one.in(lang) : many.in(lang);
  }
};

/// Fills {0}, {1}, ... in a pattern of the tables below.
template <typename... Args>
std::string fill(const char* pattern, Args&&... args) {
  return fmt::format(fmt::runtime(pattern), std::forward<Args>(args)...);
}

/// The colon after a grade letter: French puts a no-break space before it.
const char* grade_colon(Lang lang) {
  return lang == Lang::kFr ? "\u00a0:" : ":";
}

/// The digest a form carries, by its usual name ("SHA-256"), or nullptr for the forms that are no digest.
const char* hash_name(LeakEncoding form) {
  switch (form) {
    case LeakEncoding::kMd5:
    case LeakEncoding::kMd5Base64: return "MD5";
    case LeakEncoding::kSha1:
    case LeakEncoding::kSha1Base64: return "SHA-1";
    case LeakEncoding::kSha224: return "SHA-224";
    case LeakEncoding::kSha256:
    case LeakEncoding::kSha256Base64: return "SHA-256";
    case LeakEncoding::kSha384: return "SHA-384";
    case LeakEncoding::kSha512: return "SHA-512";
    case LeakEncoding::kPlain:
    case LeakEncoding::kUrlEncoded:
    case LeakEncoding::kBase64:
    case LeakEncoding::kBase64Url:
    case LeakEncoding::kBase64Embedded:
    case LeakEncoding::kHex: return nullptr;
  }
  return nullptr;
}

std::string plain_form(LeakEncoding form, Lang lang) {
  switch (form) {
    case LeakEncoding::kPlain:
    case LeakEncoding::kUrlEncoded: return Text{"in plain text", "en clair"}.in(lang);
    case LeakEncoding::kBase64:
    case LeakEncoding::kBase64Url:
      return Text{"in Base64, which anyone can decode", "en Base64, que n'importe qui peut décoder"}.in(lang);
    case LeakEncoding::kHex:
      return Text{"in hexadecimal, which anyone can decode", "en hexadécimal, que n'importe qui peut décoder"}.in(lang);
    case LeakEncoding::kBase64Embedded: return Text{"inside encoded data", "cachée dans des données encodées"}.in(lang);
    default: break;
  }
  const bool md5 = form == LeakEncoding::kMd5 || form == LeakEncoding::kMd5Base64;
  return fill(Text{md5 ? "as an {0} hash" : "as a {0} hash", "hachée en {0}"}.in(lang), hash_name(form));
}

/// The reason codes' sentences; {0} is the grade with its colon, {1} the count.
struct ReasonText {
  ReasonCode code;
  Plural sentence;
};
const ReasonText kReasons[] = {
    {ReasonCode::kAddressLeakOpen,
     {{"{0} {1} company gets your e-mail address when you open this mail",
       "{0} {1} entreprise reçoit votre adresse e-mail quand vous ouvrez ce courriel"},
      {"{0} {1} companies get your e-mail address when you open this mail",
       "{0} {1} entreprises reçoivent votre adresse e-mail quand vous ouvrez ce courriel"}}},
    {ReasonCode::kAddressLeakClick,
     {{"{0} {1} company gets your e-mail address if you click a link in this mail",
       "{0} {1} entreprise reçoit votre adresse e-mail si vous cliquez sur un lien de ce courriel"},
      {"{0} {1} companies get your e-mail address if you click a link in this mail",
       "{0} {1} entreprises reçoivent votre adresse e-mail si vous cliquez sur un lien de ce courriel"}}},
    {ReasonCode::kSenderAddressLeak,
     {{"{0} the sender records your e-mail address when you open this mail",
       "{0} l'expéditeur enregistre votre adresse e-mail quand vous ouvrez ce courriel"},
      {"{0} the sender records your e-mail address when you open this mail",
       "{0} l'expéditeur enregistre votre adresse e-mail quand vous ouvrez ce courriel"}}},
    {ReasonCode::kTrackingPixels,
     {{"{0} {1} company learns when you open this mail", "{0} {1} entreprise sait quand vous ouvrez ce courriel"},
      {"{0} {1} companies learn when you open this mail", "{0} {1} entreprises savent quand vous ouvrez ce courriel"}}},
    {ReasonCode::kTrackedLinks,
     {{"{0} {1} company records which links you click",
       "{0} {1} entreprise enregistre les liens sur lesquels vous cliquez"},
      {"{0} {1} companies record which links you click",
       "{0} {1} entreprises enregistrent les liens sur lesquels vous cliquez"}}},
    {ReasonCode::kSenderTrackingPixels,
     {{"{0} the sender learns when you open this mail", "{0} l'expéditeur sait quand vous ouvrez ce courriel"},
      {"{0} the sender learns when you open this mail", "{0} l'expéditeur sait quand vous ouvrez ce courriel"}}},
    {ReasonCode::kSenderTrackedLinks,
     {{"{0} the sender records which links you click",
       "{0} l'expéditeur enregistre les liens sur lesquels vous cliquez"},
      {"{0} the sender records which links you click",
       "{0} l'expéditeur enregistre les liens sur lesquels vous cliquez"}}},
    {ReasonCode::kNoTracking,
     {{"{0} no tracker found in this mail", "{0} aucun traceur trouvé dans ce courriel"},
      {"{0} no tracker found in this mail", "{0} aucun traceur trouvé dans ce courriel"}}},
};

/// Finding codes and their labels.
struct Label {
  FindingCode code;
  Text text;
};
const Label kFindingLabels[] = {
    {FindingCode::kAddressLeak,
     {"the reader's e-mail address is sent to a company", "l'adresse e-mail du lecteur est envoyée à une entreprise"}},
    {FindingCode::kGaIpNotAnonymised,
     {"Google Analytics receives the full IP address", "Google Analytics reçoit l'adresse IP complète"}},
    {FindingCode::kGaAdsPersonalisation,
     {"the open may be used for Google ad personalisation",
      "l'ouverture peut servir à personnaliser des publicités Google"}},
    {FindingCode::kGaUserId,
     {"Google Analytics ties the open to a known person",
      "Google Analytics relie l'ouverture à une personne identifiée"}},
    {FindingCode::kGaClientId,
     {"Google Analytics receives an identifier unique to the reader",
      "Google Analytics reçoit un identifiant propre au lecteur"}},
    {FindingCode::kGa4Hit, {"Google Analytics 4 records the open", "Google Analytics 4 enregistre l'ouverture"}},
    {FindingCode::kGaAdvertisingFeatures,
     {"the open is linked to Google's advertising cookies",
      "l'ouverture est reliée aux cookies publicitaires de Google"}},
    {FindingCode::kThirdParties,
     {"companies other than the sender are involved", "des entreprises autres que l'expéditeur interviennent"}},
    {FindingCode::kTrackerPixels, {"tracking pixels report the open", "des pixels espions signalent l'ouverture"}},
    {FindingCode::kTrackedLinks, {"links record clicks", "des liens enregistrent les clics"}},
};

/// Google Analytics findings: message and detail. {0} is " (property …)" or "", {1} the identifier's parameter.
struct GaText {
  FindingCode code;
  Text message;
  Text detail;
};
const GaText kGaTexts[] = {
    {FindingCode::kGaAdvertisingFeatures,
     {"Google links this open to its advertising cookies: Analytics advertising features are on",
      "Google relie cette ouverture à ses cookies publicitaires : les fonctions publicitaires d'Analytics sont "
      "activées"},
     {"Google Analytics hit{0} sent through stats.g.doubleclick.net",
      "Requête Google Analytics{0} envoyée via stats.g.doubleclick.net"}},
    {FindingCode::kGa4Hit,
     {"Google Analytics 4 records that you opened this mail",
      "Google Analytics 4 enregistre que vous avez ouvert ce courriel"},
     {"GA4 measurement hit{0}", "Requête de mesure GA4{0}"}},
    {FindingCode::kGaIpNotAnonymised,
     {"Google Analytics receives your full IP address: IP anonymisation (aip=1) is off",
      "Google Analytics reçoit votre adresse IP complète : l'anonymisation de l'IP (aip=1) est désactivée"},
     {"Universal Analytics hit{0} without aip=1", "Requête Universal Analytics{0} sans aip=1"}},
    {FindingCode::kGaAdsPersonalisation,
     {"Google may use this open to personalise ads (npa=1 is not set)",
      "Google peut utiliser cette ouverture pour personnaliser des publicités (npa=1 absent)"},
     {"Google Analytics hit{0} without npa=1", "Requête Google Analytics{0} sans npa=1"}},
    {FindingCode::kGaUserId,
     {"Google Analytics ties this open to a known person: a user id is sent",
      "Google Analytics relie cette ouverture à une personne identifiée : un identifiant utilisateur est envoyé"},
     {"Google Analytics hit{0}: parameter {1} carries a user id",
      "Requête Google Analytics{0} : le paramètre {1} porte un identifiant utilisateur"}},
    {FindingCode::kGaClientId,
     {"Google Analytics receives an identifier unique to you",
      "Google Analytics reçoit un identifiant qui vous est propre"},
     {"Google Analytics hit{0}: cid holds a per-recipient client id",
      "Requête Google Analytics{0} : cid contient un identifiant client propre au destinataire"}},
};

/// What a company learns, seen from the elements of one report.
struct Facts {
  using Companies = std::set<std::string_view, std::less<>>;  // views into the report
  Companies open_leak;                                        // third-party companies receiving an address on open
  Companies click_leak;                                       // ... on a click
  bool sender_open_leak = false;
  Companies pixel_companies;
  Companies link_companies;
  bool sender_pixels = false;
  bool sender_links = false;
};

Facts facts_of(const EmailReport& report) {
  Facts f;
  for (const auto& r : report.elements) {
    const bool fetched = is_fetched_on_open(r.kind);
    for (const auto& l : r.leaks) {
      if (r.third_party) {
        (fetched ? f.open_leak : f.click_leak).insert(l.company);
      } else if (fetched) {
        f.sender_open_leak = true;
      }
    }
    if (r.tracker.empty()) continue;
    if (fetched && r.verdict == Verdict::kBlock) {
      if (r.third_party) {
        f.pixel_companies.insert(r.tracker.company);
      } else {
        f.sender_pixels = true;
      }
    } else if (!fetched && r.tracked) {
      if (r.third_party) {
        f.link_companies.insert(r.tracker.company);
      } else {
        f.sender_links = true;
      }
    }
  }
  return f;
}

}  // namespace

std::optional<Lang> lang_from_string(std::string_view s) {
  if (s == "en") return Lang::kEn;
  if (s == "fr") return Lang::kFr;
  return std::nullopt;
}

const char* to_string(Lang lang) {
  return lang == Lang::kFr ? "fr" : "en";
}

std::string plain_kind(ElementKind kind, Lang lang) {
  switch (kind) {
    case ElementKind::kImg:
    case ElementKind::kSrcset: return "image";
    case ElementKind::kCssBackground:
    case ElementKind::kBackgroundAttr: return Text{"background image", "image de fond"}.in(lang);
    case ElementKind::kLink: return Text{"link", "lien"}.in(lang);
    case ElementKind::kIframe: return Text{"embedded frame", "cadre intégré"}.in(lang);
    case ElementKind::kVideo: return Text{"video", "vidéo"}.in(lang);
    case ElementKind::kAudio: return "audio";
    case ElementKind::kEmbed:
    case ElementKind::kObject: return Text{"embedded object", "objet intégré"}.in(lang);
    case ElementKind::kForm: return Text{"form", "formulaire"}.in(lang);
    case ElementKind::kInputImage: return Text{"image button", "bouton image"}.in(lang);
    case ElementKind::kOther: break;
  }
  return Text{"element", "élément"}.in(lang);
}

std::string plain_category(std::string_view category, Lang lang) {
  static const std::map<std::string_view, Text> kWords = {
      {"analytics", {"audience measurement", "mesure d'audience"}},
      {"advertising", {"advertising", "publicité"}},
      {"esp", {"e-mail sending service", "service d'envoi d'e-mails"}},
      {"marketing-automation", {"marketing automation", "automatisation marketing"}},
      {"sales-tracker", {"sales e-mail tracking", "suivi d'e-mails commerciaux"}},
      {"customer-engagement", {"customer messaging", "messagerie client"}},
      {"social", {"social network", "réseau social"}},
      {"spam-tracker", {"bulk-mail tracking", "suivi d'envois en masse"}},
  };
  auto it = kWords.find(category);
  return it == kWords.end() ? Text{"unlisted tracker", "traceur non répertorié"}.in(lang) : it->second.in(lang);
}

std::string plain_encoding(AddressEncoding encoding, Lang lang) {
  std::string words = plain_form(encoding.form, lang);
  for (int i = 0; i < encoding.layers; ++i)
    words += Text{", inside encoded data", ", dans des données encodées"}.in(lang);
  return words;
}

std::string finding_label(FindingCode code, Lang lang) {
  for (const auto& l : kFindingLabels) {
    if (l.code == code) return l.text.in(lang);
  }
  return to_string(code);
}

Wording address_leak_wording(const LeakReport& leak, std::string_view receiver, bool on_open, Lang lang) {
  const char* when = on_open ? Text{"when you open this mail", "quand vous ouvrez ce courriel"}.in(lang)
                             : Text{"if you click this link", "si vous cliquez sur ce lien"}.in(lang);
  return {fill(Text{"{0} gets your e-mail address ({1}) {2}", "{0} reçoit votre adresse e-mail ({1}) {2}"}.in(lang),
               receiver, plain_encoding(leak.encoding, lang), when),
          fill(Text{"{0}: encoding {1}, in {2}", "{0} : encodage {1}, dans {2}"}.in(lang), leak.address,
               to_string(leak.encoding), leak.where)};
}

Wording ga_wording(FindingCode code, std::string_view property, std::string_view key, Lang lang) {
  const std::string prop =
      property.empty() ? std::string() : fill(Text{" (property {0})", " (propriété {0})"}.in(lang), property);
  for (const auto& t : kGaTexts) {
    if (t.code == code) return {t.message.in(lang), fill(t.detail.in(lang), prop, key)};
  }
  return {to_string(code), prop};
}

std::vector<std::string> company_brands(const EmailReport& report) {
  // Per company: its one brand, or an empty view once two differ. Views into the report, which outlives them.
  std::map<std::string_view, std::string_view, std::less<>> brands;
  auto note = [&](std::string_view company, std::string_view brand) {
    auto [it, added] = brands.emplace(company, brand);
    if (!added && it->second != brand) it->second = {};
  };
  for (const auto& r : report.elements) {
    if (!r.tracker.empty()) note(r.tracker.company, r.tracker.brand.empty() ? r.tracker.company : r.tracker.brand);
    for (const auto& l : r.leaks) {
      if (r.tracker.empty() || l.company != r.tracker.company) note(l.company, l.company);
    }
  }
  std::vector<std::string> out;
  out.reserve(report.summary.companies.size());
  for (const auto& c : report.summary.companies) {
    auto it = brands.find(c);
    out.emplace_back(it != brands.end() && !it->second.empty() ? it->second : std::string_view(c));
  }
  return out;
}

std::vector<Finding> message_findings(const EmailReport& report, Lang lang) {
  std::vector<Finding> out;
  const Summary& s = report.summary;
  if (s.tracker_pixels > 0) {
    const Plural pixels{
        {"{0} tracking pixel would report when you open this mail, and from which IP address",
         "{0} pixel espion signalerait quand vous ouvrez ce courriel, et depuis quelle adresse IP"},
        {"{0} tracking pixels would report when you open this mail, and from which IP address",
         "{0} pixels espions signaleraient quand vous ouvrez ce courriel, et depuis quelle adresse IP"}};
    out.push_back({FindingCode::kTrackerPixels, Severity::kMedium, "", "",
                   fill(pixels.in(lang, s.tracker_pixels), s.tracker_pixels), ""});
  }
  if (s.tracked_links > 0) {
    const Plural links{{"{0} link records your click before opening the page",
                        "{0} lien enregistre votre clic avant d'ouvrir la page"},
                       {"{0} links record your click before opening the page",
                        "{0} liens enregistrent votre clic avant d'ouvrir la page"}};
    out.push_back({FindingCode::kTrackedLinks, Severity::kLow, "", "",
                   fill(links.in(lang, s.tracked_links), s.tracked_links), ""});
  }
  if (!s.companies.empty()) {
    const Plural parties{{"{0} company other than the sender is involved: {1}",
                          "{0} entreprise autre que l'expéditeur intervient : {1}"},
                         {"{0} companies other than the sender are involved: {1}",
                          "{0} entreprises autres que l'expéditeur interviennent : {1}"}};
    std::string names;
    for (const auto& b : company_brands(report)) names += (names.empty() ? "" : ", ") + b;
    std::string companies;
    for (const auto& c : s.companies) companies += (companies.empty() ? "" : ", ") + c;
    out.push_back({FindingCode::kThirdParties, s.companies.size() >= 2 ? Severity::kMedium : Severity::kInfo, "", "",
                   fill(parties.in(lang, s.companies.size()), s.companies.size(), names),
                   fill(Text{"companies: {0}", "entreprises : {0}"}.in(lang), companies)});
  }
  return out;
}

ScoreReason score_reason(const EmailReport& report, Lang lang) {
  const Facts f = facts_of(report);
  std::map<std::string_view, std::string_view, std::less<>> brand_of;
  const std::vector<std::string> brands = company_brands(report);
  for (size_t i = 0; i < brands.size(); ++i) brand_of[report.summary.companies[i]] = brands[i];
  auto named = [&](const Facts::Companies& companies) {
    std::vector<std::string> out;
    for (const auto& c : companies) {
      auto it = brand_of.find(c);
      out.emplace_back(it == brand_of.end() ? c : it->second);
    }
    return out;
  };

  ScoreReason reason;
  auto set = [&](ReasonCode code, const Facts::Companies* companies) {
    reason.code = code;
    if (companies) {
      reason.companies = named(*companies);
      reason.count = companies->size();
    }
  };
  if (!f.open_leak.empty()) {
    set(ReasonCode::kAddressLeakOpen, &f.open_leak);
  } else if (!f.click_leak.empty()) {
    set(ReasonCode::kAddressLeakClick, &f.click_leak);
  } else if (f.sender_open_leak) {
    set(ReasonCode::kSenderAddressLeak, nullptr);
  } else if (!f.pixel_companies.empty()) {
    set(ReasonCode::kTrackingPixels, &f.pixel_companies);
  } else if (!f.link_companies.empty()) {
    set(ReasonCode::kTrackedLinks, &f.link_companies);
  } else if (f.sender_pixels) {
    set(ReasonCode::kSenderTrackingPixels, nullptr);
  } else if (f.sender_links) {
    set(ReasonCode::kSenderTrackedLinks, nullptr);
  } else {
    set(ReasonCode::kNoTracking, nullptr);
  }
  reason.text = reason_text(reason, report.score.grade, lang);
  return reason;
}

std::string reason_text(const ScoreReason& reason, std::string_view grade, Lang lang, bool with_grade) {
  const std::string prefix = std::string(grade) + grade_colon(lang);
  std::string text = prefix + " " + to_string(reason.code);
  for (const auto& r : kReasons) {
    if (r.code == reason.code) text = fill(r.sentence.in(lang, reason.count), prefix, reason.count);
  }
  if (with_grade) return text;
  text.erase(0, prefix.size() + 1);
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

}  // namespace mailveil
