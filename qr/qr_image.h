// Activation codes from QR images (issue 16): the text of the QR codes in a PNG or JPEG, decoded
// with gdk-pixbuf and zbar. Shared by euiccctl (`download --qr FILE`) and the desktop app; it
// links euiccd_base only, not the engine: full validation of an activation code stays the
// daemon's (its DownloadProfile answers InvalidArgument), this only finds one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace euiccd::qr {

// The limits of what is decoded, checked before any pixel is: the byte count before the
// decoder sees the bytes, the size as soon as the decoder has read it from the image's header
// (before it allocates the pixels). A QR code an operator prints or shows needs far less; the
// limits bound the memory (36 Mpx: 144 MB of RGBA plus 36 MB of grey) and time of one image.
inline constexpr std::size_t kMaxImageBytes = 32 * 1024 * 1024;  // 32 MiB
inline constexpr int kMaxImageSide = 8192;                       // pixels, width or height
inline constexpr std::int64_t kMaxImagePixels = 36'000'000;      // 36 megapixels

// The text of every QR code in a PNG/JPEG image, in the order zbar finds them.
// Throws euiccd::Error(Errc::InvalidArgument, ...) with a sentence for a person when the bytes
// are not a PNG/JPEG it can read, are over the limits (say which), or hold no QR code.
std::vector<std::string> decode_qr_image(std::span<const std::uint8_t> image_bytes);
std::vector<std::string> decode_qr_image_file(const std::string& path);  // + file errors
// The first payload that is an SGP.22 activation code ("LPA:1$..." , case-insensitive prefix);
// throws InvalidArgument "the QR code holds no eSIM activation code" otherwise.
std::string activation_code_from_qr_image_file(const std::string& path);

}  // namespace euiccd::qr
