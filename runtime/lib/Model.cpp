//===- Model.cpp - A loaded model: library, manifest, weights -------------===//
#include "Model.h"
#include "CpuFeatures.h"
#include "ThreadCount.h"

#include <algorithm>
#include <new>
#include <optional>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace attnc::rt {

namespace {

/// How long a worker thread spins, waiting for the next parallel region,
/// before it sleeps (libomp's KMP_BLOCKTIME; its default, 200 ms, keeps
/// every worker's core busy that long after each run, taking it from the
/// rest of the program). The regions of one run follow each other within
/// microseconds; `attnc generate` was as fast with 2 ms as with 200
/// (docs/runtime.md, "Threads").
constexpr int kWorkerSpinMs = 2;

/// Whether the environment sets libomp's wait policy itself.
bool environmentSetsWaitPolicy() {
  for (const char *name : {"KMP_BLOCKTIME", "OMP_WAIT_POLICY", "KMP_LIBRARY"})
    if (const char *value = std::getenv(name); value && *value)
      return true;
  return false;
}

/// ATTNC_NUM_THREADS as a thread count; when unset, 0 (OpenMP's own) if
/// OMP_NUM_THREADS is set, else one per physical core the process may use
/// (ThreadCount.h).
Expected<int32_t> threadsFromEnvironment() {
  const char *text = std::getenv("ATTNC_NUM_THREADS");
  if (!text || !*text) {
    if (const char *omp = std::getenv("OMP_NUM_THREADS"); omp && *omp)
      return 0;
    // Read once per process (sysfs files per CPU), not per model opened.
    static const int32_t perCore = defaultThreadCount(CpuSources::current());
    return perCore;
  }
  errno = 0;
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end || errno || value < 1 || value > 4096)
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 std::string("ATTNC_NUM_THREADS must be a thread count "
                             "between 1 and 4096, got '") +
                     text + "'");
  return static_cast<int32_t>(value);
}

/// ATTNC_PROFILE: nullopt when unset, "0" or empty; else the report's
/// format.
Expected<std::optional<std::string>> profileFromEnvironment() {
  const char *text = std::getenv("ATTNC_PROFILE");
  if (!text || !*text || std::string(text) == "0")
    return std::optional<std::string>();
  std::string value = text;
  if (value == "1" || value == "table")
    return std::optional<std::string>("table");
  if (value == "json")
    return std::optional<std::string>("json");
  return Error(ATTNC_ERROR_INVALID_ARGUMENT,
               "ATTNC_PROFILE must be 0, 1, table or json, got '" + value +
                   "'");
}

std::string joinNames(const std::vector<std::string> &names) {
  std::string result;
  for (const std::string &name : names)
    result += (result.empty() ? "" : ", ") + name;
  return result;
}

/// Refuses a model whose code uses ISA extensions this CPU lacks: running
/// it would die on an illegal instruction.
Status checkTarget(const std::string &path, const Manifest &manifest) {
  if (!manifest.target)
    return Status::success();
  const TargetSpec &target = *manifest.target;
  std::vector<std::string> unknown;
  for (const std::string &feature : target.features)
    if (!isCheckedCpuFeature(feature))
      unknown.push_back(feature);
  if (!unknown.empty())
    return Error(ATTNC_ERROR_ABI,
                 "'" + path + "' was compiled for '" + target.cpu +
                     "' and needs CPU features this runtime cannot check: " +
                     joinNames(unknown) +
                     " (a newer attnc compiled it; use the same version's "
                     "runtime)");
  std::vector<std::string> missing =
      missingCpuFeatures(target.features, hostCpuFeatures());
  if (missing.empty())
    return Status::success();
  std::optional<std::string> level = bestPortableLevel(hostCpuFeatures());
  return Error(ATTNC_ERROR_ABI,
               "'" + path + "' was compiled for '" + target.cpu +
                   "' and needs CPU features this CPU lacks: " +
                   joinNames(missing) + "; recompile it with " +
                   (level ? "--target-cpu " + *level + " (runs here) or "
                          : std::string()) +
                   "--target-cpu host on this machine");
}

/// Asks the OS for the register state a model's code needs beyond what
/// CPUID and XCR0 show (Linux's AMX tile data: CpuFeatures.h), once its
/// target passed checkTarget.
Status enableTargetState(const std::string &path, const Manifest &manifest) {
  if (!manifest.target)
    return Status::success();
  const TargetSpec &target = *manifest.target;
  if (std::find(target.features.begin(), target.features.end(),
                "amx-tile") == target.features.end())
    return Status::success();
  if (std::optional<std::string> refused = requestAmxTileData())
    return Error(ATTNC_ERROR_ABI,
                 "'" + path + "' was compiled for '" + target.cpu +
                     "' and may use AMX tiles, which the OS refused to this "
                     "process (" +
                     *refused +
                     "); recompile it with --target-features=-amx-tile");
  return Status::success();
}

} // namespace

