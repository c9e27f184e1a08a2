// veuicc: a virtual eUICC (SGP.22 ES10a/b/c) that plugs into pcscd through vsmartcard's vpcd.
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "base/error.h"
#include "cli/long_options.h"
#include "veuicc/card.h"
#include "veuicc/vpcd_link.h"
#include "vmodem/at/pty_modem.h"
#include "vmodem/mbim/mbim_modem.h"
#include "vmodem/pty/message_pty.h"
#include "vmodem/qmi/qmi_modem.h"

namespace {

using namespace euiccd;
using namespace euiccd::veuicc;

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop = true;
}

const char kUsage[] =
    "usage: veuicc [options]\n"
    "  --state FILE          JSON state file (created from --seed or empty if missing)\n"
    "  --seed FILE           initial state when the state file does not exist\n"
    "  --euicc-cert FILE     eUICC certificate (PEM or DER)\n"
    "  --euicc-key FILE      eUICC private key (PEM or DER)\n"
    "  --eum-cert FILE       EUM certificate (PEM or DER)\n"
    "  --ci-cert FILE        trusted CI certificate (repeatable)\n"
    "  --eid DIGITS          EID (default: state file, else the eUICC cert's serialNumber)\n"
    "  --isdr-aid HEX        ISD-R AID (default A0000005591010FFFFFFFF8900000100)\n"
    "  --svn X.Y.Z           SGP.22 version the card claims (default 2.2.2)\n"
    "  --protocol t0|t1|both protocols in the ATR (default both: T=0 first, then T=1)\n"
    "  --max-block N         STORE DATA blocks over N bytes fail with 6700\n"
    "  --proactive-refresh   Enable/Disable with refreshFlag answer 91xx + REFRESH for FETCH\n"
    "  --cat-busy            Enable/Disable/MemoryReset answer catBusy\n"
    "  --vpcd-host ADDR      vpcd address (default 127.0.0.1)\n"
    "  --vpcd-port N         vpcd port (default $VPCD_PORT, else 35963)\n"
    "  --connect-timeout-ms N  how long to wait for vpcd (default 10000)\n"
    "  --latency-ms N        delay every APDU answer\n"
    "  --sw-at N=XXXX        answer APDU number N with status word XXXX only (repeatable)\n"
    "  --remove-at N         drop the connection at APDU N (card pulled) (repeatable)\n"
    "  --remove-for-ms N     come back N ms after a removal (default: exit)\n"
    "  --garbage-at N        answer APDU N with a broken TLV (repeatable)\n"
    "  --verbose             log APDUs to stderr\n"
    "  --modem at            be a modem's SIM instead of a vpcd card: an AT modem on a pty\n"
    "  --pty-link PATH       symlink to the modem's pty (what the host opens as its port)\n"
    "  --at-fault F[@N]      cme-error|silent|garbled|truncated|urc-storm|urc|slow|reset|\n"
    "                        no-ccho|cfun-refused, on\n"
    "                        every +CGLA/+CSIM or only the Nth (repeatable)\n"
    "  --at-session-ids K    +CCHO ids: small (default), sierra (long hex) or bare (Fibocom)\n"
    "  --at-delay-ms N       the slow fault's delay (default 3000)\n"
    "  --at-max-line N       longer command lines answer ERROR (Telit: 400)\n"
    "  --at-echo on|off      echo at power-up (default on, like real modems)\n"
    "  --modem qmi           or a QMI device (raw QMUX) on a pty, for qmi-proxy / qmicli /\n"
    "                        euiccd's QMI link\n"
    "  --qmi-fault KIND[@N]  once, at the N-th (default 1st) request: access-denied (Open\n"
    "                        Logical Channel), no-reply, garbled, truncated, reset-mid,\n"
    "                        slow (Send APDU)\n"
    "  --modem mbim          or an MBIM device on a pty, for mbim-proxy / mbimcli /\n"
    "                        euiccd's MBIM link\n"
    "  --mbim-fault KIND[@N] once, at the N-th (default 1st) request: access-denied,\n"
    "                        select-failed, not-supported, no-channels (UICC Open Channel),\n"
    "                        no-reply, garbled, truncated, reset-mid, slow (UICC APDU)\n";

