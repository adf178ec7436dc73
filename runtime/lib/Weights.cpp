//===- Weights.cpp - Parameters bound to a safetensors file ---------------===//
#include "Weights.h"

#include <cstring>
#include <set>

namespace attnc::rt {

Expected<Weights> Weights::load(const Manifest &manifest,
                                const std::string &path) {
  Expected<st::File> file = st::File::open(path);
  if (!file)
    return file.error();
  Weights weights(std::move(*file));
  const st::File &f = weights.file;

  ErrorList errors;
  std::set<std::string> used;
  for (const TensorSpec &param : manifest.params) {
    std::string context = " (parameter '" + param.name + "')";
    const st::TensorInfo *tensor = f.find(param.tensor);
    if (!tensor) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 path + ": missing tensor '" + param.tensor + "'" +
                     " (parameter '" + param.name + "', expected " +
                     manifest.typeString(param) + ")");
      continue;
    }
    used.insert(param.tensor);
    if (tensor->dtype != param.dtype) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 path + ": tensor '" + param.tensor + "': expected dtype " +
                     st::dtypeName(param.dtype) + ", found " +
                     st::dtypeName(tensor->dtype) + context);
      continue;
    }
    if (tensor->shape != param.shape) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 path + ": tensor '" + param.tensor + "': expected shape " +
                     formatShape(param.shape) + ", found " +
                     formatShape(tensor->shape) + context);
      continue;
    }
    if (isAligned(tensor->data, tensor->dtype)) {
      weights.paramData.push_back(tensor->data);
      continue;
    }
    AlignedBuffer &copy = weights.copies.emplace_back(tensor->byteSize());
    std::memcpy(copy.data(), tensor->data, tensor->byteSize());
    weights.paramData.push_back(copy.data());
  }
  if (!errors.empty())
    return errors.take();

  for (const st::TensorInfo &tensor : f.tensors())
    if (!used.count(tensor.name))
      weights.unused.push_back(path + ": tensor '" + tensor.name +
                               "' is not used by model '" + manifest.name +
                               "'");
  return weights;
}

} // namespace attnc::rt
