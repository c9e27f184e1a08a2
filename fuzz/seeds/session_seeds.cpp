// Writes fuzz/corpus/session/ seeds: complete sessions (download, notification delivery,
// discovery) between the engine and the scripted eUICC and SM-DP+/SM-DS of the unit tests
// (tests/unit/download_fakes.h), recorded in session_fuzz.cpp's input format: every answer the
// card and the servers gave, in call order.
//
//   cmake --build build-fuzz --target session_seeds && build-fuzz/fuzz/session_seeds .
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "lpa/discovery.h"
#include "lpa/download.h"
#include "lpa/es10_client.h"
#include "lpa/notifications.h"
#include "tests/unit/download_fakes.h"

using namespace dltest;
namespace fs = std::filesystem;

namespace {

class Recorder {
 public:
  void record(ByteView data) {
    if (data.size() < 0xFD) {
      bytes_.push_back(static_cast<uint8_t>(data.size()));
    } else {
      bytes_.insert(bytes_.end(), {0xFD, static_cast<uint8_t>(data.size() >> 8),
                                   static_cast<uint8_t>(data.size() & 0xFF)});
    }
    append(bytes_, data);
  }
  void write(const fs::path& root, const std::string& name, uint8_t flow, uint8_t options) const {
    const fs::path dir = root / "fuzz" / "corpus" / "session";
    fs::create_directories(dir);
    Bytes out{flow, options};
    append(out, bytes_);
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    std::cout << name << ": " << out.size() << " bytes\n";
  }

 private:
  Bytes bytes_;
};

class RecordingCard : public Es10Transport {
 public:
  RecordingCard(Es10Transport& inner, Recorder& recorder) : inner_(inner), recorder_(recorder) {}
  Bytes transceive(ByteView command) override {
    Bytes r = inner_.transceive(command);
    recorder_.record(r);
    return r;
  }

 private:
  Es10Transport& inner_;
  Recorder& recorder_;
};

// session_fuzz.cpp's status and content-type choices.
uint8_t status_choice(long status) {
  switch (status) {
    case 204: return 4;
    case 400: return 5;
    case 404: return 6;
    case 500: return 7;
    default: return 0;
  }
}
uint8_t type_choice(const std::string& type) {
  if (type == "application/json;charset=UTF-8") return 0;
  if (type == "application/json") return 1;
  if (type.empty()) return 3;
  return 4;
}

HttpClientFactory recording(HttpClientFactory inner, Recorder& recorder) {
  class Client : public HttpClient {
   public:
    Client(std::unique_ptr<HttpClient> inner, Recorder& recorder)
        : inner_(std::move(inner)), recorder_(recorder) {}
    HttpResponse post(const HttpRequest& request) override {
      HttpResponse r = inner_->post(request);
      Bytes record{status_choice(r.status), type_choice(r.content_type)};
      append(record, as_bytes(r.body));
      recorder_.record(record);
      return r;
    }

   private:
    std::unique_ptr<HttpClient> inner_;
    Recorder& recorder_;
  };
  return [inner = std::move(inner), &recorder](const std::string& address) {
    return std::unique_ptr<HttpClient>(std::make_unique<Client>(inner(address), recorder));
  };
}

void download(const fs::path& root, const std::string& name, uint8_t options,
              const std::function<void(FakeCard&, FakeServers&)>& setup) {
  FakeCard fake_card;
  FakeServers servers;
  const Bpp bpp = make_bpp();
  servers.bpp = bpp.bpp;
  fake_card.bpp_pieces_expected = 10;
  setup(fake_card, servers);
  Recorder recorder;
  RecordingCard card(fake_card, recorder);
  DownloadOptions o;
  // The same activation code and options as session_fuzz.cpp builds from `options`.
  o.activation_code = parse_activation_code("LPA:1$smdp.example.com$MATCH-1");
  if (options & 0x01) o.confirm_metadata = [](const ProfileMetadata&) { return false; };
  if (options & 0x02) o.confirmation_code = "1234";
  try {
    ProfileDownloader(card, recording(servers.factory(), recorder)).download(o);
  } catch (const Error& e) {
    std::cout << name << ": " << e.what() << "\n";
  }
  recorder.write(root, name, 0, options);
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path root = argc > 1 ? fs::path(argv[1]) : fs::current_path();
  download(root, "download_ok", 0, [](FakeCard&, FakeServers&) {});
  download(root, "download_cc", 0x02, [](FakeCard&, FakeServers& s) { s.cc_required = true; });
  download(root, "download_declined", 0x01, [](FakeCard&, FakeServers&) {});
  download(root, "download_install_error", 0,
           [](FakeCard& c, FakeServers&) { c.bpp_error_at = 9; });
  download(root, "download_server_refuses", 0, [](FakeCard&, FakeServers& s) {
    s.fail_reply["getBoundProfilePackage"] = FakeServers::failed("8.2", "1.2");
  });

  {  // Two pending notifications, one for another server.
    FakeCard fake_card;
    FakeServers servers;
    fake_card.pending[3] = pir(3, true);
    fake_card.pending[4] = pir(4, false, 2, 9);
    Recorder recorder;
    RecordingCard card(fake_card, recorder);
    Es10Client es10(card);
    NotificationSender(es10, recording(servers.factory(), recorder)).send_pending();
    recorder.write(root, "notifications", 1, 0);
  }
  {  // SM-DS discovery with one event, at the card's root SM-DS.
    FakeCard fake_card;
    FakeServers servers;
    Recorder recorder;
    RecordingCard card(fake_card, recorder);
    ProfileDiscoverer(card, recording(servers.factory(), recorder)).discover({});
    recorder.write(root, "discovery", 2, 0);
  }
  return 0;
}
