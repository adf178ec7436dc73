//===- DType.cpp - Names and sizes of element types -----------------------===//
#include "attnc/Safetensors.h"
#include "attnc/runtime.h"

#include <iterator>

namespace {

struct DTypeEntry {
  attnc_dtype dtype;
  const char *manifestName; // as docs/abi.md spells it
  const char *safetensorsName;
  size_t size;
};

// Indexed by attnc_dtype.
constexpr DTypeEntry kDTypes[] = {
    {ATTNC_DTYPE_F32, "f32", "F32", 4},
    {ATTNC_DTYPE_F16, "f16", "F16", 2},
    {ATTNC_DTYPE_BF16, "bf16", "BF16", 2},
    {ATTNC_DTYPE_F64, "f64", "F64", 8},
    {ATTNC_DTYPE_I8, "i8", "I8", 1},
    {ATTNC_DTYPE_I16, "i16", "I16", 2},
    {ATTNC_DTYPE_I32, "i32", "I32", 4},
    {ATTNC_DTYPE_I64, "i64", "I64", 8},
    {ATTNC_DTYPE_U8, "u8", "U8", 1},
    {ATTNC_DTYPE_U16, "u16", "U16", 2},
    {ATTNC_DTYPE_U32, "u32", "U32", 4},
    {ATTNC_DTYPE_U64, "u64", "U64", 8},
    {ATTNC_DTYPE_BOOL, "bool", "BOOL", 1},
    {ATTNC_DTYPE_F8_E4M3, "f8e4m3", "F8_E4M3", 1},
    {ATTNC_DTYPE_F8_E5M2, "f8e5m2", "F8_E5M2", 1},
};

constexpr bool isIndexedByDType() {
  for (size_t i = 0; i < std::size(kDTypes); ++i)
    if (static_cast<size_t>(kDTypes[i].dtype) != i)
      return false;
  return true;
}
static_assert(isIndexedByDType(), "kDTypes must be in attnc_dtype order");

const DTypeEntry *lookup(attnc_dtype dtype) {
  auto index = static_cast<size_t>(dtype);
  if (index >= std::size(kDTypes))
    return nullptr;
  return &kDTypes[index];
}

} // namespace

extern "C" const char *attnc_dtype_name(attnc_dtype dtype) {
  const DTypeEntry *entry = lookup(dtype);
  return entry ? entry->manifestName : "unknown";
}

extern "C" size_t attnc_dtype_size(attnc_dtype dtype) {
  const DTypeEntry *entry = lookup(dtype);
  return entry ? entry->size : 0;
}

namespace attnc::st {

const char *dtypeName(attnc_dtype dtype) {
  const DTypeEntry *entry = lookup(dtype);
  return entry ? entry->safetensorsName : "UNKNOWN";
}

std::optional<attnc_dtype> parseDType(std::string_view name) {
  for (const DTypeEntry &entry : kDTypes)
    if (name == entry.safetensorsName)
      return entry.dtype;
  return std::nullopt;
}

} // namespace attnc::st
