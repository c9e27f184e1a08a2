#include "qr/qr_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/text_case.h"
#include "base/unique_fd.h"
#include "qr/image_decode.h"
#include "qr/qr_scan.h"

namespace euiccd::qr {
namespace {

// SGP.22 4.1: a QR code holds "LPA:" and the activation code, whose format "1" comes first.
constexpr char kActivationCodePrefix[] = "LPA:1$";

// decode_qr_image_file adds the file's name to every error.
[[noreturn]] void throw_file_error(int error_number) {
  throw Error(Errc::InvalidArgument,
              std::string("cannot read the image file: ") + std::strerror(error_number));
}

[[noreturn]] void throw_too_large() {
  throw Error(Errc::InvalidArgument, "the image is larger than the limit of " +
                                         std::to_string(kMaxImageBytes / (1024 * 1024)) + " MiB");
}

// The file's bytes: a file over the limit is refused by its size, and any other (a FIFO, a
// device) is read at most one byte past it, for decode_qr_image to refuse.
std::vector<std::uint8_t> read_bounded(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) throw_file_error(errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_file_error(errno);
  if (S_ISDIR(st.st_mode)) throw_file_error(EISDIR);
  const std::size_t cap = kMaxImageBytes + 1;
  std::vector<std::uint8_t> bytes;
  if (S_ISREG(st.st_mode) && static_cast<std::uintmax_t>(st.st_size) > kMaxImageBytes) {
    throw_too_large();
  }
  if (S_ISREG(st.st_mode)) bytes.reserve(static_cast<std::size_t>(st.st_size));
  std::uint8_t chunk[64 * 1024];
  while (bytes.size() < cap) {
    const ssize_t n = ::read(fd.get(), chunk, std::min(sizeof chunk, cap - bytes.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_file_error(errno);
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  return bytes;
}

}  // namespace

std::vector<std::string> decode_qr_image(std::span<const std::uint8_t> image_bytes) {
  if (image_bytes.size() > kMaxImageBytes) throw_too_large();
  std::vector<std::string> payloads = scan_qr_codes(decode_to_grey(image_bytes));
  if (payloads.empty()) throw Error(Errc::InvalidArgument, "the image holds no QR code");
  return payloads;
}

std::vector<std::string> decode_qr_image_file(const std::string& path) {
  try {
    return decode_qr_image(read_bounded(path));
  } catch (const Error& e) {
    // Name the file: the person may have given several.
    throw Error(e.code(), std::string(e.what()) + " ('" + path + "')");
  }
}

std::string activation_code_from_qr_image_file(const std::string& path) {
  for (std::string& payload : decode_qr_image_file(path)) {
    if (starts_with_ignoring_case(payload, kActivationCodePrefix)) return payload;
  }
  throw Error(Errc::InvalidArgument, "the QR code holds no eSIM activation code ('" + path + "')");
}

}  // namespace euiccd::qr
