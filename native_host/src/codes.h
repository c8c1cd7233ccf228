/// The codes the host writes to the wire, to reports and to the CLI: each family is one enum here, with its wire
/// strings in one table (codes.cpp). Code compares enums; the strings appear only where JSON or text is written.
/// The wire strings are part of docs/protocol.md and docs/scoring.md, and the extension depends on them: adding a
/// code is fine, renaming one is a protocol change.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailveil {

/// Every error the host can answer with: a failed request's `error.code`, and an element's `error.code`.
enum class ErrorCode {
  kTruncatedFrame,
  kFrameTooLarge,
  kInvalidUtf8,
  kInvalidJson,
  kNotAnObject,
  kMissingField,
  kWrongType,
  kInvalidValue,
  kUnknownAction,
  kUnsupportedProtocol,
  kForbiddenCaller,
  kTooManyElements,
  kTooManyAddresses,
  kUrlTooLong,
  kUpdateFailed,
  kUpdateInProgress,
  kNothingToRollback,
  kInternal,
};

/// A finding's `code` (docs/scoring.md §5).
enum class FindingCode {
  kAddressLeak,            ///< an element sends the reader's address to a company
  kGaAdvertisingFeatures,  ///< Google Analytics hit through stats.g.doubleclick.net
  kGa4Hit,                 ///< Google Analytics 4 measurement hit
  kGaIpNotAnonymised,      ///< Universal Analytics hit without aip=1
  kGaAdsPersonalisation,   ///< Google Analytics hit without npa=1
  kGaUserId,               ///< Google Analytics hit carrying a user id
  kGaClientId,             ///< Google Analytics hit whose cid is a per-recipient token
  kThirdParties,           ///< message level: companies other than the sender
  kTrackerPixels,          ///< message level: tracking pixels
  kTrackedLinks,           ///< message level: tracked links
};

/// A finding's `severity`, least severe first.
enum class Severity { kInfo, kLow, kMedium, kHigh };

/// `score.reason.code` (docs/scoring.md §7): why a mail has its grade, most serious first.
enum class ReasonCode {
  kAddressLeakOpen,
  kAddressLeakClick,
  kSenderAddressLeak,
  kTrackingPixels,
  kTrackedLinks,
  kSenderTrackingPixels,
  kSenderTrackedLinks,
  kNoTracking,
};

/// An element's `reasons` (docs/scoring.md §2): the signals behind its verdict, in the order they were found.
enum class Signal {
  kSignature,           ///< the URL matches a list entry
  kTinyImage,           ///< at most 2x2 px
  kThinImage,           ///< a sliver: one side at most 2 px, the other larger
  kHiddenImage,         ///< not visible, and no visible twin in the mail
  kTrackingPath,        ///< an open-tracking path (`/open`, `/pixel`, ...)
  kRecipientToken,      ///< a per-recipient-looking id where it can name the reader
  kDynamicEndpoint,     ///< a small or size-less image served by a script or slug
  kAddressLeak,         ///< the reader's address is in the URL
  kClickTracker,        ///< a link through a listed click tracker (or Google's /url?q= shim)
  kRedirectTracker,     ///< a link with a click redirector's shape, not in the list
  kDestinationUnknown,  ///< a tracked link whose destination is not in its URL
  kTrackingParams,      ///< tracking parameters were removed from the link
  kLinkProtection,      ///< a click-time URL scanner, left as it is
  kUrlTooLong,          ///< URL over kMaxUrlLength, blocked as a precaution
  kWebmailProxy,        ///< unwrapped from a webmail proxy or wrapper
};

/// The form the reader's address takes in a URL (docs/scoring.md §4), before any base64 layer around it.
enum class LeakEncoding {
  kPlain,           ///< as written (a raw '@')
  kUrlEncoded,      ///< percent-encoded ('%40')
  kBase64,          ///< the address in base64, the whole value
  kBase64Url,       ///< the same in base64url
  kBase64Embedded,  ///< the address inside a longer base64 blob (encoded JSON, a binary token)
  kHex,             ///< the address's bytes in hexadecimal
  kMd5,             ///< digests in hexadecimal
  kSha1,
  kSha224,
  kSha256,
  kSha384,
  kSha512,
  kMd5Base64,  ///< digests in base64 or base64url
  kSha1Base64,
  kSha256Base64,
};

/// How one leak is written (`leaks[].encoding`): a form, found inside `layers` decoded base64 blobs. Its wire
/// string is the form's with "-in-base64" once per layer: {kSha256, 1} is "sha256-in-base64".
struct AddressEncoding {
  LeakEncoding form = LeakEncoding::kPlain;
  int layers = 0;
  auto operator<=>(const AddressEncoding&) const = default;
};

/// Where the served signature list came from: `signatures.source` in hello/status, and the CLI's description.
enum class ListSource { kBundled, kUpdated, kNone };

/// A successful update or rollback: the update action's `result.status`, and what the CLI reports.
enum class UpdateStatus { kUpdated, kNotModified, kRolledBack };

/// The wire string of a code: "url_too_long", "ga-user-id", "high", "no-tracking", "not_modified", ...
const char* to_string(ErrorCode code);
const char* to_string(FindingCode code);
const char* to_string(Severity severity);
const char* to_string(ReasonCode code);
const char* to_string(UpdateStatus status);
const char* to_string(ListSource source);
const char* to_string(Signal signal);

/// The wire strings of `signals`, in order: an element's JSON `reasons`.
std::vector<std::string> to_strings(const std::vector<Signal>& signals);

/// The wire strings of `signals` joined by `sep` ("signature,tiny-image"): the scan table, CSV and eval details.
std::string join_codes(const std::vector<Signal>& signals, std::string_view sep);

const char* to_string(LeakEncoding encoding);
std::string to_string(AddressEncoding encoding);

/// The encoding whose wire string is `s` ("sha256-in-base64"), or nullopt.
std::optional<AddressEncoding> address_encoding_from_string(std::string_view s);

/// The code whose wire string is `s`, or nullopt. E is one of the enums above.
template <class E>
std::optional<E> code_from_string(std::string_view s);

/// Every value of E in declaration order (tables, legends, tests).
template <class E>
const std::vector<E>& all_codes();

/// True for the findings of analyse_google_analytics (ga_evidence.h).
bool is_google_analytics(FindingCode code);

}  // namespace mailveil
