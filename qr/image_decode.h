// A PNG or JPEG to grey pixels, on gdk-pixbuf, within the limits of qr_image.h.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace euiccd::qr {

// 8-bit luminance, one byte a pixel, rows without padding (zbar's "Y800").
struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
};

// Only PNG and JPEG reach a decoder: the format is told from the first bytes, and gdk-pixbuf's
// loader for it is asked by name, so no other of its loaders (SVG, TIFF, ICO, ...) parses
// outside input. Transparent parts count as white, as a viewer shows them.
// The caller has checked the byte count (kMaxImageBytes); the size in pixels is checked here.
// Throws Error(InvalidArgument) with a sentence for a person.
GreyImage decode_to_grey(std::span<const std::uint8_t> image_bytes);

}  // namespace euiccd::qr
