//===- Inputs.cpp - Matching run inputs to a manifest ---------------------===//
#include "Inputs.h"

#include <algorithm>
#include <cstring>

namespace attnc::rt {
namespace {

class InputBinder {
public:
  explicit InputBinder(const Manifest &manifest)
      : manifest(manifest), dimSource(manifest.dims.size()),
        given(manifest.inputs.size()) {
    bound.dims.assign(manifest.dims.size(), 0);
  }

  Expected<BoundInputs> bind(const attnc_tensor *inputs, size_t count) {
    if (count && !inputs)
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   "inputs is NULL but num_inputs is " + std::to_string(count));
    for (size_t i = 0; i < count; ++i)
      match(inputs[i], i);
    for (size_t k = 0; k < given.size(); ++k)
      if (!given[k])
        errors.add(ATTNC_ERROR_MISMATCH,
                   "missing input '" + manifest.inputs[k].name +
                       "' (expected " + manifest.typeString(manifest.inputs[k]) +
                       ")");
    if (!errors.empty())
      return errors.take();

    for (size_t k = 0; k < given.size(); ++k) {
      const attnc_tensor &tensor = *given[k];
      if (isAligned(tensor.data, tensor.dtype)) {
        bound.buffers.push_back(tensor.data);
        continue;
      }
      size_t bytes = *checkedByteSize(tensor.shape, tensor.rank,
                                      attnc_dtype_size(tensor.dtype));
      AlignedBuffer &copy = bound.copies.emplace_back(bytes);
      std::memcpy(copy.data(), tensor.data, bytes);
      bound.buffers.push_back(copy.data());
    }
    return std::move(bound);
  }

private:
  void match(const attnc_tensor &tensor, size_t position) {
    if (!tensor.name) {
      errors.add(ATTNC_ERROR_INVALID_ARGUMENT,
                 "inputs[" + std::to_string(position) + "] has no name");
      return;
    }
    auto it = std::find_if(
        manifest.inputs.begin(), manifest.inputs.end(),
        [&](const TensorSpec &spec) { return spec.name == tensor.name; });
    if (it == manifest.inputs.end()) {
      std::string expected;
      for (const TensorSpec &spec : manifest.inputs)
        expected += (expected.empty() ? "" : ", ") + spec.name;
      errors.add(ATTNC_ERROR_MISMATCH,
                 "unknown input '" + std::string(tensor.name) + "' (model '" +
                     manifest.name + "' takes: " +
                     (expected.empty() ? "no inputs" : expected) + ")");
      return;
    }
    size_t index = it - manifest.inputs.begin();
    if (given[index]) {
      errors.add(ATTNC_ERROR_INVALID_ARGUMENT,
                 "input '" + it->name + "' is given twice");
      return;
    }
    given[index] = &tensor;
    check(*it, tensor);
  }

  void check(const TensorSpec &spec, const attnc_tensor &tensor) {
    std::string what = "input '" + spec.name + "'";
    if (tensor.dtype != spec.dtype) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 what + ": expected dtype " + attnc_dtype_name(spec.dtype) +
                     ", found " + attnc_dtype_name(tensor.dtype));
      return;
    }
    if (tensor.rank < 0 || (tensor.rank > 0 && !tensor.shape)) {
      errors.add(ATTNC_ERROR_INVALID_ARGUMENT,
                 what + " has an invalid rank or a NULL shape");
      return;
    }
    std::vector<int64_t> shape(tensor.shape, tensor.shape + tensor.rank);
    std::optional<uint64_t> bytes =
        checkedByteSize(shape, attnc_dtype_size(tensor.dtype));
    if (!bytes) {
      errors.add(ATTNC_ERROR_INVALID_ARGUMENT,
                 what + " has an invalid shape " + formatShape(shape));
      return;
    }
    if (*bytes && !tensor.data) {
      errors.add(ATTNC_ERROR_INVALID_ARGUMENT, what + " has no data");
      return;
    }
    if (shape.size() != spec.shape.size()) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 what + ": expected rank " + std::to_string(spec.shape.size()) +
                     " (" + manifest.typeString(spec) + "), found rank " +
                     std::to_string(shape.size()) + " (" + formatShape(shape) +
                     ")");
      return;
    }
    for (size_t i = 0; i < shape.size(); ++i) {
      if (spec.dimIndex[i] < 0 && shape[i] != spec.shape[i]) {
        errors.add(ATTNC_ERROR_MISMATCH,
                   what + ": expected shape " + manifest.shapeString(spec) +
                       ", found " + formatShape(shape));
        return;
      }
    }
    for (size_t i = 0; i < shape.size(); ++i)
      if (spec.dimIndex[i] >= 0)
        bindDim(spec.dimIndex[i], shape[i], spec.name);
  }

  void bindDim(int dim, int64_t value, const std::string &tensorName) {
    const std::string &dimName = manifest.dims[dim];
    if (value < 1) {
      errors.add(ATTNC_ERROR_MISMATCH, "input '" + tensorName + "': dim '" +
                                           dimName + "' must be at least 1, found " +
                                           std::to_string(value));
      return;
    }
    if (!dimSource[dim]) {
      dimSource[dim] = &tensorName;
      bound.dims[dim] = value;
    } else if (bound.dims[dim] != value) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 "dim '" + dimName + "' is " + std::to_string(bound.dims[dim]) +
                     " in input '" + *dimSource[dim] + "' but " +
                     std::to_string(value) + " in input '" + tensorName + "'");
    }
  }

  const Manifest &manifest;
  BoundInputs bound;
  /// Which input first gave each dim its value.
  std::vector<const std::string *> dimSource;
  std::vector<const attnc_tensor *> given;
  ErrorList errors;
};

} // namespace

Expected<BoundInputs> bindInputs(const Manifest &manifest,
                                 const attnc_tensor *inputs, size_t count) {
  return InputBinder(manifest).bind(inputs, count);
}

} // namespace attnc::rt

