//===- Convert.h - Element type conversions ---------------------*- C++ -*-===//
//
// The conversions the runtime applies where a checkpoint or a caller supplies
// another dtype than the model declares: f16 and bf16 widen to f32 exactly,
// i32 widens to i64, and a weight the model stores as bf16 or f16 is
// rounded to it from any float dtype (to nearest, ties to even).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_CONVERT_H
#define ATTNC_RUNTIME_LIB_CONVERT_H

#include "attnc/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace attnc::rt {

float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);
/// Rounded to nearest, ties to even; NaN stays a (quiet) NaN, and f16
/// overflows to infinity.
uint16_t floatToBFloat16(float value);
uint16_t floatToHalf(float value);

/// True if `from` equals `to`, converts to it without loss, or rounds to
/// bf16/f16 weight storage.
bool isConvertible(attnc_dtype from, attnc_dtype to);

/// "F32, F16 or BF16": the dtypes that convert to `to`, spelled by `name`.
std::string convertibleNames(attnc_dtype to,
                             const char *(*name)(attnc_dtype));

/// Converts `count` elements; requires isConvertible(from, to). `source`
/// may be misaligned; `dest` must be aligned for `to`.
void convert(const void *source, attnc_dtype from, void *dest, attnc_dtype to,
             size_t count);

/// Writes `value` into `count` elements of `dtype` (f32, i32 or i64).
void fill(void *dest, attnc_dtype dtype, double value, size_t count);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_CONVERT_H
