#pragma once
// The single-stream decoder (mono and stereo, mapping family 0) and the multistream
// decoder (mapping family 1). The ctl functions are variadic, which Swift cannot call, so
// the one request used goes through the wrappers below.
#include <opus.h>
#include <opus_multistream.h>

/// Resets a decoder to its freshly created state (OPUS_RESET_STATE), as after a seek.
static inline int loaxa_opus_decoder_reset(OpusDecoder *decoder) {
    return opus_decoder_ctl(decoder, OPUS_RESET_STATE);
}

/// Resets a multistream decoder to its freshly created state (OPUS_RESET_STATE).
static inline int loaxa_opus_multistream_decoder_reset(OpusMSDecoder *decoder) {
    return opus_multistream_decoder_ctl(decoder, OPUS_RESET_STATE);
}
