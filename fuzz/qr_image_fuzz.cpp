// QR images (qr/qr_image.h): the bytes of a PNG or JPEG a person opens in the app or gives
// `euiccctl download --qr`, through gdk-pixbuf's PNG/JPEG loaders (Debian's, not instrumented)
// and zbar. decode_qr_image returns at least one payload or throws Error(InvalidArgument) with
// a sentence; nothing else leaves it. qr_image.h's limits bound the memory of one input.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "qr/qr_image.h"

using namespace euiccd;
using euiccd::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const std::vector<std::string> payloads = qr::decode_qr_image({data, size});
    check(!payloads.empty());
  } catch (const Error& e) {
    check(e.code() == Errc::InvalidArgument);
    check(std::strlen(e.what()) > 0);
  }
  return 0;
}
