#include "bench/engine_bench.h"

#include <PCSC/winscard.h>
#include <curl/curl.h>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "apdu/pcsc_reader.h"
#include "bench/es10_recorder.h"
#include "lpa/download.h"
#include "lpa/es10_client.h"
#include "lpa/notifications.h"
#include "net/curl_http_client.h"

namespace euiccd::bench {
namespace {

using Clock = std::chrono::steady_clock;

double self_cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return double(t.tv_sec) * 1000 + double(t.tv_usec) / 1000; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

const std::vector<std::string> kPeers = {"veuicc", "smdpp.py", "pcscd"};

struct HttpTotals {
  uint64_t requests = 0;
  uint64_t connections = 0;
};

// The engine's HttpClient for one server: a real CurlHttpClient, kept for the whole operation
// (euiccd) or made anew for every request (baseline); counts requests and new connections.
class CountingHttp : public lpa::HttpClient {
 public:
  CountingHttp(net::CurlHttpOptions options, bool per_request, HttpTotals& totals)
      : options_(std::move(options)), per_request_(per_request), totals_(totals) {}

  lpa::HttpResponse post(const lpa::HttpRequest& request) override {
    if (!client_ || per_request_) client_ = std::make_unique<net::CurlHttpClient>(options_);
    const net::HttpStats before = client_->stats();
    struct Count {
      CountingHttp& self;
      const net::HttpStats& before;
      ~Count() {
        self.totals_.requests += self.client_->stats().requests - before.requests;
        self.totals_.connections += self.client_->stats().connections - before.connections;
      }
    } count{*this, before};
    return client_->post(request);
  }

 private:
  net::CurlHttpOptions options_;
  bool per_request_;
  HttpTotals& totals_;
  std::unique_ptr<net::CurlHttpClient> client_;
};

// The PC/SC path to the card's ISD-R, as the daemon's CardSession builds it.
struct CardLink {
  std::unique_ptr<apdu::PcscContext> context;
  std::unique_ptr<apdu::PcscCard> card;
  std::unique_ptr<apdu::LogicalChannel> channel;
  std::unique_ptr<apdu::Es10Channel> es10;
  std::unique_ptr<Es10Recorder> recorder;
  std::unique_ptr<lpa::Es10Client> client;

