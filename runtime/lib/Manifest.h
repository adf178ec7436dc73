//===- Manifest.h - The JSON description of a compiled model ----*- C++ -*-===//
//
// Parses and validates the manifest of docs/abi.md, so that the rest of the
// runtime can trust it: names are unique, dtypes are known, every shape entry
// is a size or a declared dim, and every dim can be inferred from the inputs.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_MANIFEST_H
#define ATTNC_RUNTIME_LIB_MANIFEST_H

#include "attnc/runtime.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

struct TensorSpec {
  std::string name;
  /// Parameters only: the tensor's name in the weights file.
  std::string tensor;
  attnc_dtype dtype = ATTNC_DTYPE_F32;
  /// Static sizes, and -1 where the size is a dim.
  std::vector<int64_t> shape;
  /// For each shape entry, the index of its dim in Manifest::dims, or -1.
  std::vector<int> dimIndex;

  /// "[batch, seq, 256]".
  std::string shapeString(const std::vector<std::string> &dimNames) const;
  /// "f32[batch, seq, 256]".
  std::string typeString(const std::vector<std::string> &dimNames) const {
    return attnc_dtype_name(dtype) + shapeString(dimNames);
  }
};

struct Manifest {
  std::string name;
  /// Dynamic dimensions, in the order attnc_model_forward takes them.
  std::vector<std::string> dims;
  std::vector<TensorSpec> inputs, params, outputs;

  std::string shapeString(const TensorSpec &spec) const {
    return spec.shapeString(dims);
  }
  std::string typeString(const TensorSpec &spec) const {
    return spec.typeString(dims);
  }
};

/// Errors are ATTNC_ERROR_FORMAT, worded "invalid manifest: ...".
Expected<Manifest> parseManifest(std::string_view json);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_MANIFEST_H
