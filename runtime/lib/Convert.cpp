//===- Convert.cpp - Element type conversions -----------------------------===//
#include "Convert.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace attnc::rt {
namespace {

struct Widening {
  attnc_dtype from, to;
};

// Every conversion the runtime performs, besides the identity: lossless
// widenings, and the roundings into a weight's 16-bit storage.
constexpr Widening kWidenings[] = {
    {ATTNC_DTYPE_F16, ATTNC_DTYPE_F32},  {ATTNC_DTYPE_BF16, ATTNC_DTYPE_F32},
    {ATTNC_DTYPE_I32, ATTNC_DTYPE_I64},  {ATTNC_DTYPE_F32, ATTNC_DTYPE_BF16},
    {ATTNC_DTYPE_F16, ATTNC_DTYPE_BF16}, {ATTNC_DTYPE_F32, ATTNC_DTYPE_F16},
    {ATTNC_DTYPE_BF16, ATTNC_DTYPE_F16},
};

uint32_t toBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

template <typename T> T load(const void *source, size_t index) {
  T value;
  std::memcpy(&value, static_cast<const char *>(source) + index * sizeof(T),
              sizeof(T));
  return value;
}

template <typename From, typename To, typename Fn>
void convertEach(const void *source, void *dest, size_t count, Fn fn) {
  To *out = static_cast<To *>(dest);
  for (size_t i = 0; i < count; ++i)
    out[i] = fn(load<From>(source, i));
}

template <typename T> void fillWith(void *dest, T value, size_t count) {
  T *out = static_cast<T *>(dest);
  for (size_t i = 0; i < count; ++i)
    out[i] = value;
}

} // namespace

float halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0x1f) // infinity or NaN; the payload is kept
    return fromBits(sign | 0x7f800000u | mantissa << 13);
  if (exponent != 0)
    return fromBits(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
  // Zero or subnormal: mantissa * 2^-24 is exact in f32.
  float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
  return sign ? -magnitude : magnitude;
}

float bfloat16ToFloat(uint16_t bits) { return fromBits(uint32_t(bits) << 16); }

uint16_t floatToBFloat16(float value) {
  uint32_t bits = toBits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) // NaN: keep it one, quiet
    return static_cast<uint16_t>(bits >> 16 | 0x40u);
  bits += 0x7fffu + (bits >> 16 & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

uint16_t floatToHalf(float value) {
  uint32_t bits = toBits(value);
  auto sign = static_cast<uint16_t>(bits >> 16 & 0x8000u);
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) // NaN
    return sign | 0x7e00u | (magnitude >> 13 & 0x3ffu);
  if (magnitude >= 0x477ff000u) // 65520 and up round to infinity
    return sign | 0x7c00u;
  if (magnitude < 0x38800000u) // below 2^-14: a subnormal (or zero) half,
    // in units of 2^-24; the product is exact, nearbyint rounds to even.
    return sign | static_cast<uint16_t>(
                      std::nearbyint(fromBits(magnitude) * 0x1p24f));
  uint32_t half = (magnitude >> 13) - ((127u - 15u) << 10);
  uint32_t rest = magnitude & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    ++half; // a carry into the exponent is still the right value
  return sign | static_cast<uint16_t>(half);
}

bool isConvertible(attnc_dtype from, attnc_dtype to) {
  if (from == to)
    return true;
  for (const Widening &w : kWidenings)
    if (w.from == from && w.to == to)
      return true;
  return false;
}

std::string convertibleNames(attnc_dtype to,
                             const char *(*name)(attnc_dtype)) {
  std::vector<std::string> names{name(to)};
  for (const Widening &w : kWidenings)
    if (w.to == to)
      names.push_back(name(w.from));
  std::string result;
  for (size_t i = 0; i < names.size(); ++i)
    result += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return result;
}

void convert(const void *source, attnc_dtype from, void *dest, attnc_dtype to,
             size_t count) {
  if (from == to) {
    std::memcpy(dest, source, count * attnc_dtype_size(to));
    return;
  }
  if (from == ATTNC_DTYPE_F16 && to == ATTNC_DTYPE_F32)
    return convertEach<uint16_t, float>(source, dest, count, halfToFloat);
  if (from == ATTNC_DTYPE_BF16 && to == ATTNC_DTYPE_F32)
    return convertEach<uint16_t, float>(source, dest, count, bfloat16ToFloat);
  if (from == ATTNC_DTYPE_F32 && to == ATTNC_DTYPE_BF16)
    return convertEach<float, uint16_t>(source, dest, count, floatToBFloat16);
  if (from == ATTNC_DTYPE_F16 && to == ATTNC_DTYPE_BF16)
    return convertEach<uint16_t, uint16_t>(
        source, dest, count,
        [](uint16_t h) { return floatToBFloat16(halfToFloat(h)); });
  if (from == ATTNC_DTYPE_F32 && to == ATTNC_DTYPE_F16)
    return convertEach<float, uint16_t>(source, dest, count, floatToHalf);
  if (from == ATTNC_DTYPE_BF16 && to == ATTNC_DTYPE_F16)
    return convertEach<uint16_t, uint16_t>(
        source, dest, count,
        [](uint16_t b) { return floatToHalf(bfloat16ToFloat(b)); });
  if (from == ATTNC_DTYPE_I32 && to == ATTNC_DTYPE_I64)
    return convertEach<int32_t, int64_t>(
        source, dest, count, [](int32_t v) { return int64_t(v); });
}

void fill(void *dest, attnc_dtype dtype, double value, size_t count) {
  switch (dtype) {
  case ATTNC_DTYPE_F32:
    return fillWith(dest, static_cast<float>(value), count);
  case ATTNC_DTYPE_I32:
    return fillWith(dest, static_cast<int32_t>(value), count);
  case ATTNC_DTYPE_I64:
    return fillWith(dest, static_cast<int64_t>(value), count);
  default:
    return;
  }
}

} // namespace attnc::rt
