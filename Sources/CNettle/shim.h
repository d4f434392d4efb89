#pragma once
#include <nettle/sha2.h>

// nettle's short names (sha256_init, sha256_update, sha256_digest) are macros for
// nettle_sha256_init and so on; Swift does not import such macros and calls the long names.
