// qr/qr_image.h on images made here: QR codes by Debian's qrencode (PNG), JPEGs and compositions
// by gdk-pixbuf, and hand-built headers for what no encoder writes (a 100000-pixel-wide PNG).
#include "qr/qr_image.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/error.h"

namespace euiccd::qr {
namespace {

using Bytes = std::vector<std::uint8_t>;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kCode[] = "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815";

// The sentence of the InvalidArgument `f` throws ("" and a failure when it throws none).
template <typename F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::InvalidArgument) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
  }
  return ~crc;
}

void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// A PNG signature and a valid IHDR chunk (8-bit grey) for a `width` × `height` image, no pixels.
Bytes png_header(std::uint32_t width, std::uint32_t height) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  put_be32(png, 13);
  const std::size_t type_at = png.size();
  for (char c : {'I', 'H', 'D', 'R'}) png.push_back(static_cast<std::uint8_t>(c));
  put_be32(png, width);
  put_be32(png, height);
  for (std::uint8_t b : {8, 0, 0, 0, 0}) png.push_back(b);  // depth, grey, deflate, filter, none
  put_be32(png, crc32(png.data() + type_at, png.size() - type_at));
  return png;
}

struct PixbufDeleter {
  void operator()(GdkPixbuf* p) const { g_object_unref(p); }
};
using Pixbuf = std::unique_ptr<GdkPixbuf, PixbufDeleter>;

Pixbuf load(const Bytes& image) {
  GdkPixbufLoader* loader = gdk_pixbuf_loader_new();
  EXPECT_TRUE(gdk_pixbuf_loader_write(loader, image.data(), image.size(), nullptr));
  EXPECT_TRUE(gdk_pixbuf_loader_close(loader, nullptr));
  Pixbuf pixbuf(GDK_PIXBUF(g_object_ref(gdk_pixbuf_loader_get_pixbuf(loader))));
  g_object_unref(loader);
  return pixbuf;
}

Bytes save(GdkPixbuf* pixbuf, const char* type) {
  gchar* buffer = nullptr;
  gsize size = 0;
  EXPECT_TRUE(gdk_pixbuf_save_to_buffer(pixbuf, &buffer, &size, type, nullptr, nullptr));
  Bytes out(buffer, buffer + size);
  g_free(buffer);
  return out;
}

Pixbuf white(int width, int height) {
  Pixbuf p(gdk_pixbuf_new(GDK_COLORSPACE_RGB, TRUE, 8, width, height));
  gdk_pixbuf_fill(p.get(), 0xFFFFFFFFU);
  return p;
}

Bytes to_jpeg(const Bytes& png) {
  return save(load(png).get(), "jpeg");
}

