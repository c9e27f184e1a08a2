// mobile-broadband-provider-info's serviceproviders.xml (topup/provider_db.h): the file is
// outside input (a package, or any path the config names). A document is either refused as
// Malformed or yields only entries that keep the reader's promises: named providers, 5- or
// 6-digit MCC+MNC, dialable USSD strings with their replacement token, phone numbers for SMS.
// The methods resolved for each listed network, and the best-effort reply parsers (amounts,
// dates) run on the same bytes, must not fail either.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "topup/balance_amount.h"
#include "topup/operator_methods.h"
#include "topup/plan_expiry.h"
#include "topup/provider_db.h"
#include "topup/ussd_string.h"

using namespace euiccd;
using namespace euiccd::topup;
using euiccd::fuzz::check;

namespace {

bool digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

void check_method(const ProviderMethod& method) {
  switch (method.kind) {
    case ProviderMethod::Kind::Ussd:
      check(ussd_string_problem(method.value, method.replacement).empty());
      check(method.replacement.empty() ||
            method.value.find(method.replacement) != std::string::npos);
      break;
    case ProviderMethod::Kind::UssdResponse:
      check(ussd_string_problem(method.value, {}).empty());
      break;
    case ProviderMethod::Kind::Sms: check(is_phone_number(method.value)); break;
    case ProviderMethod::Kind::Dtmf: check(!method.value.empty()); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(ByteView(data, size));
  try {
    const ProviderDatabase db = ProviderDatabase::parse(text, "fuzz.xml");
    size_t resolved = 0;
    for (const Provider& provider : db.providers()) {
      check(!provider.names.empty() && !provider.names[0].empty());
      for (const std::string& id : provider.network_ids) {
        check(digits(id) && (id.size() == 5 || id.size() == 6));
        check(!db.find(id).empty());
        if (resolved++ < 8) {
          const ProfileOperator op{"89000000000000000000", id, {}, provider.names[0]};
          const OperatorMethods methods = resolve_methods(op, {}, &db);
          check(!methods.operator_description.empty());
          for (const BalanceMethod& m : methods.balance) check(!m.describe().empty());
          for (const TopUpMethod& m : methods.top_up) check(!m.token.empty());
        }
      }
      for (const ProviderMethod& method : provider.balance_check) check_method(method);
      for (const ProviderMethod& method : provider.balance_top_up) {
        check(method.kind == ProviderMethod::Kind::Ussd ||
              method.kind == ProviderMethod::Kind::Sms);
        check(method.kind != ProviderMethod::Kind::Ussd || !method.replacement.empty());
        check_method(method);
      }
    }
  } catch (const Error& e) {
    check(e.code() == Errc::Malformed);
  }
  if (const auto amount = parse_balance_amount(text)) check(std::isfinite(amount->value));
  (void)parse_expiry_date(text, size % 2 ? DateOrder::MonthFirst : DateOrder::DayFirst);
  return 0;
}
