#include "topup/provider_db.h"

#include <fcntl.h>
#include <tinyxml2.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "base/error.h"
#include "topup/errors.h"
#include "topup/ussd_string.h"

namespace euiccd::topup {
namespace {

using tinyxml2::XMLElement;

std::string_view trim(std::string_view text) {
  const char* space = " \t\r\n";
  const auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(space);
  return text.substr(first, last - first + 1);
}

std::string element_text(const XMLElement& element) {
  const char* text = element.GetText();
  return text == nullptr ? std::string() : std::string(trim(text));
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

class Parser {
 public:
  Parser(std::string_view source, std::vector<Provider>& providers,
         std::vector<std::string>& diagnostics)
      : source_(source), providers_(providers), diagnostics_(diagnostics) {}

  void country(const XMLElement& element) {
    const char* code = element.Attribute("code");
    if (code == nullptr || *code == '\0') {
      note(element, "<country> without a code attribute; its providers are left out");
      return;
    }
    for (const XMLElement* child = element.FirstChildElement("provider"); child != nullptr;
         child = child->NextSiblingElement("provider")) {
      provider(*child, code);
    }
  }

 private:
  void note(const XMLElement& element, std::string_view what) {
    diagnostics_.push_back(source_ + ":" + std::to_string(element.GetLineNum()) + ": " +
                           std::string(what));
  }

  void provider(const XMLElement& element, std::string_view country_code) {
    Provider provider;
    provider.country = country_code;
    provider.line = element.GetLineNum();
    for (const XMLElement* name = element.FirstChildElement("name"); name != nullptr;
         name = name->NextSiblingElement("name")) {
      std::string text = element_text(*name);
      if (!text.empty()) provider.names.push_back(std::move(text));
    }
    if (provider.names.empty()) {
      note(element, "<provider> without a <name>; left out");
      return;
    }
    if (const char* primary = element.Attribute("primary")) {
      if (std::strcmp(primary, "true") == 0) {
        provider.primary = true;
      } else if (std::strcmp(primary, "false") != 0) {
        note(element, "provider " + provider.names[0] + ": primary=\"" + primary +
                          "\" is neither true nor false; taken as false");
      }
    }
    const XMLElement* gsm = element.FirstChildElement("gsm");
    if (gsm == nullptr) return;  // a CDMA-only provider: no MCC/MNC, no USSD
    for (const XMLElement* id = gsm->FirstChildElement("network-id"); id != nullptr;
         id = id->NextSiblingElement("network-id")) {
      network_id(*id, provider);
    }
    for (const XMLElement* check = gsm->FirstChildElement("balance-check"); check != nullptr;
         check = check->NextSiblingElement("balance-check")) {
      methods(*check, provider, provider.balance_check, false);
    }
    for (const XMLElement* top_up = gsm->FirstChildElement("balance-top-up"); top_up != nullptr;
         top_up = top_up->NextSiblingElement("balance-top-up")) {
      methods(*top_up, provider, provider.balance_top_up, true);
    }
    providers_.push_back(std::move(provider));
  }

  void network_id(const XMLElement& element, Provider& provider) {
    const char* mcc = element.Attribute("mcc");
    const char* mnc = element.Attribute("mnc");
    if (mcc == nullptr || mnc == nullptr) {
      note(element, "provider " + provider.names[0] + ": <network-id> without mcc or mnc");
      return;
    }
    const std::string_view mcc_text = trim(mcc);
    const std::string_view mnc_text = trim(mnc);
    if (mcc_text.size() != 3 || !all_digits(mcc_text) || mnc_text.size() < 2 ||
        mnc_text.size() > 3 || !all_digits(mnc_text)) {
      note(element, "provider " + provider.names[0] + ": <network-id mcc=\"" + mcc + "\" mnc=\"" +
                        mnc + "\"> is not a 3-digit MCC and 2- or 3-digit MNC");
      return;
    }
    provider.network_ids.push_back(std::string(mcc_text) + std::string(mnc_text));
  }

  void methods(const XMLElement& parent, const Provider& provider,
               std::vector<ProviderMethod>& into, bool top_up) {
    for (const XMLElement* child = parent.FirstChildElement(); child != nullptr;
         child = child->NextSiblingElement()) {
      ProviderMethod method;
      method.line = child->GetLineNum();
      method.value = element_text(*child);
      const std::string_view tag = child->Name();
      const std::string where = "provider " + provider.names[0] + ": <" + std::string(tag) + ">";
      if (tag == "ussd") {
        method.kind = ProviderMethod::Kind::Ussd;
        if (const char* replacement = child->Attribute("replacement")) {
          method.replacement = trim(replacement);
          if (method.replacement.empty() ||
              method.value.find(method.replacement) == std::string::npos) {
            note(*child, where + " replacement=\"" + replacement + "\" does not occur in \"" +
                             method.value + "\"; left out");
            continue;
          }
        } else if (top_up) {
          note(*child, where +
                           " in <balance-top-up> has no replacement token for the voucher; "
                           "left out");
          continue;
        }
        if (std::string why = ussd_string_problem(method.value, method.replacement); !why.empty()) {
          note(*child, where + " " + why + "; left out");
          continue;
        }
      } else if (tag == "ussd-response" && !top_up) {
        method.kind = ProviderMethod::Kind::UssdResponse;
        if (std::string why = ussd_string_problem(method.value, {}); !why.empty()) {
          note(*child, where + " " + why + "; left out");
          continue;
        }
      } else if (tag == "sms") {
        method.kind = ProviderMethod::Kind::Sms;
        const char* text = child->Attribute("text");
        if (text == nullptr) {
          note(*child, where + " without the text attribute the DTD requires; left out");
          continue;
        }
        method.sms_text = text;
        if (!is_phone_number(method.value)) {
          note(*child, where + " \"" + method.value + "\" is not a phone number; left out");
          continue;
        }
      } else if (tag == "dtmf" && !top_up) {
        method.kind = ProviderMethod::Kind::Dtmf;
        if (method.value.empty()) continue;
      } else {
        note(*child, where + " is not a known method here; ignored");
        continue;
      }
      into.push_back(std::move(method));
    }
  }

  std::string source_;
  std::vector<Provider>& providers_;
  std::vector<std::string>& diagnostics_;
};

}  // namespace

ProviderDatabase ProviderDatabase::parse(std::string_view xml, std::string_view source) {
  const std::string where(source);
  if (xml.size() > kMaxFileSize) {
    throw provider_info_unusable(where, "it is " + std::to_string(xml.size()) +
                                            " bytes, more than the " +
                                            std::to_string(kMaxFileSize) + " accepted");
  }
  tinyxml2::XMLDocument document;
  if (document.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) {
    // ErrorStr() repeats name and line; keep only what it adds ("XMLElement name=country").
    std::string what = document.ErrorName();
    const std::string_view full = document.ErrorStr() != nullptr ? document.ErrorStr() : "";
    if (const auto line = full.find("Line number="); line != std::string_view::npos) {
      if (const auto colon = full.find(": ", line); colon != std::string_view::npos) {
        what += ", " + std::string(full.substr(colon + 2));
      }
    }
    throw provider_info_unusable(where, "line " + std::to_string(document.ErrorLineNum()) +
                                            ": not well-formed XML (" + what + ")");
  }
  const XMLElement* root = document.RootElement();
  if (root == nullptr || std::strcmp(root->Name(), "serviceproviders") != 0) {
    throw provider_info_unusable(where, std::string("the root element is <") +
                                            (root != nullptr ? root->Name() : "") +
                                            ">, not <serviceproviders>");
  }
  const char* format = root->Attribute("format");
  if (format == nullptr || std::string_view(format).substr(0, 2) != "2.") {
    throw provider_info_unusable(
        where, std::string("format \"") + (format != nullptr ? format : "") +
                   "\" is not the 2.x this reader knows (serviceproviders.2.dtd)");
  }
  ProviderDatabase database;
  Parser parser(source, database.providers_, database.diagnostics_);
  for (const XMLElement* country = root->FirstChildElement("country"); country != nullptr;
       country = country->NextSiblingElement("country")) {
    parser.country(*country);
  }
  return database;
}

ProviderDatabase ProviderDatabase::load(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      throw Error(Errc::NotFound, "The operator database " + path.string() +
                                      " does not exist (Debian package "
                                      "mobile-broadband-provider-info)");
    }
    throw provider_info_unusable(path.string(), ec.message());
  }
  if (size > kMaxFileSize) {
    throw provider_info_unusable(path.string(), "it is " + std::to_string(size) +
                                                    " bytes, more than the " +
                                                    std::to_string(kMaxFileSize) + " accepted");
  }
  // Plain read(2), not an ifstream: the daemon uses no iostreams anywhere else, and their
  // first use pages in ~400 kB of libstdc++ (locale facets) that then stay resident.
  std::string content(size, '\0');
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw provider_info_unusable(path.string(), std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = read(fd, content.data() + done, content.size() - done);
    if (n > 0) {
      done += size_t(n);
    } else if (n == 0 || errno != EINTR) {
      const int error = n == 0 ? EIO : errno;
      close(fd);
      throw provider_info_unusable(path.string(), std::strerror(error));
    }
  }
  close(fd);
  return parse(content, path.string());
}

std::vector<const Provider*> ProviderDatabase::find(std::string_view mcc_mnc) const {
  std::vector<const Provider*> found;
  for (const Provider& provider : providers_) {
    for (const std::string& id : provider.network_ids) {
      if (id == mcc_mnc) {
        found.push_back(&provider);
        break;
      }
    }
  }
  return found;
}

}  // namespace euiccd::topup
