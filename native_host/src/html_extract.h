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
/// At most `max_elements` are returned, the first ones in document order; the others are counted in *skipped
/// (when given), so that a caller can say how many were left out. Memory stays bounded by the cap, whatever
/// the number of elements in the HTML.
std::vector<Element> extract_elements(std::string_view html, size_t max_elements = kMaxElements,
                                      size_t* skipped = nullptr);

}  // namespace mailveil
