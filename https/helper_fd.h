// The file descriptor on which the HTTPS helper finds its socket to the daemon.
#pragma once

namespace euiccd::https {
constexpr int kHelperFd = 3;
}