Expected<std::unique_ptr<Model>> Model::open(const std::string &path) {
  Expected<SharedLibrary> library = SharedLibrary::open(path);
  if (!library)
    return library.error();

  using VersionFn = int32_t (*)();
  using ManifestFn = const char *(*)();
  auto version = reinterpret_cast<VersionFn>(
      library->symbol(ATTNC_MODEL_ABI_VERSION_SYMBOL));
  auto manifest = reinterpret_cast<ManifestFn>(
      library->symbol(ATTNC_MODEL_MANIFEST_SYMBOL));
  auto forward = reinterpret_cast<ForwardFn>(
      library->symbol(ATTNC_MODEL_FORWARD_SYMBOL));
  if (!version || !manifest || !forward) {
    std::string missing;
    for (auto [present, name] :
         {std::pair{version != nullptr, ATTNC_MODEL_ABI_VERSION_SYMBOL},
          std::pair{manifest != nullptr, ATTNC_MODEL_MANIFEST_SYMBOL},
          std::pair{forward != nullptr, ATTNC_MODEL_FORWARD_SYMBOL}})
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
    return Error(ATTNC_ERROR_FORMAT, "'" + path +
                                         "': " ATTNC_MODEL_MANIFEST_SYMBOL
                                         " returned NULL");
  Expected<Manifest> spec = parseManifest(json);
  if (!spec)
    return Error(spec.error().code(),
                 "'" + path + "': " + spec.error().message());
  if (Status s = checkTarget(path, *spec); !s)
    return s.error();
  if (Status s = enableTargetState(path, *spec); !s)
    return s.error();
  auto step =
      reinterpret_cast<StepFn>(library->symbol(ATTNC_MODEL_STEP_SYMBOL));
  if (static_cast<bool>(step) != spec->kvCache.has_value())
    return Error(ATTNC_ERROR_ABI,
                 "'" + path + "': the manifest " +
                     (step ? "lacks" : "has") +
                     " a \"kv_cache\" but the library " +
                     (step ? "exports" : "does not export") +
                     " " ATTNC_MODEL_STEP_SYMBOL);
  Expected<int32_t> envThreads = threadsFromEnvironment();
  if (!envThreads)
    return envThreads.error();
  // Found among the library's own dependencies (libomp) when it has
  // parallel loops.
  auto setThreads =
      reinterpret_cast<SetThreadsFn>(library->symbol("omp_set_num_threads"));
  auto fork = reinterpret_cast<ForkFn>(library->symbol("__kmpc_fork_call"));
  auto setBlocktime = environmentSetsWaitPolicy()
                          ? nullptr
                          : reinterpret_cast<SetBlocktimeFn>(
                                library->symbol("kmp_set_blocktime"));
  Expected<std::optional<std::string>> envProfile = profileFromEnvironment();
  if (!envProfile)
    return envProfile.error();
  std::unique_ptr<Model> model(new Model(std::move(*library), forward, step,
                                         setThreads, setBlocktime, fork,
                                         *envThreads, json, std::move(*spec)));
  if (*envProfile) {
    if (Status s = model->setProfiling(true); !s)
      return Error(s.error().code(), "ATTNC_PROFILE: " + s.error().message());
    model->environmentReport = **envProfile;
  }
  return model;
}

Model::~Model() {
  if (profiler && environmentReport)
    std::fputs(profiler->report(*environmentReport == "json").c_str(),
               stderr);
}

Status Model::setProfiling(bool on) {
  if (!on) {
    profiler.reset();
    return Status::success();
  }
  if (profiler)
    return Status::success();
  auto slot = reinterpret_cast<void **>(
      library.symbol("attnc_model_profile_hook"));
  if (!slot)
    return Error(ATTNC_ERROR_ABI,
                 "model '" + spec.name +
                     "' has no profile hook (attnc_model_profile_hook): "
                     "recompile it with this version of attnc");
  using ThreadNumFn = int (*)();
  auto threadNum =
      reinterpret_cast<ThreadNumFn>(library.symbol("omp_get_thread_num"));
  profiler = std::make_unique<Profile>(spec, slot, threadNum);
  return Status::success();
}

Status Model::setNumThreads(int32_t count) {
  if (count < 0 || count > 4096)
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "the thread count must be between 1 and 4096 (or 0 for "
                 "the default), got " + std::to_string(count));
  threads = count ? count : envThreads;
  return Status::success();
}

void Model::applyThreadSettings() const {
  if (int32_t count = threads; setThreads && count > 0)
    setThreads(count);
  if (setBlocktime)
    setBlocktime(kWorkerSpinMs);
}

void Model::startThreads() const {
  applyThreadSettings();
  if (!setThreads || !fork)
    return;
  // libomp's ident_t, as a compiler emits it for a region (flags: KMPC).
  struct {
    int32_t reserved1 = 0, flags = 2, reserved2 = 0, reserved3 = 0;
    const char *source = ";attnc-runtime;startThreads;0;0;;";
  } location;
  fork(&location, 0, [](int32_t *, int32_t *) {});
}

Status Model::loadWeights(const std::string &path) {
  if (size_t sessions = liveSessions.load())
    return Error(ATTNC_ERROR_STATE,
                 "model '" + spec.name + "': cannot replace its weights while " +
                     std::to_string(sessions) +
                     (sessions == 1 ? " session uses" : " sessions use") +
                     " it; destroy them first");
  Weights::Progress report;
  if (progress)
    report = [this](uint64_t done, uint64_t total) {
      progress(progressData, done, total);
    };
  // A failure keeps the previous weights: they are replaced only once the
  // new ones are complete.
  std::optional<Expected<Weights>> loaded;
  try {
    loaded.emplace(Weights::load(spec, path, report));
  } catch (const std::bad_alloc &) {
    return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                 "model '" + spec.name + "': out of memory while loading the "
                 "weights of '" + path + "'");
  }
  if (!*loaded)
    return loaded->error();
  weights.emplace(std::move(**loaded));
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
