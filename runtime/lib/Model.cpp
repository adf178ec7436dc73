//===- Model.cpp - A loaded model: library, manifest, weights -------------===//
#include "Model.h"

#include "Inputs.h"

#include <new>
#include <optional>

namespace attnc::rt {

Expected<std::unique_ptr<Model>> Model::open(const std::string &path) {
  Expected<SharedLibrary> library = SharedLibrary::open(path);
  if (!library)
    return library.error();

  using VersionFn = int32_t (*)();
  using ManifestFn = const char *(*)();
  auto version = reinterpret_cast<VersionFn>(
      library->symbol("attnc_model_abi_version"));
  auto manifest =
      reinterpret_cast<ManifestFn>(library->symbol("attnc_model_manifest"));
  auto forward =
      reinterpret_cast<ForwardFn>(library->symbol("attnc_model_forward"));
  if (!version || !manifest || !forward) {
    std::string missing;
    for (auto [present, name] :
         {std::pair{version != nullptr, "attnc_model_abi_version"},
          std::pair{manifest != nullptr, "attnc_model_manifest"},
          std::pair{forward != nullptr, "attnc_model_forward"}})
      if (!present)
        missing += (missing.empty() ? "" : ", ") + std::string(name);
    return Error(ATTNC_ERROR_ABI, "not an attnc model: '" + path +
                                      "' does not export " + missing);
  }

  int32_t abiVersion = version();
  if (abiVersion != ATTNC_MODEL_ABI_VERSION)
    return Error(ATTNC_ERROR_ABI,
                 "'" + path + "' was compiled for model ABI version " +
                     std::to_string(abiVersion) +
                     ", but this runtime implements version " +
                     std::to_string(ATTNC_MODEL_ABI_VERSION));

  const char *json = manifest();
  if (!json)
    return Error(ATTNC_ERROR_FORMAT,
                 "'" + path + "': attnc_model_manifest returned NULL");
  Expected<Manifest> spec = parseManifest(json);
  if (!spec)
    return Error(spec.error().code(),
                 "'" + path + "': " + spec.error().message());
  return std::unique_ptr<Model>(
      new Model(std::move(*library), forward, json, std::move(*spec)));
}

Status Model::loadWeights(const std::string &path) {
  Expected<Weights> loaded = Weights::load(spec, path);
  if (!loaded)
    return loaded.error();
  weights.emplace(std::move(*loaded));
  return Status::success();
}

const std::vector<std::string> &Model::warnings() const {
  static const std::vector<std::string> none;
  return weights ? weights->warnings() : none;
}

Expected<std::vector<OutputTensor>> Model::run(const attnc_tensor *inputs,
                                               size_t count) const {
  if (!weights && !spec.params.empty())
    return Error(ATTNC_ERROR_STATE, "model '" + spec.name +
                                        "' has no weights: load them before "
                                        "running it");
  Expected<BoundInputs> bound = bindInputs(spec, inputs, count);
  if (!bound)
    return bound.error();

  std::vector<OutputTensor> outputs;
  for (const TensorSpec &output : spec.outputs) {
    std::vector<int64_t> shape = output.shape;
    for (size_t i = 0; i < shape.size(); ++i)
      if (output.dimIndex[i] >= 0)
        shape[i] = bound->dims[output.dimIndex[i]];
    std::optional<uint64_t> bytes =
        checkedByteSize(shape, attnc_dtype_size(output.dtype));
    if (!bytes || *bytes > SIZE_MAX)
      return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                   "output '" + output.name + "' of shape " +
                       formatShape(shape) + " is too large");
    // Input shapes come from files; the output they imply may not fit.
    std::optional<AlignedBuffer> buffer;
    try {
      buffer.emplace(*bytes);
    } catch (const std::bad_alloc &) {
      return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                   "output '" + output.name + "' of shape " +
                       formatShape(shape) + " needs " +
                       std::to_string(*bytes) +
                       " bytes, more than can be allocated");
    }
    outputs.push_back({&output, std::move(shape), std::move(*buffer)});
  }

  std::vector<void *> buffers;
  for (const void *input : bound->buffers)
    buffers.push_back(const_cast<void *>(input));
  if (weights)
    for (const void *param : weights->buffers())
      buffers.push_back(const_cast<void *>(param));
  for (OutputTensor &output : outputs)
    buffers.push_back(output.buffer.data());

  if (int32_t code = forward(bound->dims.data(), buffers.data()))
    return Error(ATTNC_ERROR_MODEL, "model '" + spec.name +
                                        "': attnc_model_forward failed with "
                                        "code " + std::to_string(code));
  return outputs;
}

} // namespace attnc::rt
