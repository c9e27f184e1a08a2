#include "lpa/secret.h"

#include <ostream>

namespace euiccd::lpa {

std::ostream& operator<<(std::ostream& out, const Secret&) {
  return out << Secret::kShown;
}

}  // namespace euiccd::lpa
