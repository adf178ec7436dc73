//===- ModelBench.cpp - Time a compiled model through the runtime ---------===//
#include "ModelBench.h"

#include "attnc/Safetensors.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <unistd.h>

namespace attnc::bench {
namespace {

Error invalid(const std::string &message) {
  return Error(ATTNC_ERROR_INVALID_ARGUMENT, message);
}

double cpuMs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/// Times one call of `fn`, which returns a Status.
template <typename Fn> Expected<CallTime> timeCall(Fn &&fn) {
  double cpuStart = cpuMs();
  auto start = std::chrono::steady_clock::now();
  Status s = fn();
  auto stop = std::chrono::steady_clock::now();
  if (!s)
    return s.error();
  return CallTime{std::chrono::duration<double, std::milli>(stop - start).count(),
                  cpuMs() - cpuStart};
}

int64_t numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Expected<std::vector<int64_t>> concreteShape(const attnc_tensor_info &info,
                                             const ModelBenchOptions &o) {
  std::vector<int64_t> shape(info.shape, info.shape + info.rank);
  for (int32_t i = 0; i < info.rank; ++i)
    if (shape[i] < 0) {
      auto it = o.dims.find(info.dim_names[i]);
      if (it == o.dims.end())
        return invalid(std::string("give the size of dim '") +
                       info.dim_names[i] + "' with --dim " +
                       info.dim_names[i] + "=N");
      shape[i] = it->second;
    }
  return shape;
}

/// Uniform in [-scale, scale]: small enough that softmax and sums stay tame.
/// xorshift, not <random>: filling 100M values must not dominate a run.
std::vector<float> randomData(int64_t n, float scale, uint64_t &state) {
  std::vector<float> data(n);
  for (float &x : data) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    x = scale * (static_cast<float>(state >> 40) / float(1 << 23) - 1.0f);
  }
  return data;
}

/// Random parameters written to a temporary safetensors file and bound
/// through it, as a checkpoint would be. `views` keep pointing at `storage`.
Status bindRandomWeights(Model &model, uint64_t &rng,
                         std::map<std::string, st::TensorView> &views,
                         std::vector<std::vector<float>> &storage) {
  for (const attnc_tensor_info &p : model.params()) {
    // Written as f32; a bf16 or f16 parameter is rounded at load.
    if (p.dtype != ATTNC_DTYPE_F32 && p.dtype != ATTNC_DTYPE_BF16 &&
        p.dtype != ATTNC_DTYPE_F16)
      return invalid(std::string("parameter '") + p.name +
                     "' is not f32, bf16 or f16");
    std::vector<int64_t> shape(p.shape, p.shape + p.rank);
    int64_t fanIn = p.rank ? shape.back() : 1;
    storage.push_back(randomData(numElements(shape),
                                 1.0f / std::sqrt(float(fanIn)), rng));
    if (p.layers == 0) {
      views[p.tensor] = {ATTNC_DTYPE_F32, shape, storage.back().data()};
      continue;
    }
    // Stacked along dim 0: one tensor per layer, "{i}" in the name.
    std::vector<int64_t> layerShape(shape.begin() + 1, shape.end());
    size_t layerSize = storage.back().size() / p.layers;
    std::string name = p.tensor;
    size_t at = name.find("{i}");
    for (int64_t i = 0; i < p.layers; ++i)
      views[name.substr(0, at) + std::to_string(i) + name.substr(at + 3)] = {
          ATTNC_DTYPE_F32, layerShape, storage.back().data() + i * layerSize};
  }
  char path[] = "/tmp/attnc-bench-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return Error(ATTNC_ERROR_IO, "cannot create a temporary file in /tmp");
  close(fd);
  Status written = st::write(path, views);
  Status loaded = written ? model.loadWeights(path) : written;
  unlink(path);
  return loaded;
}

/// The model's inputs: random f32 data, integer inputs (token ids) 0.
struct Inputs {
  std::vector<attnc_tensor> tensors;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<int64_t>> ints;
};

Status makeInputs(const Model &model, const ModelBenchOptions &o,
                  uint64_t &rng, Inputs &in) {
  std::vector<attnc_tensor_info> infos = model.inputs();
  in.shapes.reserve(infos.size());
  in.floats.reserve(infos.size());
  in.ints.reserve(infos.size());
  for (const attnc_tensor_info &info : infos) {
    Expected<std::vector<int64_t>> shape = concreteShape(info, o);
    if (!shape)
      return shape.error();
    in.shapes.push_back(*shape);
    void *data;
    if (info.dtype == ATTNC_DTYPE_F32) {
      in.floats.push_back(randomData(numElements(*shape), 1.0f, rng));
      data = in.floats.back().data();
    } else {
      in.ints.emplace_back(numElements(*shape), 0);
      data = in.ints.back().data();
    }
    in.tensors.push_back(
        {info.name, info.dtype, info.rank, in.shapes.back().data(), data});
  }
  return Status::success();
}

int64_t tokensPerCall(const std::vector<attnc_tensor> &inputs) {
  for (const attnc_tensor &t : inputs)
    if (t.dtype == ATTNC_DTYPE_I64 || t.dtype == ATTNC_DTYPE_I32)
      return numElements({t.shape, t.shape + t.rank});
  if (inputs.empty())
    return 0;
  const attnc_tensor &t = inputs.front();
  return numElements({t.shape, t.shape + std::max(0, t.rank - 1)});
}

Status dumpRun(Session &session, const Inputs &in,
               const std::map<std::string, st::TensorView> &weights,
               const std::string &dir) {
  Expected<OutputView> out = session.run(in.tensors);
  if (!out)
    return out.error();
  std::map<std::string, st::TensorView> inputs, outputs;
  for (const attnc_tensor &t : in.tensors)
    inputs[t.name] = {t.dtype, {t.shape, t.shape + t.rank}, t.data};
  for (const attnc_tensor &t : *out)
    outputs[t.name] = {t.dtype, {t.shape, t.shape + t.rank}, t.data};
  if (Status s = st::write(dir + "/weights.safetensors", weights); !s)
    return s;
  if (Status s = st::write(dir + "/inputs.safetensors", inputs); !s)
    return s;
  return st::write(dir + "/outputs.safetensors", outputs);
}

/// The step inputs of --decode: the prefill's inputs with seq = 1 (shapes
/// [batch, 1, ...]: the prefix of their data).
Expected<Inputs> stepInputs(const Model &model, const Inputs &prefill,
                            int64_t context) {
  Inputs step = prefill;
  std::vector<attnc_tensor_info> infos = model.inputs();
  for (size_t i = 0; i < infos.size(); ++i) {
    for (int32_t d = 0; d < infos[i].rank; ++d)
      if (infos[i].shape[d] < 0 && std::string(infos[i].dim_names[d]) == "seq") {
        if (step.shapes[i][d] != context)
          return invalid("--decode N needs --dim seq=N (the prefill)");
        step.shapes[i][d] = 1;
      }
    step.tensors[i].shape = step.shapes[i].data();
  }
  return step;
}

} // namespace

