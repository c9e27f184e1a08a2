#include "qr/qr_scan.h"

#include <zbar.h>

#include <memory>

#include "base/error.h"

namespace euiccd::qr {
namespace {

// zbar.h declares its C API inside namespace zbar when compiled as C++.
using namespace zbar;

struct ScannerDeleter {
  void operator()(zbar_image_scanner_t* s) const { zbar_image_scanner_destroy(s); }
};
struct ImageDeleter {
  void operator()(zbar_image_t* i) const { zbar_image_destroy(i); }
};

}  // namespace

std::vector<std::string> scan_qr_codes(const GreyImage& image) {
  using namespace zbar;
  std::unique_ptr<zbar_image_scanner_t, ScannerDeleter> scanner(zbar_image_scanner_create());
  std::unique_ptr<zbar_image_t, ImageDeleter> zimage(zbar_image_create());
  if (!scanner || !zimage) throw Error(Errc::Internal, "zbar could not start a QR scan");
  zbar_image_scanner_set_config(scanner.get(), ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config(scanner.get(), ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  // Screenshots of dark-themed apps show the code light on dark.
  zbar_image_scanner_set_config(scanner.get(), ZBAR_NONE, ZBAR_CFG_TEST_INVERTED, 1);

  zbar_image_set_format(zimage.get(), zbar_fourcc('Y', '8', '0', '0'));
  zbar_image_set_size(zimage.get(), static_cast<unsigned>(image.width),
                      static_cast<unsigned>(image.height));
  // zbar only reads the pixels; no cleanup handler, `image` outlives `zimage`.
  zbar_image_set_data(zimage.get(), image.pixels.data(), image.pixels.size(), nullptr);
  if (zbar_scan_image(scanner.get(), zimage.get()) < 0) {
    throw Error(Errc::Internal, "zbar could not scan the image for QR codes");
  }
  std::vector<std::string> payloads;
  for (const zbar_symbol_t* symbol = zbar_image_first_symbol(zimage.get()); symbol != nullptr;
       symbol = zbar_symbol_next(symbol)) {
    if (zbar_symbol_get_type(symbol) != ZBAR_QRCODE) continue;
    payloads.emplace_back(zbar_symbol_get_data(symbol), zbar_symbol_get_data_length(symbol));
  }
  return payloads;
}

}  // namespace euiccd::qr