  CardLink(const std::string& reader, size_t segment, bool reset) {
    context = std::make_unique<apdu::PcscContext>();
    card = std::make_unique<apdu::PcscCard>(*context, reader);
    if (reset) {
      // What a one-shot tool costs the card: a reset (power-up on real readers) per run.
      DWORD active = 0;
      const LONG rc =
          SCardReconnect(card->handle(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                         SCARD_RESET_CARD, &active);
      if (rc != SCARD_S_SUCCESS) apdu::throw_pcsc_error(rc, "resetting the card");
    }
    channel = std::make_unique<apdu::LogicalChannel>(*card);
    es10 = std::make_unique<apdu::Es10Channel>(*channel, segment);
    recorder = std::make_unique<Es10Recorder>(*es10);
    client = std::make_unique<lpa::Es10Client>(*recorder);
  }
  ~CardLink() {
    client.reset();
    recorder.reset();
    es10.reset();
    channel.reset();  // MANAGE CHANNEL close
    card.reset();
    context.reset();
  }
};

using OpBody = std::function<void(CardLink&, const lpa::HttpClientFactory&)>;

struct Operation {
  std::string name;
  Work work;
  OpBody body;
};

std::vector<Operation> operations(SmdpServer& smdp, const EngineBenchOptions& options) {
  using lpa::ProfileIdentifier;
  const std::string first = seed_iccid(0);
  const std::string second = seed_iccid(1);
  auto download = [&smdp](bool large) {
    return [&smdp, large](CardLink& link, const lpa::HttpClientFactory& http) {
      lpa::ProfileDownloader downloader(*link.recorder, http);
      lpa::DownloadOptions o;
      o.activation_code = lpa::parse_activation_code(smdp.activation_code(large));
      const lpa::DownloadResult r = downloader.download(o);
      if (r.notifications.sent != 1)
        throw std::runtime_error("the install notification was not delivered");
    };
  };
  auto remove = [](const std::string& iccid) {
    return [iccid](CardLink& link, const lpa::HttpClientFactory&) {
      link.client->delete_profile(ProfileIdentifier::from_iccid(iccid));
    };
  };
  std::vector<Operation> ops = {
      {"EID + EUICCInfo2", Work::EidAndInfo,
       [](CardLink& link, const lpa::HttpClientFactory&) {
         link.client->get_eid();
         link.client->get_euicc_info2();
       }},
      {"profile list (10)", Work::ListProfiles,
       [](CardLink& link, const lpa::HttpClientFactory&) {
         if (link.client->get_profiles_info().size() < size_t(kSeedProfiles))
           throw std::runtime_error("the card lost its seed profiles");
       }},
      {"enable", Work::Enable,
       [first](CardLink& link, const lpa::HttpClientFactory&) {
         link.client->enable_profile(ProfileIdentifier::from_iccid(first), true);
       }},
      {"disable", Work::Disable,
       [first](CardLink& link, const lpa::HttpClientFactory&) {
         link.client->disable_profile(ProfileIdentifier::from_iccid(first), true);
       }},
      {"nickname", Work::Nickname,
       [second](CardLink& link, const lpa::HttpClientFactory&) {
         link.client->set_nickname(second, "bench nickname");
       }},
      {"download 5 kB", Work::Download, download(false)},
      {"delete", Work::Delete, remove(kSmallIccid)},
  };
  if (options.large_download) {
    ops.push_back({"download 60 kB", Work::Download, download(true)});
    ops.push_back({"delete (60 kB)", Work::Delete, remove(kLargeIccid)});
  }
  ops.push_back({"process notifications", Work::Notifications,
                 [](CardLink& link, const lpa::HttpClientFactory& http) {
                   lpa::NotificationSender sender(*link.client, http);
                   const lpa::NotificationReport r = sender.send_pending();
                   if (r.failed != 0) throw std::runtime_error("a notification was not delivered");
                 }});
  return ops;
}

net::CurlHttpOptions http_options(const std::string& pki, const SmdpServer& smdp) {
  net::CurlHttpOptions o;
  o.ca_files = {pki + "/ci.pem"};
  o.resolve = {smdp.resolve_entry()};
  o.proxy = "";
  o.connect_timeout = std::chrono::seconds(10);
  o.total_timeout = std::chrono::seconds(60);
  return o;
}

}  // namespace

LpaConfig euiccd_config() {
  return {"euiccd", apdu::Es10Channel::kDefaultSegmentSize, false, false};
}

LpaConfig baseline_config() {
  return {"baseline", 120, true, true};
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

OpSample median_sample(const std::vector<OpSample>& samples) {
  if (samples.empty()) return {};
  // Counts are identical run to run; the time is the median one.
  std::vector<const OpSample*> sorted;
  for (const auto& s : samples) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->ms < b->ms; });
  OpSample m = *sorted[sorted.size() / 2];
  std::vector<double> ms;
  for (const auto& s : samples) ms.push_back(s.ms);
  m.ms = median(ms);
  return m;
}

std::vector<OpRow> run_engine_bench(const std::string& reader, const std::string& pki,
                                    VirtualCard& card, SmdpServer& smdp,
                                    const EngineBenchOptions& options) {
  const std::vector<Operation> ops = operations(smdp, options);
  std::vector<OpRow> rows;
  for (const auto& op : ops) rows.push_back({op.name, op.work, {}, {}});
  const net::CurlHttpOptions http = http_options(pki, smdp);

  for (int iteration = 0; iteration < options.iterations; ++iteration) {
    for (const LpaConfig& config : {euiccd_config(), baseline_config()}) {
      HttpTotals totals;
      const lpa::HttpClientFactory factory =
          [&http, &totals, &config](const std::string&) -> std::unique_ptr<lpa::HttpClient> {
        return std::make_unique<CountingHttp>(http, config.connection_per_request, totals);
      };
      // The daemon's steady state: connected, channel open (a baseline batch reset the card).
      std::optional<CardLink> persistent;
      if (!config.fresh_card_session_per_operation) {
        persistent.emplace(reader, config.segment_size, false);
        persistent->client->get_eid();
      }
      for (size_t i = 0; i < ops.size(); ++i) {
        const VirtualCard::Traffic before = card.traffic();
        const HttpTotals http_before = totals;
        const double cpu_before = self_cpu_ms();
        const double peers_before = cpu_ms_of(kPeers);
        const auto start = Clock::now();
        std::vector<Es10Message> messages;
        if (persistent) {
          persistent->recorder->clear();
          ops[i].body(*persistent, factory);
          messages = persistent->recorder->messages();
        } else {
          CardLink link(reader, config.segment_size, true);
          ops[i].body(link, factory);
          messages = link.recorder->messages();
        }
        OpSample s;
        s.ms = ms_since(start);
        s.lpa_cpu_ms = self_cpu_ms() - cpu_before;
        s.peers_cpu_ms = cpu_ms_of(kPeers) - peers_before;
        const VirtualCard::Traffic after = card.traffic();
        s.apdus = after.apdus - before.apdus;
        s.bytes_out = after.bytes_out - before.bytes_out;
        s.bytes_in = after.bytes_in - before.bytes_in;
        s.resets = after.resets - before.resets;
        s.es10_commands = messages.size();
        s.https_requests = totals.requests - http_before.requests;
        s.tls_handshakes = totals.connections - http_before.connections;
        s.minimum = minimum_for(ops[i].work, messages, apdu::Es10Channel::kDefaultSegmentSize);
        (config.fresh_card_session_per_operation ? rows[i].baseline : rows[i].euiccd).push_back(s);
      }
    }
  }
  return rows;
}

double cpu_ms_of(const std::vector<std::string>& names) {
  const double tick_ms = 1000.0 / double(sysconf(_SC_CLK_TCK));
  double total = 0;
  DIR* proc = opendir("/proc");
  if (!proc) return 0;
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const std::string base = std::string("/proc/") + e->d_name;
    std::ifstream cmd(base + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(cmd)), {});
    bool match = false;
    for (const auto& n : names) match = match || cmdline.find(n) != std::string::npos;
    if (!match) continue;
    std::ifstream stat(base + "/stat");
    std::string line;
    std::getline(stat, line);
    const size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(line.substr(paren + 2));
    std::string field;
    double utime = 0, stime = 0;
    // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    total += (utime + stime) * tick_ms;
  }
  closedir(proc);
  return total;
}

double measure_tls_handshake_ms(const std::string& pki, const SmdpServer& smdp) {
  std::vector<double> samples;
  const std::string url = "https://" + smdp.address() + "/";
  for (int i = 0; i < 7; ++i) {
    CURL* curl = curl_easy_init();
    if (!curl) throw std::runtime_error("curl_easy_init failed");
    curl_slist* resolve = curl_slist_append(nullptr, smdp.resolve_entry().c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(curl, CURLOPT_CAINFO, (pki + "/ci.pem").c_str());
    curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    const CURLcode rc = curl_easy_perform(curl);
    curl_off_t appconnect = 0;
    curl_easy_getinfo(curl, CURLINFO_APPCONNECT_TIME_T, &appconnect);
    curl_easy_cleanup(curl);
    curl_slist_free_all(resolve);
    if (rc != CURLE_OK)
      throw std::runtime_error(std::string("TLS to the SM-DP+: ") + curl_easy_strerror(rc));
    samples.push_back(double(appconnect) / 1000.0);
  }
  return median(samples);
}

}  // namespace euiccd::bench
