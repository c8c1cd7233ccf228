#include "codes.h"

namespace mailveil {
namespace {

// One switch per family: -Wswitch names any enumerator left without its wire string. nullptr past the last one.
const char* wire(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTruncatedFrame: return "truncated_frame";
    case ErrorCode::kFrameTooLarge: return "frame_too_large";
    case ErrorCode::kInvalidUtf8: return "invalid_utf8";
    case ErrorCode::kInvalidJson: return "invalid_json";
    case ErrorCode::kNotAnObject: return "not_an_object";
    case ErrorCode::kMissingField: return "missing_field";
    case ErrorCode::kWrongType: return "wrong_type";
    case ErrorCode::kInvalidValue: return "invalid_value";
    case ErrorCode::kUnknownAction: return "unknown_action";
    case ErrorCode::kUnsupportedProtocol: return "unsupported_protocol";
    case ErrorCode::kForbiddenCaller: return "forbidden_caller";
    case ErrorCode::kTooManyElements: return "too_many_elements";
    case ErrorCode::kTooManyAddresses: return "too_many_addresses";
    case ErrorCode::kUrlTooLong: return "url_too_long";
    case ErrorCode::kUpdateFailed: return "update_failed";
    case ErrorCode::kUpdateInProgress: return "update_in_progress";
    case ErrorCode::kNothingToRollback: return "nothing_to_rollback";
    case ErrorCode::kInternal: return "internal";
  }
  return nullptr;
}

const char* wire(FindingCode code) {
  switch (code) {
    case FindingCode::kAddressLeak: return "address-leak";
    case FindingCode::kGaAdvertisingFeatures: return "ga-advertising-features";
    case FindingCode::kGa4Hit: return "ga4-hit";
    case FindingCode::kGaIpNotAnonymised: return "ga-ip-not-anonymised";
    case FindingCode::kGaAdsPersonalisation: return "ga-ads-personalisation";
    case FindingCode::kGaUserId: return "ga-user-id";
    case FindingCode::kGaClientId: return "ga-client-id";
    case FindingCode::kThirdParties: return "third-parties";
    case FindingCode::kTrackerPixels: return "tracker-pixels";
    case FindingCode::kTrackedLinks: return "tracked-links";
  }
  return nullptr;
}

const char* wire(Severity severity) {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
  }
  return nullptr;
}

const char* wire(ReasonCode code) {
  switch (code) {
    case ReasonCode::kAddressLeakOpen: return "address-leak-open";
    case ReasonCode::kAddressLeakClick: return "address-leak-click";
    case ReasonCode::kSenderAddressLeak: return "sender-address-leak";
    case ReasonCode::kTrackingPixels: return "tracking-pixels";
    case ReasonCode::kTrackedLinks: return "tracked-links";
    case ReasonCode::kSenderTrackingPixels: return "sender-tracking-pixels";
    case ReasonCode::kSenderTrackedLinks: return "sender-tracked-links";
    case ReasonCode::kNoTracking: return "no-tracking";
  }
  return nullptr;
}

const char* wire(UpdateStatus status) {
  switch (status) {
    case UpdateStatus::kUpdated: return "updated";
    case UpdateStatus::kNotModified: return "not_modified";
    case UpdateStatus::kRolledBack: return "rolled_back";
  }
  return nullptr;
}

const char* wire(ListSource source) {
  switch (source) {
    case ListSource::kBundled: return "bundled";
    case ListSource::kUpdated: return "updated";
    case ListSource::kNone: return "none";
  }
  return nullptr;
}

const char* wire(Signal signal) {
  switch (signal) {
    case Signal::kSignature: return "signature";
    case Signal::kTinyImage: return "tiny-image";
    case Signal::kThinImage: return "thin-image";
    case Signal::kHiddenImage: return "hidden-image";
    case Signal::kTrackingPath: return "tracking-path";
    case Signal::kRecipientToken: return "recipient-token";
    case Signal::kDynamicEndpoint: return "dynamic-endpoint";
    case Signal::kAddressLeak: return "address-leak";
    case Signal::kClickTracker: return "click-tracker";
    case Signal::kRedirectTracker: return "redirect-tracker";
    case Signal::kDestinationUnknown: return "destination-unknown";
    case Signal::kTrackingParams: return "tracking-params";
    case Signal::kLinkProtection: return "link-protection";
    case Signal::kUrlTooLong: return "url-too-long";
    case Signal::kWebmailProxy: return "webmail-proxy";
  }
  return nullptr;
}

