#pragma once
#include <sndfile.h>

static inline int loaxa_sf_major_format(int format) { return format & SF_FORMAT_TYPEMASK; }
static inline int loaxa_sf_minor_format(int format) { return format & SF_FORMAT_SUBMASK; }
