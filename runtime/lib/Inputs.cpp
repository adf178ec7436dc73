//===- Inputs.cpp - Matching run inputs to a manifest ---------------------===//
#include "Inputs.h"

#include "Convert.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace attnc::rt {

void *ScratchPool::get(size_t slot, size_t bytes) {
  if (slot >= buffers.size())
    buffers.resize(slot + 1);
  if (!buffers[slot].data() || buffers[slot].size() < bytes)
    buffers[slot] = AlignedBuffer(bytes);
  return buffers[slot].data();
}

namespace {

class InputBinder {
public:
  InputBinder(const Manifest &manifest, ScratchPool &scratch)
      : manifest(manifest), scratch(scratch), dimSource(manifest.dims.size()),
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
      if (!given[k] && !manifest.inputs[k].defaultValue)
        errors.add(ATTNC_ERROR_MISMATCH,
                   "missing input '" + manifest.inputs[k].name +
                       "' (expected " + manifest.typeString(manifest.inputs[k]) +
                       ")");
    if (errors.empty())
      for (size_t k = 0; k < given.size(); ++k)
        if (!given[k])
          checkDefaultDims(manifest.inputs[k]);
    if (!errors.empty())
      return errors.take();

    for (size_t k = 0; k < given.size(); ++k)
      bound.buffers.push_back(given[k] ? place(k, *given[k])
                                       : fillDefault(k, manifest.inputs[k]));
    for (size_t k = 0; k < given.size(); ++k)
      if (given[k] && manifest.inputs[k].indexBound > 0)
        checkIndices(manifest.inputs[k], *given[k], bound.buffers[k]);
    if (!errors.empty())
      return errors.take();
    return std::move(bound);
  }

private:
  /// The caller's data when usable as is, else a converted or aligned copy.
  const void *place(size_t slot, const attnc_tensor &tensor) {
    attnc_dtype dtype = manifest.inputs[slot].dtype;
    if (tensor.dtype == dtype && isAligned(tensor.data, dtype))
      return tensor.data;
    size_t count = *checkedByteSize(tensor.shape, tensor.rank);
    std::optional<uint64_t> bytes =
        checkedByteSize(tensor.shape, tensor.rank, attnc_dtype_size(dtype));
    if (!bytes || *bytes > SIZE_MAX)
      throw std::bad_alloc();
    void *copy = scratch.get(slot, *bytes);
    convert(tensor.data, tensor.dtype, copy, dtype, count);
    return copy;
  }

  const void *fillDefault(size_t slot, const TensorSpec &spec) {
    std::vector<int64_t> shape = spec.shape;
    for (size_t i = 0; i < shape.size(); ++i)
      if (spec.dimIndex[i] >= 0)
        shape[i] = bound.dims[spec.dimIndex[i]];
    std::optional<uint64_t> count = checkedByteSize(shape);
    std::optional<uint64_t> bytes =
        checkedByteSize(shape, attnc_dtype_size(spec.dtype));
    if (!bytes || *bytes > SIZE_MAX)
      throw std::bad_alloc();
    void *data = scratch.get(slot, *bytes);
    fill(data, spec.dtype, *spec.defaultValue, *count);
    return data;
  }

  /// Ids an embedding reads must name one of its rows: the compiled lookup
  /// would clamp them and compute a wrong answer silently.
  void checkIndices(const TensorSpec &spec, const attnc_tensor &tensor,
                    const void *data) {
    size_t count = *checkedByteSize(tensor.shape, tensor.rank);
    for (size_t i = 0; i < count; ++i) {
      int64_t id = spec.dtype == ATTNC_DTYPE_I64
                       ? static_cast<const int64_t *>(data)[i]
                       : static_cast<const int32_t *>(data)[i];
      if (id >= 0 && id < spec.indexBound)
        continue;
      std::vector<int64_t> position(tensor.rank);
      size_t rest = i;
      for (int32_t d = tensor.rank - 1; d >= 0; --d) {
        position[d] = static_cast<int64_t>(rest % tensor.shape[d]);
        rest /= tensor.shape[d];
      }
      errors.add(ATTNC_ERROR_INVALID_ARGUMENT,
                 "input '" + spec.name + "': " + std::to_string(id) + " at " +
                     formatShape(position) +
                     " is not a valid index (expected 0.." +
                     std::to_string(spec.indexBound - 1) +
                     ", the rows of the embedding table it selects from)");
      return;
    }
  }

  /// An omitted input takes its dims from the inputs given.
  void checkDefaultDims(const TensorSpec &spec) {
    for (int dim : spec.dimIndex)
      if (dim >= 0 && !dimSource[dim]) {
        errors.add(ATTNC_ERROR_MISMATCH,
                   "input '" + spec.name + "' is omitted, but dim '" +
                       manifest.dims[dim] +
                       "' of its default value appears in no input given; "
                       "pass '" + spec.name + "'");
        return;
      }
  }

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
    if (!isConvertible(tensor.dtype, spec.dtype)) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 what + ": expected dtype " +
                     convertibleNames(spec.dtype, attnc_dtype_name) +
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
  ScratchPool &scratch;
  BoundInputs bound;
  /// Which input first gave each dim its value.
  std::vector<const std::string *> dimSource;
  std::vector<const attnc_tensor *> given;
  ErrorList errors;
};

} // namespace

Expected<BoundInputs> bindInputs(const Manifest &manifest,
                                 const attnc_tensor *inputs, size_t count,
                                 ScratchPool &scratch) {
  return InputBinder(manifest, scratch).bind(inputs, count);
}

} // namespace attnc::rt

