#include "codes.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace mailveil;

namespace {

/// Every value of E has a wire string of its own, and reading that string gives the value back. `last` is the
/// family's last enumerator: the list must reach it (-Wswitch already refuses an enumerator without a string).
template <class E>
void check_family(E last) {
  const auto& codes = all_codes<E>();
  REQUIRE_FALSE(codes.empty());
  CHECK(codes.back() == last);
  std::set<std::string> seen;
  for (const E code : codes) {
    const std::string wire = to_string(code);
    INFO(wire);
    CHECK_FALSE(wire.empty());
    CHECK(wire != "invalid");
    CHECK(seen.insert(wire).second);  // distinct
    const auto back = code_from_string<E>(wire);
    REQUIRE(back);
    CHECK(*back == code);
  }
  CHECK_FALSE(code_from_string<E>(""));
  CHECK_FALSE(code_from_string<E>("invalid"));
  CHECK(std::string(to_string(static_cast<E>(codes.size() + 7))) == "invalid");  // out of range: no crash
}

}  // namespace

TEST_CASE("every code maps to a distinct wire string and reads back", "[codes]") {
  check_family(ErrorCode::kInternal);
  check_family(FindingCode::kTrackedLinks);
  check_family(Severity::kHigh);
  check_family(ReasonCode::kNoTracking);
  check_family(UpdateStatus::kRolledBack);
  check_family(ListSource::kNone);
  check_family(Signal::kWebmailProxy);
  check_family(LeakEncoding::kSha256Base64);
}

TEST_CASE("a leak's encoding reads back with its base64 layers", "[codes]") {
  for (const LeakEncoding form : all_codes<LeakEncoding>()) {
    for (int layers = 0; layers < 3; ++layers) {
      const AddressEncoding e{form, layers};
      const std::string wire = to_string(e);
      INFO(wire);
      const auto back = address_encoding_from_string(wire);
      REQUIRE(back);
      CHECK(*back == e);
    }
  }
  CHECK(to_string(AddressEncoding{LeakEncoding::kSha256, 1}) == "sha256-in-base64");
  CHECK(to_string(AddressEncoding{LeakEncoding::kBase64Embedded, 0}) == "base64-embedded");
  CHECK(to_string(AddressEncoding{LeakEncoding::kBase64, 2}) == "base64-in-base64-in-base64");
  CHECK_FALSE(address_encoding_from_string("-in-base64"));
  CHECK_FALSE(address_encoding_from_string("rot13"));
  CHECK_FALSE(address_encoding_from_string(""));
}

TEST_CASE("wire strings stay what docs/protocol.md and docs/scoring.md say", "[codes][protocol]") {
  // The extension, its tests and the e2e read these strings: renaming one is a protocol change.
  CHECK(std::string(to_string(ErrorCode::kUrlTooLong)) == "url_too_long");
  CHECK(std::string(to_string(ErrorCode::kTooManyAddresses)) == "too_many_addresses");
  CHECK(std::string(to_string(ErrorCode::kNothingToRollback)) == "nothing_to_rollback");
  CHECK(std::string(to_string(ErrorCode::kUpdateInProgress)) == "update_in_progress");
  CHECK(std::string(to_string(FindingCode::kAddressLeak)) == "address-leak");
  CHECK(std::string(to_string(FindingCode::kGaIpNotAnonymised)) == "ga-ip-not-anonymised");
  CHECK(std::string(to_string(FindingCode::kGaAdsPersonalisation)) == "ga-ads-personalisation");
  CHECK(std::string(to_string(FindingCode::kGaUserId)) == "ga-user-id");
  CHECK(std::string(to_string(FindingCode::kGaClientId)) == "ga-client-id");
  CHECK(std::string(to_string(FindingCode::kGa4Hit)) == "ga4-hit");
  CHECK(std::string(to_string(FindingCode::kGaAdvertisingFeatures)) == "ga-advertising-features");
  CHECK(std::string(to_string(FindingCode::kTrackerPixels)) == "tracker-pixels");
  CHECK(std::string(to_string(Severity::kInfo)) == "info");
  CHECK(std::string(to_string(Severity::kHigh)) == "high");
  CHECK(std::string(to_string(ReasonCode::kAddressLeakOpen)) == "address-leak-open");
  CHECK(std::string(to_string(ReasonCode::kNoTracking)) == "no-tracking");
  CHECK(std::string(to_string(UpdateStatus::kNotModified)) == "not_modified");
  CHECK(std::string(to_string(UpdateStatus::kRolledBack)) == "rolled_back");
  CHECK(std::string(to_string(LeakEncoding::kPlain)) == "plain");
  CHECK(std::string(to_string(LeakEncoding::kUrlEncoded)) == "url-encoded");
  CHECK(std::string(to_string(LeakEncoding::kBase64Url)) == "base64url");
  CHECK(std::string(to_string(LeakEncoding::kBase64Embedded)) == "base64-embedded");
  CHECK(std::string(to_string(LeakEncoding::kSha256)) == "sha256");
  CHECK(std::string(to_string(LeakEncoding::kMd5Base64)) == "md5-base64");
  CHECK(std::string(to_string(Signal::kSignature)) == "signature");
  CHECK(std::string(to_string(Signal::kTinyImage)) == "tiny-image");
  CHECK(std::string(to_string(Signal::kRecipientToken)) == "recipient-token");
  CHECK(std::string(to_string(Signal::kAddressLeak)) == "address-leak");
  CHECK(std::string(to_string(Signal::kClickTracker)) == "click-tracker");
  CHECK(std::string(to_string(Signal::kDestinationUnknown)) == "destination-unknown");
  CHECK(std::string(to_string(Signal::kTrackingParams)) == "tracking-params");
  CHECK(std::string(to_string(Signal::kUrlTooLong)) == "url-too-long");
  CHECK(std::string(to_string(Signal::kWebmailProxy)) == "webmail-proxy");
}

TEST_CASE("an element's signals become wire strings in their order", "[codes]") {
  const std::vector<Signal> signals = {Signal::kSignature, Signal::kClickTracker, Signal::kTrackingParams};
  CHECK(to_strings(signals) == std::vector<std::string>{"signature", "click-tracker", "tracking-params"});
  CHECK(join_codes(signals, ",") == "signature,click-tracker,tracking-params");
  CHECK(join_codes(signals, ";") == "signature;click-tracker;tracking-params");
  CHECK(join_codes({}, ",").empty());
  CHECK(to_strings({}).empty());
}

TEST_CASE("the Google Analytics findings are exactly the ga- and ga4- codes", "[codes]") {
  for (const FindingCode code : all_codes<FindingCode>()) {
    const std::string wire = to_string(code);
    INFO(wire);
    CHECK(is_google_analytics(code) == (wire.starts_with("ga-") || wire.starts_with("ga4-")));
  }
}
