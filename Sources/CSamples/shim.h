#pragma once
#include <stddef.h>
#include <stdint.h>

/// Writes `n` samples of `src` × `gain`, clipped to ±1, as 16-bit integers rounded to the
/// nearest (ties to even). Adding 1.5 × 2^23 to a float below 2^22 in magnitude leaves the
/// rounded integer in the low bits of its mantissa, so no float-to-integer conversion is
/// needed and the compiler vectorises the loop (the Swift equivalent stays scalar, and
/// costs several times as much on the renderer's hottest path).
static inline void loaxa_float_to_s16(const float *restrict src, int16_t *restrict dst, size_t n,
                                      float gain) {
    for (size_t i = 0; i < n; i++) {
        float v = src[i] * gain;
        v = v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
        v = v * 32767.0f + 12582912.0f;
        int32_t bits;
        __builtin_memcpy(&bits, &v, sizeof bits);
        dst[i] = (int16_t)(bits - 0x4B400000);
    }
}
