#include "apdu/status_words.h"
