// QR codes in grey pixels, on zbar.
#pragma once

#include <string>
#include <vector>

#include "qr/image_decode.h"

namespace euiccd::qr {

// The text of each QR code zbar finds (none: empty), also light-on-dark ones. Other
// symbologies (EAN, Code 128, ...) are not looked for.
std::vector<std::string> scan_qr_codes(const GreyImage& image);

}  // namespace euiccd::qr
