//===- Model.cpp - A loaded model: library, manifest, weights -------------===//
#include "Model.h"


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
  auto step = reinterpret_cast<StepFn>(library->symbol("attnc_model_step"));
  if (static_cast<bool>(step) != spec->kvCache.has_value())
    return Error(ATTNC_ERROR_ABI,
                 "'" + path + "': the manifest " +
                     (step ? "lacks" : "has") +
                     " a \"kv_cache\" but the library " +
                     (step ? "exports" : "does not export") +
                     " attnc_model_step");
  return std::unique_ptr<Model>(new Model(std::move(*library), forward, step,
                                          json, std::move(*spec)));
}

Status Model::loadWeights(const std::string &path) {
  if (size_t sessions = liveSessions.load())
    return Error(ATTNC_ERROR_STATE,
                 "model '" + spec.name + "': cannot replace its weights while " +
                     std::to_string(sessions) +
                     (sessions == 1 ? " session uses" : " sessions use") +
                     " it; destroy them first");
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

const std::vector<const void *> &Model::paramBuffers() const {
  static const std::vector<const void *> none;
  return weights ? weights->buffers() : none;
}

const std::vector<const void *> &Model::packBuffers() const {
  static const std::vector<const void *> none;
  return weights ? weights->packBuffers() : none;
}

} // namespace attnc::rt
