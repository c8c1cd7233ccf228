/// Extracting the URL-bearing elements of an HTML mail body, as the extension's adapters do from the DOM.
#pragma once

#include <string_view>
#include <vector>

#include "email.h"

namespace mailveil {

/// Finds img (src, srcset, width/height, inline style), <picture><source srcset>, inline and <style> CSS url(),
/// background= attributes, a/area href (with anchor text), iframe, video (src, poster), audio, embed, object,
/// form action, input type=image. Declared size comes from attributes and inline CSS; `visible` is false for
/// display:none, visibility:hidden, opacity:0, or zero max-height/width. Entities in attributes are decoded.
/// `ref` is "e<N>" in document order. Tolerates broken HTML; never throws.
std::vector<Element> extract_elements(std::string_view html);

}  // namespace mailveil
