// mobile-broadband-provider-info's serviceproviders.xml (format 2.0, DTD
// serviceproviders.2.dtd beside it), reduced to what balance checks and top-ups need: per
// GSM provider its names, MCC/MNC pairs, <balance-check> and <balance-top-up> methods in file
// order (the DTD says the first is the operator's default).
//
// The file is outside input: a document that is not that XML at all (syntax error, wrong root,
// too large) is an Error(Malformed) naming the file and line; a provider or method entry that
// breaks the DTD's rules is left out with a diagnostic ("file:line: what"), so one bad entry
// does not take every other operator's codes away.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace euiccd::topup {

struct ProviderMethod {
  enum class Kind {
    Ussd,          // <ussd>*100#</ussd>; in <balance-top-up> a template with `replacement`
    UssdResponse,  // <ussd-response>: a USSD menu (see docs/topup.md for the two readings)
    Sms,           // <sms text="SALDO">18258</sms>: `text` to the number
    Dtmf,          // <dtmf>: a voice call with tones; euiccd cannot place those
  };
  Kind kind = Kind::Ussd;
  std::string value;        // the USSD string, the menu entry, or the phone number
  std::string sms_text;     // Kind::Sms: the text attribute (may be empty)
  std::string replacement;  // Kind::Ussd: the token the user's input replaces ("" = none)
  int line = 0;
  bool operator==(const ProviderMethod&) const = default;
};

struct Provider {
  std::string country;             // <country code="de">
  std::vector<std::string> names;  // names[0] is the main one
  // primary="true": the network's own operator, the others on its MCC/MNC are MVNOs.
  bool primary = false;
  std::vector<std::string> network_ids;  // MCC+MNC digits, "26203"
  std::vector<ProviderMethod> balance_check;
  std::vector<ProviderMethod> balance_top_up;
  int line = 0;
};

class ProviderDatabase {
 public:
  // A larger file is refused before parsing (Debian's is about 360 KiB).
  static constexpr size_t kMaxFileSize = 16 * 1024 * 1024;

  // `source` names the document in errors and diagnostics (normally its path).
  static ProviderDatabase parse(std::string_view xml, std::string_view source);
  // Error(NotFound) when the file does not exist, Malformed when it cannot be used.
  static ProviderDatabase load(const std::filesystem::path& path);

  const std::vector<Provider>& providers() const { return providers_; }
  // Entries left out, as "source:line: what".
  const std::vector<std::string>& diagnostics() const { return diagnostics_; }
  // Providers listing this MCC+MNC, in file order.
  std::vector<const Provider*> find(std::string_view mcc_mnc) const;

 private:
  std::vector<Provider> providers_;
  std::vector<std::string> diagnostics_;
};

}  // namespace euiccd::topup
