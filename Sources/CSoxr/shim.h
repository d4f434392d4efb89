#pragma once
#include <soxr.h>

/// A streaming resampler with float32 interleaved input and output at soxr's
/// "high quality" (20-bit) setting. Macros are not importable into Swift, hence this.
static inline soxr_t loaxa_soxr_create_hq(double in_rate, double out_rate, unsigned channels,
                                          soxr_error_t *error) {
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    return soxr_create(in_rate, out_rate, channels, error, &io, &q, NULL);
}