Expected<ModelBenchResult>
benchModel(const std::string &modelPath, const ModelBenchOptions &o,
           const std::function<void(const CallTime &)> &onRun) {
  if (o.runs < 1 || o.warmup < 0 || o.threads < 0 || o.decode < 0)
    return invalid("--runs must be at least 1, and --warmup, --threads and "
                   "--decode at least 0");
  if (!o.dump.empty() && !o.weights.empty())
    return invalid("--dump writes random weights: it cannot take --weights");
  Expected<Model> model = Model::open(modelPath);
  if (!model)
    return model.error();
  if (Status s = model->setNumThreads(o.threads); !s)
    return s.error();
  uint64_t rng = 0x9E3779B97F4A7C15ull ^ o.seed;

  std::map<std::string, st::TensorView> views;
  std::vector<std::vector<float>> storage;
  if (o.weights.empty()) {
    if (Status s = bindRandomWeights(*model, rng, views, storage); !s)
      return s.error();
  } else {
    if (Status s = model->loadWeights(o.weights); !s)
      return s.error();
  }
  Inputs inputs;
  if (Status s = makeInputs(*model, o, rng, inputs); !s)
    return s.error();
  Expected<Session> session = model->createSession();
  if (!session)
    return session.error();
  if (!o.dump.empty())
    if (Status s = dumpRun(*session, inputs, views, o.dump); !s)
      return s.error();

  // The --dim sizes in the model's order, for Session::reserve: the setup a
  // user's program does once, before its first run (no cold start).
  std::vector<int64_t> dims;
  for (size_t d = 0; d < model->numDims(); ++d) {
    auto it = o.dims.find(std::string(model->dimName(d)));
    dims.push_back(it == o.dims.end() ? 1 : it->second);
  }

  ModelBenchResult result;
  std::vector<attnc_tensor> *callInputs = &inputs.tensors;
  std::function<Status()> call = [&] {
    return session->run(*callInputs).status();
  };
  Inputs step;
  if (o.decode > 0) {
    if (!attnc_model_has_kv_cache(model->get()))
      return invalid("--decode: the model has no KV cache entry (not a "
                     "decoder)");
    Expected<Inputs> made = stepInputs(*model, inputs, o.decode);
    if (!made)
      return made.error();
    step = std::move(*made);
    if (Status s = session->enableKVCache(o.decode + 1 + o.warmup + o.runs); !s)
      return s.error();
    if (Status s = session->reserve(dims); !s)
      return s.error();
    Expected<CallTime> prefill = timeCall([&] {
      return session->step(inputs.tensors.data(), inputs.tensors.size())
          .status();
    });
    if (!prefill)
      return prefill.error();
    result.prefill = *prefill;
    callInputs = &step.tensors;
    call = [&] {
      return session->step(step.tensors.data(), step.tensors.size()).status();
    };
  }
  result.tokensPerCall = tokensPerCall(*callInputs);
  if (o.decode == 0)
    if (Status s = session->reserve(dims); !s)
      return s.error();

  Expected<CallTime> first = timeCall(call);
  if (!first)
    return first.error();
  result.first = *first;
  for (int i = 0; i < o.warmup; ++i)
    if (Status s = call(); !s)
      return s.error();
  // The profile (asked for, or ATTNC_PROFILE's) covers the timed calls.
  if (!o.profile.empty())
    if (Status s = model->setProfiling(true); !s)
      return s.error();
  attnc_model_profile_reset(model->get());
  for (int i = 0; i < o.runs; ++i) {
    Expected<CallTime> t = timeCall(call);
    if (!t)
      return t.error();
    result.runs.push_back(*t);
    if (onRun)
      onRun(*t);
  }
  if (o.decode > 0)
    result.kvPosition = session->kvPosition();
  if (!o.profile.empty())
    result.profile = model->profileReport(o.profile == "json");
  return result;
}

Spread spread(std::vector<double> values) {
  Spread s;
  if (values.empty())
    return s;
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    double rank = q * (values.size() - 1);
    size_t lo = static_cast<size_t>(rank);
    size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (rank - lo) * (values[hi] - values[lo]);
  };
  s.median = at(0.5);
  s.q1 = at(0.25);
  s.q3 = at(0.75);
  s.min = values.front();
  s.max = values.back();
  return s;
}

} // namespace attnc::bench
