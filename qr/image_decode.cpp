#include "qr/image_decode.h"

#include <gdk-pixbuf/gdk-pixbuf.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "qr/qr_image.h"

namespace euiccd::qr {
namespace {

struct GObjectDeleter {
  void operator()(gpointer object) const { g_object_unref(object); }
};
struct GErrorDeleter {
  void operator()(GError* error) const { g_error_free(error); }
};
using ErrorPtr = std::unique_ptr<GError, GErrorDeleter>;

struct Format {
  const char* loader;  // gdk-pixbuf's name of its loader
  const char* name;    // for people
};
constexpr Format kPng{"png", "PNG"};
constexpr Format kJpeg{"jpeg", "JPEG"};

std::optional<Format> sniff_format(std::span<const std::uint8_t> bytes) {
  static constexpr std::uint8_t kPngSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  static constexpr std::uint8_t kJpegStart[] = {0xFF, 0xD8, 0xFF};  // SOI, then a marker
  if (bytes.size() >= sizeof kPngSignature &&
      std::equal(std::begin(kPngSignature), std::end(kPngSignature), bytes.begin())) {
    return kPng;
  }
  if (bytes.size() >= sizeof kJpegStart &&
      std::equal(std::begin(kJpegStart), std::end(kJpegStart), bytes.begin())) {
    return kJpeg;
  }
  return std::nullopt;
}

// The sentence for a size over the limits, or none.
std::optional<std::string> over_limits(int width, int height) {
  const std::string size = std::to_string(width) + " × " + std::to_string(height) + " pixels";
  if (width > kMaxImageSide || height > kMaxImageSide) {
    return "the image is " + size + ", over the limit of " + std::to_string(kMaxImageSide) +
           " pixels a side";
  }
  if (std::int64_t{width} * height > kMaxImagePixels) {
    return "the image is " + size + ", over the limit of " +
           std::to_string(kMaxImagePixels / 1'000'000) + " megapixels";
  }
  return std::nullopt;
}

// A PNG's size, from its first chunk (IHDR, which PNG requires first and libpng checks). The
// loader tells the size only once it reaches the pixel data, so this refuses even a file that
// is only a header claiming 100000 × 100000.
std::optional<std::string> png_header_over_limits(std::span<const std::uint8_t> png) {
  constexpr std::size_t kIhdrType = 12, kWidth = 16, kHeight = 20;
  static constexpr std::uint8_t kIhdr[] = {'I', 'H', 'D', 'R'};
  if (png.size() < kHeight + 4 ||
      !std::equal(std::begin(kIhdr), std::end(kIhdr), png.begin() + kIhdrType)) {
    return std::nullopt;  // libpng says what is wrong
  }
  auto be32 = [&](std::size_t at) {
    return std::uint32_t{png[at]} << 24 | std::uint32_t{png[at + 1]} << 16 |
           std::uint32_t{png[at + 2]} << 8 | png[at + 3];
  };
  const std::uint32_t width = be32(kWidth), height = be32(kHeight);
  if (width > 0x7FFFFFFFU || height > 0x7FFFFFFFU) return std::nullopt;  // libpng refuses
  return over_limits(static_cast<int>(width), static_cast<int>(height));
}

// What the loader told while reading.
struct LoadWatch {
  std::optional<std::string> refusal;  // the size it read is over the limits
  int rows_done = 0;                   // the pixel rows it decoded, from the top
};

// gdk-pixbuf's loader tells the size when it has read the image's header, before it allocates
// the pixels; a size of 0 × 0 set there makes it stop (GdkPixbufModuleSizeFunc). This also
// covers what png_header_over_limits leaves to libpng, and every JPEG.
void on_size_prepared(GdkPixbufLoader* loader, int width, int height, gpointer user_data) {
  auto* watch = static_cast<LoadWatch*>(user_data);
  watch->refusal = over_limits(width, height);
  if (watch->refusal) gdk_pixbuf_loader_set_size(loader, 0, 0);
}

// gdk-pixbuf's PNG loader keeps what it decoded of a file that ends early, without an error;
// the rows it updated tell whether it reached the bottom. (libjpeg fills a JPEG cut short
// with grey rows instead, so there the missing part only holds no code.)
void on_area_updated(GdkPixbufLoader*, int, int y, int, int height, gpointer user_data) {
  auto* watch = static_cast<LoadWatch*>(user_data);
  watch->rows_done = std::max(watch->rows_done, y + height);
}

std::uint8_t luminance(const guint8* p, bool alpha) {
  // ITU-R BT.601 weights, in integers; over white where the pixel is transparent.
  unsigned y = (299U * p[0] + 587U * p[1] + 114U * p[2]) / 1000U;
  if (alpha) y = (y * p[3] + 255U * (255U - p[3])) / 255U;
  return static_cast<std::uint8_t>(y);
}

GreyImage to_grey(const GdkPixbuf* pixbuf) {
  GreyImage grey;
  grey.width = gdk_pixbuf_get_width(pixbuf);
  grey.height = gdk_pixbuf_get_height(pixbuf);
  const int channels = gdk_pixbuf_get_n_channels(pixbuf);
  const bool alpha = gdk_pixbuf_get_has_alpha(pixbuf);
  if (gdk_pixbuf_get_colorspace(pixbuf) != GDK_COLORSPACE_RGB ||
      gdk_pixbuf_get_bits_per_sample(pixbuf) != 8 || channels != (alpha ? 4 : 3)) {
    throw Error(Errc::Internal, "gdk-pixbuf gave pixels in a layout other than 8-bit RGB(A)");
  }
  const int stride = gdk_pixbuf_get_rowstride(pixbuf);
  const guint8* rows = gdk_pixbuf_read_pixels(pixbuf);
  grey.pixels.resize(static_cast<std::size_t>(grey.width) * grey.height);
  std::uint8_t* out = grey.pixels.data();
  for (int y = 0; y < grey.height; ++y) {
    const guint8* p = rows + static_cast<std::ptrdiff_t>(y) * stride;
    for (int x = 0; x < grey.width; ++x, p += channels) *out++ = luminance(p, alpha);
  }
  return grey;
}

}  // namespace

GreyImage decode_to_grey(std::span<const std::uint8_t> bytes) {
  const std::optional<Format> format = sniff_format(bytes);
  if (!format) throw Error(Errc::InvalidArgument, "the file is not a PNG or JPEG image");
  const std::string cannot_read = std::string("the ") + format->name + " image cannot be read";
  if (format->loader == kPng.loader) {
    if (auto refusal = png_header_over_limits(bytes)) throw Error(Errc::InvalidArgument, *refusal);
  }

  GError* raw_error = nullptr;
  std::unique_ptr<GdkPixbufLoader, GObjectDeleter> loader(
      gdk_pixbuf_loader_new_with_type(format->loader, &raw_error));
  ErrorPtr error(raw_error);
  if (!loader) {
    throw Error(Errc::Internal, std::string("gdk-pixbuf has no ") + format->name + " loader (" +
                                    (error ? error->message : "unknown") + ")");
  }
  LoadWatch watch;
  g_signal_connect(loader.get(), "size-prepared", G_CALLBACK(on_size_prepared), &watch);
  g_signal_connect(loader.get(), "area-updated", G_CALLBACK(on_area_updated), &watch);

  const bool written =
      gdk_pixbuf_loader_write(loader.get(), bytes.data(), bytes.size(), &raw_error) != FALSE;
  error.reset(raw_error);
  raw_error = nullptr;
  // A loader is always closed (gdk-pixbuf warns otherwise); its error counts only when the
  // bytes were all taken.
  const bool closed = gdk_pixbuf_loader_close(loader.get(), written ? &raw_error : nullptr);
  if (written) error.reset(raw_error);
  if (watch.refusal) throw Error(Errc::InvalidArgument, *watch.refusal);
  if (!written || !closed) {
    throw Error(Errc::InvalidArgument,
                cannot_read + (error ? std::string(" (") + error->message + ")" : std::string()));
  }
  const GdkPixbuf* pixbuf = gdk_pixbuf_loader_get_pixbuf(loader.get());  // owned by the loader
  if (pixbuf == nullptr) throw Error(Errc::InvalidArgument, cannot_read);
  // The size was checked when the loader read it; what it made must keep to it too.
  if (auto again = over_limits(gdk_pixbuf_get_width(pixbuf), gdk_pixbuf_get_height(pixbuf))) {
    throw Error(Errc::InvalidArgument, *again);
  }
  if (watch.rows_done < gdk_pixbuf_get_height(pixbuf)) {
    throw Error(Errc::InvalidArgument, std::string("the ") + format->name +
                                           " image is cut short: the file ends at row " +
                                           std::to_string(watch.rows_done) + " of " +
                                           std::to_string(gdk_pixbuf_get_height(pixbuf)));
  }
  return to_grey(pixbuf);
}

}  // namespace euiccd::qr