const char* wire(LeakEncoding encoding) {
  switch (encoding) {
    case LeakEncoding::kPlain: return "plain";
    case LeakEncoding::kUrlEncoded: return "url-encoded";
    case LeakEncoding::kBase64: return "base64";
    case LeakEncoding::kBase64Url: return "base64url";
    case LeakEncoding::kBase64Embedded: return "base64-embedded";
    case LeakEncoding::kHex: return "hex";
    case LeakEncoding::kMd5: return "md5";
    case LeakEncoding::kSha1: return "sha1";
    case LeakEncoding::kSha224: return "sha224";
    case LeakEncoding::kSha256: return "sha256";
    case LeakEncoding::kSha384: return "sha384";
    case LeakEncoding::kSha512: return "sha512";
    case LeakEncoding::kMd5Base64: return "md5-base64";
    case LeakEncoding::kSha1Base64: return "sha1-base64";
    case LeakEncoding::kSha256Base64: return "sha256-base64";
  }
  return nullptr;
}

constexpr std::string_view kLayerSuffix = "-in-base64";

template <class E>
const char* checked(E code) {
  const char* s = wire(code);
  return s ? s : "invalid";  // only a value cast from outside the enum gets here
}

}  // namespace

const char* to_string(ErrorCode code) {
  return checked(code);
}
const char* to_string(FindingCode code) {
  return checked(code);
}
const char* to_string(Severity severity) {
  return checked(severity);
}
const char* to_string(ReasonCode code) {
  return checked(code);
}
const char* to_string(UpdateStatus status) {
  return checked(status);
}
const char* to_string(ListSource source) {
  return checked(source);
}
const char* to_string(Signal signal) {
  return checked(signal);
}

std::vector<std::string> to_strings(const std::vector<Signal>& signals) {
  std::vector<std::string> out;
  out.reserve(signals.size());
  for (const Signal s : signals) out.emplace_back(to_string(s));
  return out;
}

std::string join_codes(const std::vector<Signal>& signals, std::string_view sep) {
  std::string out;
  for (const Signal s : signals) {
    if (!out.empty()) out += sep;
    out += to_string(s);
  }
  return out;
}

const char* to_string(LeakEncoding encoding) {
  return checked(encoding);
}

std::string to_string(AddressEncoding encoding) {
  std::string out = to_string(encoding.form);
  for (int i = 0; i < encoding.layers; ++i) out += kLayerSuffix;
  return out;
}

template <class E>
const std::vector<E>& all_codes() {
  static const std::vector<E> kAll = [] {
    std::vector<E> out;
    for (int i = 0; wire(static_cast<E>(i)) != nullptr; ++i) out.push_back(static_cast<E>(i));
    return out;
  }();
  return kAll;
}

template <class E>
std::optional<E> code_from_string(std::string_view s) {
  for (E code : all_codes<E>()) {
    if (s == wire(code)) return code;
  }
  return std::nullopt;
}

std::optional<AddressEncoding> address_encoding_from_string(std::string_view s) {
  int layers = 0;
  while (s.ends_with(kLayerSuffix)) {
    s.remove_suffix(kLayerSuffix.size());
    ++layers;
  }
  const auto form = code_from_string<LeakEncoding>(s);
  if (!form) return std::nullopt;
  return AddressEncoding{*form, layers};
}

bool is_google_analytics(FindingCode code) {
  switch (code) {
    case FindingCode::kGaAdvertisingFeatures:
    case FindingCode::kGa4Hit:
    case FindingCode::kGaIpNotAnonymised:
    case FindingCode::kGaAdsPersonalisation:
    case FindingCode::kGaUserId:
    case FindingCode::kGaClientId: return true;
    case FindingCode::kAddressLeak:
    case FindingCode::kThirdParties:
    case FindingCode::kTrackerPixels:
    case FindingCode::kTrackedLinks: return false;
  }
  return false;
}

#define MAILVEIL_CODE_FAMILY(E)                  \
  template const std::vector<E>& all_codes<E>(); \
  template std::optional<E> code_from_string<E>(std::string_view s);
MAILVEIL_CODE_FAMILY(ErrorCode)
MAILVEIL_CODE_FAMILY(FindingCode)
MAILVEIL_CODE_FAMILY(Severity)
MAILVEIL_CODE_FAMILY(ReasonCode)
MAILVEIL_CODE_FAMILY(UpdateStatus)
MAILVEIL_CODE_FAMILY(ListSource)
MAILVEIL_CODE_FAMILY(Signal)
MAILVEIL_CODE_FAMILY(LeakEncoding)
#undef MAILVEIL_CODE_FAMILY

}  // namespace mailveil
