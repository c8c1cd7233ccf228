#include "email.h"

namespace mailveil {

namespace {

struct KindName {
  ElementKind kind;
  const char* name;
};

constexpr KindName kKindNames[] = {
    {ElementKind::kImg, "img"},
    {ElementKind::kSrcset, "srcset"},
    {ElementKind::kCssBackground, "css-background"},
    {ElementKind::kBackgroundAttr, "background-attr"},
    {ElementKind::kLink, "link"},
    {ElementKind::kIframe, "iframe"},
    {ElementKind::kVideo, "video"},
    {ElementKind::kAudio, "audio"},
    {ElementKind::kEmbed, "embed"},
    {ElementKind::kObject, "object"},
    {ElementKind::kForm, "form"},
    {ElementKind::kInputImage, "input-image"},
    {ElementKind::kOther, "other"},
};

}  // namespace

const char* to_string(ElementKind kind) {
  for (const auto& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "other";
}

std::optional<ElementKind> element_kind_from_string(std::string_view s) {
  for (const auto& k : kKindNames) {
    if (s == k.name) return k.kind;
  }
  return std::nullopt;
}

bool is_fetched_on_open(ElementKind kind) {
  return kind != ElementKind::kLink && kind != ElementKind::kForm;
}

}  // namespace mailveil
