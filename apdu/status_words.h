// Placeholder replaced by the APDU layer work.
#pragma once
