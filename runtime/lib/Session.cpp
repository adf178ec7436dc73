//===- Session.cpp - One caller's runs of a shared model ------------------===//
#include "Session.h"

namespace attnc::rt {

Expected<std::unique_ptr<Session>> Session::create(const Model &model) {
  if (!model.isReady())
    return Error(ATTNC_ERROR_STATE, "model '" + model.manifest().name +
                                        "' has no weights: load them before "
                                        "running it");
  return std::unique_ptr<Session>(new Session(model));
}

Session::Session(const Model &model) : owner(model) { ++owner.liveSessions; }

Session::~Session() { --owner.liveSessions; }

Status Session::prepareOutputs(const std::vector<int64_t> &dims) {
  const Manifest &spec = owner.manifest();
  results.resize(spec.outputs.size());
  for (size_t k = 0; k < spec.outputs.size(); ++k) {
    const TensorSpec &output = spec.outputs[k];
    OutputTensor &result = results[k];
    result.spec = &output;
    result.shape = output.shape;
    for (size_t i = 0; i < result.shape.size(); ++i)
      if (output.dimIndex[i] >= 0)
        result.shape[i] = dims[output.dimIndex[i]];
    std::optional<uint64_t> bytes =
        checkedByteSize(result.shape, attnc_dtype_size(output.dtype));
    if (!bytes || *bytes > SIZE_MAX)
      return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                   "output '" + output.name + "' of shape " +
                       formatShape(result.shape) + " is too large");
    if (!result.buffer.data() || result.buffer.size() < *bytes)
      result.buffer = AlignedBuffer(*bytes);
  }
  return Status::success();
}

Status Session::run(const attnc_tensor *inputs, size_t count) {
  const Manifest &spec = owner.manifest();
  Expected<BoundInputs> bound = bindInputs(spec, inputs, count, scratch);
  if (!bound) {
    results.clear();
    return bound.error();
  }
  if (Status s = prepareOutputs(bound->dims); !s) {
    results.clear();
    return s;
  }

  buffers.clear();
  for (const void *input : bound->buffers)
    buffers.push_back(const_cast<void *>(input));
  for (const void *param : owner.paramBuffers())
    buffers.push_back(const_cast<void *>(param));
  for (OutputTensor &output : results)
    buffers.push_back(output.buffer.data());

  if (int32_t code = owner.forwardFunction()(bound->dims.data(), buffers.data())) {
    results.clear();
    return Error(ATTNC_ERROR_MODEL, "model '" + spec.name +
                                        "': attnc_model_forward failed with "
                                        "code " + std::to_string(code));
  }
  return Status::success();
}

} // namespace attnc::rt
