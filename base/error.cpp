#include "base/error.h"

namespace euiccd {

const char* errc_name(Errc code) {
  switch (code) {
#define EUICCD_ERRC_NAME_CASE(name, errno_value, meaning) \
  case Errc::name: return #name;
    EUICCD_ERROR_TABLE(EUICCD_ERRC_NAME_CASE)
#undef EUICCD_ERRC_NAME_CASE
  }
  return "Internal";
}

int errc_errno(Errc code) {
  switch (code) {
#define EUICCD_ERRC_ERRNO_CASE(name, errno_value, meaning) \
  case Errc::name: return errno_value;
    EUICCD_ERROR_TABLE(EUICCD_ERRC_ERRNO_CASE)
#undef EUICCD_ERRC_ERRNO_CASE
  }
  return EFAULT;
}

}  // namespace euiccd