class QrImage : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "qr_image_test.XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return dir_ / name; }
  std::string write(const std::string& name, const Bytes& bytes) const {
    std::ofstream(path(name), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path(name);
  }
  static Bytes read(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // A PNG of a QR code of `text`, by qrencode (tests/… needs it: scripts/install-deps.sh).
  Bytes qrencode(const std::string& text, const std::string& options = "") const {
    std::ofstream(path("payload")) << text;
    const std::string command =
        "qrencode " + options + " -r '" + path("payload") + "' -o '" + path("qr.png") + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return read(path("qr.png"));
  }

  std::filesystem::path dir_;
};

TEST_F(QrImage, FindsTheActivationCodeInAPng) {
  const std::string file = write("code.png", qrencode(kCode));
  EXPECT_THAT(decode_qr_image_file(file), ElementsAre(kCode));
  EXPECT_EQ(activation_code_from_qr_image_file(file), kCode);
}

TEST_F(QrImage, FindsItInAJpeg) {
  const Bytes jpeg = to_jpeg(qrencode(kCode));
  EXPECT_THAT(decode_qr_image(jpeg), ElementsAre(kCode));
  EXPECT_EQ(activation_code_from_qr_image_file(write("code.jpg", jpeg)), kCode);
}

// A dark-themed screenshot shows the code light on dark; a PNG with a transparent background
// shows it on white, whatever colour its transparent pixels hold (here black, as the modules).
TEST_F(QrImage, LightOnDarkAndTransparentBackgrounds) {
  EXPECT_THAT(decode_qr_image(qrencode(kCode, "--foreground=FFFFFF --background=000000")),
              ElementsAre(kCode));
  EXPECT_THAT(decode_qr_image(qrencode(kCode, "--foreground=000000 --background=00000000")),
              ElementsAre(kCode));
}

// Two codes side by side, an operator's web link beside the activation code: both are read,
// and the activation code is the one taken, however zbar orders them; the prefix's case does
// not matter (SGP.22 QR codes use upper-case alphanumeric mode, where "LPA" must be upper).
TEST_F(QrImage, TwoCodesInOneImage) {
  const std::string lower_code = "lpa:1$smdp.example.com$TRAVEL";
  Pixbuf link = load(qrencode("https://operator.example/esim"));
  Pixbuf code = load(qrencode(lower_code));
  const int w1 = gdk_pixbuf_get_width(link.get()), w2 = gdk_pixbuf_get_width(code.get());
  const int h = std::max(gdk_pixbuf_get_height(link.get()), gdk_pixbuf_get_height(code.get()));
  Pixbuf both = white(w1 + w2, h);
  gdk_pixbuf_copy_area(link.get(), 0, 0, w1, gdk_pixbuf_get_height(link.get()), both.get(), 0, 0);
  gdk_pixbuf_copy_area(code.get(), 0, 0, w2, gdk_pixbuf_get_height(code.get()), both.get(), w1, 0);
  const std::string file = write("two.png", save(both.get(), "png"));
  EXPECT_THAT(decode_qr_image_file(file),
              UnorderedElementsAre("https://operator.example/esim", lower_code));
  EXPECT_EQ(activation_code_from_qr_image_file(file), lower_code);
}

TEST_F(QrImage, ImageWithoutAQrCode) {
  const Bytes blank = save(white(200, 100).get(), "png");
  EXPECT_EQ(refusal([&] { decode_qr_image(blank); }), "the image holds no QR code");
  EXPECT_THAT(refusal([&] { activation_code_from_qr_image_file(write("blank.png", blank)); }),
              HasSubstr("the image holds no QR code"));
}

TEST_F(QrImage, PayloadThatIsNotAnActivationCode) {
  // "LPA:" with another format than 1, and a plain web link.
  for (const char* text : {"https://operator.example/esim", "LPA:2$smdp.example.com$X"}) {
    const std::string file = write("other.png", qrencode(text));
    EXPECT_THAT(decode_qr_image_file(file), ElementsAre(text));
    EXPECT_THAT(refusal([&] { activation_code_from_qr_image_file(file); }),
                HasSubstr("the QR code holds no eSIM activation code"));
  }
}

TEST_F(QrImage, TruncatedImages) {
  const Bytes png = qrencode(kCode);
  const Bytes jpeg = to_jpeg(png);
  auto cut = [](const Bytes& image, std::size_t keep) {
    return Bytes(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(keep));
  };
  for (std::size_t keep : {std::size_t{8}, std::size_t{30}}) {
    EXPECT_THAT(refusal([&] { decode_qr_image(cut(png, keep)); }),
                HasSubstr("the PNG image cannot be read"))
        << keep;
  }
  EXPECT_THAT(refusal([&] { decode_qr_image(cut(png, png.size() / 2)); }),
              HasSubstr("the PNG image is cut short: the file ends at row "));
  EXPECT_THAT(refusal([&] { decode_qr_image(cut(jpeg, 100)); }),
              HasSubstr("the JPEG image cannot be read"));
  // libjpeg ends a scan cut short with grey rows (gdk-pixbuf tells no error): what is left of
  // the code is not found.
  EXPECT_EQ(refusal([&] { decode_qr_image(cut(jpeg, jpeg.size() / 2)); }),
            "the image holds no QR code");
}

TEST_F(QrImage, OverTheLimitsBeforeDecoding) {
  EXPECT_EQ(refusal([] { decode_qr_image(png_header(100000, 100000)); }),
            "the image is 100000 × 100000 pixels, over the limit of 8192 pixels a side");
  EXPECT_EQ(refusal([] { decode_qr_image(png_header(10, 9000)); }),
            "the image is 10 × 9000 pixels, over the limit of 8192 pixels a side");
  EXPECT_EQ(refusal([] { decode_qr_image(png_header(7000, 7000)); }),
            "the image is 7000 × 7000 pixels, over the limit of 36 megapixels");

  // A JPEG's frame header (SOF0: FF C0, length, precision, height, width) made to say 9000 high.
  Bytes jpeg = to_jpeg(qrencode(kCode));
  const std::array<std::uint8_t, 2> sof0 = {0xFF, 0xC0};
  auto at = std::search(jpeg.begin(), jpeg.end(), sof0.begin(), sof0.end());
  ASSERT_NE(at, jpeg.end());
  at[5] = 9000 >> 8;
  at[6] = 9000 & 0xFF;
  EXPECT_THAT(refusal([&] { decode_qr_image(jpeg); }),
              HasSubstr("9000 pixels, over the limit of 8192 pixels a side"));

  Bytes huge = png_header(100, 100);
  huge.resize(kMaxImageBytes + 1);
  EXPECT_EQ(refusal([&] { decode_qr_image(huge); }),
            "the image is larger than the limit of 32 MiB");
  // A file is not read past the limit (a sparse 1 GiB file).
  const std::string big = write("big.png", png_header(100, 100));
  std::filesystem::resize_file(big, std::uintmax_t{1} << 30);
  EXPECT_EQ(refusal([&] { decode_qr_image_file(big); }),
            "the image is larger than the limit of 32 MiB ('" + big + "')");
}

TEST_F(QrImage, NotAnImage) {
  const std::string not_image = "the file is not a PNG or JPEG image";
  EXPECT_EQ(refusal([] { decode_qr_image({}); }), not_image);
  const std::string text = kCode;
  EXPECT_EQ(refusal([&] { decode_qr_image(Bytes(text.begin(), text.end())); }), not_image);
  // Other formats gdk-pixbuf could read (GIF, SVG) are not handed to it.
  const std::string gif = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
  EXPECT_EQ(refusal([&] { decode_qr_image(Bytes(gif.begin(), gif.end())); }), not_image);
  const std::string svg = "<svg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/>";
  EXPECT_EQ(refusal([&] { decode_qr_image(Bytes(svg.begin(), svg.end())); }), not_image);
}

TEST_F(QrImage, FileErrors) {
  EXPECT_EQ(
      refusal([&] { decode_qr_image_file(path("missing.png")); }),
      "cannot read the image file: No such file or directory ('" + path("missing.png") + "')");
  EXPECT_THAT(refusal([&] { activation_code_from_qr_image_file(dir_); }),
              HasSubstr("Is a directory"));
  EXPECT_THAT(refusal([&] {
                decode_qr_image_file(write("text.png", Bytes{'h', 'i'}));
              }),
              HasSubstr("the file is not a PNG or JPEG image"));
}

}  // namespace
}  // namespace euiccd::qr