unsigned long number(const char* opt, const char* value) {
  char* end = nullptr;
  errno = 0;
  const unsigned long n = std::strtoul(value, &end, 10);
  if (errno || !end || *end || value[0] == '-' || value[0] == '\0') {
    throw Error(Errc::InvalidArgument,
                std::string("--") + opt + " wants a number, not \"" + value + "\"");
  }
  return n;
}

std::array<uint8_t, 3> parse_version(const std::string& s) {
  unsigned a = 0, b = 0, c = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%u.%u.%u%c", &a, &b, &c, &tail) != 3 || a > 255 || b > 255 ||
      c > 255) {
    throw Error(Errc::InvalidArgument, "--svn wants X.Y.Z, not \"" + s + "\"");
  }
  return {static_cast<uint8_t>(a), static_cast<uint8_t>(b), static_cast<uint8_t>(c)};
}

Protocol parse_protocol(const std::string& s) {
  if (s == "t0") return Protocol::T0;
  if (s == "t1") return Protocol::T1;
  if (s == "both") return Protocol::T0AndT1;
  throw Error(Errc::InvalidArgument, "--protocol wants t0, t1 or both");
}

int run(int argc, char** argv) {
  std::string state_path, seed_path, eid;
  CredentialFiles files;
  CardConfig config;
  LinkOptions link;
  FaultPlan faults;
  bool cat_busy = false;
  bool help = false;
  std::string modem, pty_link;
  vmodem::at::AtModemOptions at_options;
  vmodem::FaultPlan qmi_faults;
  vmodem::FaultPlan mbim_faults;
  if (const char* env = std::getenv("VPCD_PORT"))
    link.port = static_cast<uint16_t>(number("vpcd-port", env));
  // The AT modem's options: "--at-fault" sets its "fault".
  const auto at_option = [&at_options](const char* name) {
    return cli::LongOption{name, cli::kValue, [&at_options, name](const char* v) {
                             vmodem::at::set_option(at_options, name + 3, v);
                           }};
  };
  const cli::LongOption options[] = {
      {"state", cli::kValue, [&](const char* v) { state_path = v; }},
      {"seed", cli::kValue, [&](const char* v) { seed_path = v; }},
      {"euicc-cert", cli::kValue, [&](const char* v) { files.euicc_cert = v; }},
      {"euicc-key", cli::kValue, [&](const char* v) { files.euicc_key = v; }},
      {"eum-cert", cli::kValue, [&](const char* v) { files.eum_cert = v; }},
      {"ci-cert", cli::kValue, [&](const char* v) { files.ci_certs.push_back(v); }},
      {"eid", cli::kValue, [&](const char* v) { eid = v; }},
      {"isdr-aid", cli::kValue, [&](const char* v) { config.isdr_aid = from_hex(v); }},
      {"svn", cli::kValue, [&](const char* v) { config.info.svn = parse_version(v); }},
      {"protocol", cli::kValue, [&](const char* v) { config.protocol = parse_protocol(v); }},
      {"max-block", cli::kValue, [&](const char* v) { config.max_block = number("max-block", v); }},
      {"proactive-refresh", cli::kFlag, [&](const char*) { config.proactive_refresh = true; }},
      {"cat-busy", cli::kFlag, [&](const char*) { cat_busy = true; }},
      {"vpcd-host", cli::kValue, [&](const char* v) { link.host = v; }},
      {"vpcd-port", cli::kValue,
       [&](const char* v) {
         const auto port = number("vpcd-port", v);
         if (port == 0 || port > 65535)
           throw Error(Errc::InvalidArgument, "--vpcd-port out of range");
         link.port = static_cast<uint16_t>(port);
       }},
      {"connect-timeout-ms", cli::kValue,
       [&](const char* v) {
         link.connect_timeout_ms = static_cast<unsigned>(number("connect-timeout-ms", v));
       }},
      {"latency-ms", cli::kValue,
       [&](const char* v) { faults.latency_ms = static_cast<unsigned>(number("latency-ms", v)); }},
      {"sw-at", cli::kValue, [&](const char* v) { faults.sw_at.insert(parse_sw_at(v)); }},
      {"remove-at", cli::kValue,
       [&](const char* v) { faults.remove_at.insert(number("remove-at", v)); }},
      {"remove-for-ms", cli::kValue,
       [&](const char* v) {
         faults.remove_for_ms = static_cast<unsigned>(number("remove-for-ms", v));
       }},
      {"garbage-at", cli::kValue,
       [&](const char* v) { faults.garbage_at.insert(number("garbage-at", v)); }},
      {"verbose", cli::kFlag, [&](const char*) { link.verbose = at_options.verbose = true; }},
      {"modem", cli::kValue, [&](const char* v) { modem = v; }},
      {"pty-link", cli::kValue, [&](const char* v) { pty_link = v; }},
      at_option("at-fault"),
      at_option("at-session-ids"),
      at_option("at-delay-ms"),
      at_option("at-max-line"),
      at_option("at-echo"),
      {"qmi-fault", cli::kValue,
       [&](const char* v) { qmi_faults = vmodem::qmi::parse_qmi_fault(v); }},
      {"mbim-fault", cli::kValue,
       [&](const char* v) { mbim_faults = vmodem::mbim::parse_mbim_fault(v); }},
      {"help", cli::kFlag, [&](const char*) { help = true; }},
  };
  try {
    cli::parse_long_options(argc, argv, options);
  } catch (const cli::UsageError& e) {
    std::cerr << "veuicc: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (help) {
    std::cout << kUsage;
    return 0;
  }
  if (!modem.empty() && modem != "at" && modem != "qmi" && modem != "mbim") {
    throw Error(Errc::InvalidArgument, "--modem wants at, qmi or mbim, not \"" + modem + "\"");
  }
  if (modem.empty() != pty_link.empty()) {
    throw Error(Errc::InvalidArgument, "--modem and --pty-link go together");
  }
  if (config.isdr_aid.size() < 5 || config.isdr_aid.size() > 16) {
    throw Error(Errc::InvalidArgument, "--isdr-aid must be 5..16 bytes");
  }

  const Credentials credentials = Credentials::load(files);
  StateStore store = StateStore::open(state_path, seed_path);
  if (eid.empty()) eid = store.state().eid;
  if (eid.empty()) eid = credentials.certificate_eid();
  if (eid.size() != 32 || eid.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(Errc::InvalidArgument,
                eid.empty() ? "no EID: pass --eid, put \"eid\" in the state, or give --euicc-cert"
                            : "the EID \"" + eid + "\" is not 32 decimal digits");
  }
  config.eid = from_hex(eid);

  Card card(std::move(config), store, credentials);
  card.behaviour().cat_busy = cat_busy;

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  if (modem == "at") {
    at_options.latency_ms = faults.latency_ms;
    return vmodem::at::run_pty_modem(card, at_options, pty_link, g_stop);
  }
  const auto enabled_iccid = [&store] {
    for (const auto& p : store.state().profiles) {
      if (p.enabled) return p.iccid;
    }
    return std::string();
  };
  if (modem == "qmi") {
    qmi_faults.latency = std::chrono::milliseconds(faults.latency_ms);
    vmodem::qmi::QmiModem qmi_modem(card, enabled_iccid, qmi_faults);
    return vmodem::run_message_pty(qmi_modem.message_modem(), {pty_link, link.verbose, "QMI"},
                                   g_stop);
  }
  if (modem == "mbim") {
    mbim_faults.latency = std::chrono::milliseconds(faults.latency_ms);
    vmodem::mbim::MbimModem mbim_modem(card, enabled_iccid, mbim_faults);
    return vmodem::run_message_pty(mbim_modem.message_modem(), {pty_link, link.verbose, "MBIM"},
                                   g_stop);
  }
  return run_vpcd_link(card, link, faults, g_stop);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const euiccd::Error& e) {
    std::cerr << "veuicc: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "veuicc: unexpected error: " << e.what() << "\n";
    return 1;
  }
}
