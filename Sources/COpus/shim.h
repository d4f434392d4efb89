#pragma once
// The single-stream decoder (mono and stereo, mapping family 0) and the multistream
// decoder (mapping family 1). Only functions are used, no ctl macros.
#include <opus.h>
#include <opus_multistream.h>
