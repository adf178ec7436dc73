//===- BenchDriver.cpp - Time a compiled model through the runtime API ---===//
//
//   attnc-bench model.so --dim batch=1 --dim seq=512 [--runs 10]
//                        [--warmup 3] [--threads N] [--seed 1]
//                        [--decode CONTEXT] [--dump DIR]
//
// Opens the model, binds random weights (written to a temporary safetensors
// file, as a checkpoint would be), feeds random inputs (token ids 0) and
// times one session's runs (Timing.h prints the lines bench/run.sh reads).
//
// --decode CONTEXT times decode steps instead: a prefill of CONTEXT tokens
// fills the session's KV cache, then every timed call is one step of one
// token (seq = 1) at contexts CONTEXT, CONTEXT + 1, ...
// --dump DIR writes DIR/weights.safetensors, DIR/inputs.safetensors and
// DIR/outputs.safetensors (one run's outputs), so that bench/torch_bench.py
// --check can run PyTorch on the same weights and inputs and compare.
//
//===----------------------------------------------------------------------===//
#include "attnc/Safetensors.h"
#include "attnc/runtime.hpp"

#include "Timing.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct Options {
  std::string model;
  std::map<std::string, int64_t> dims;
  int runs = 10, warmup = 3, threads = 0;
  unsigned seed = 1;
  int64_t decode = 0;
  std::string dump;
};

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "attnc-bench: error: %s\n", message.c_str());
  std::exit(1);
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--dim") {
      std::string d = value();
      size_t eq = d.find('=');
      if (eq == std::string::npos)
        fail("--dim takes name=value, got '" + d + "'");
      o.dims[d.substr(0, eq)] = std::stoll(d.substr(eq + 1));
    } else if (arg == "--runs") {
      o.runs = std::stoi(value());
    } else if (arg == "--warmup") {
      o.warmup = std::stoi(value());
    } else if (arg == "--threads") {
      o.threads = std::stoi(value());
    } else if (arg == "--seed") {
      o.seed = std::stoul(value());
    } else if (arg == "--decode") {
      o.decode = std::stoll(value());
    } else if (arg == "--dump") {
      o.dump = value();
    } else if (!arg.empty() && arg[0] != '-' && o.model.empty()) {
      o.model = arg;
    } else {
      fail("unknown argument '" + arg + "'");
    }
  }
  if (o.model.empty() || o.runs < 1 || o.decode < 0)
    fail("usage: attnc-bench model.so --dim name=value... [--runs N] "
         "[--warmup N] [--threads N] [--seed N] [--decode CONTEXT] "
         "[--dump DIR]");
  return o;
}

std::vector<int64_t> concreteShape(const attnc_tensor_info &info,
                                   const Options &o) {
  std::vector<int64_t> shape(info.shape, info.shape + info.rank);
  for (int32_t i = 0; i < info.rank; ++i)
    if (shape[i] < 0) {
      auto it = o.dims.find(info.dim_names[i]);
      if (it == o.dims.end())
        fail(std::string("give the size of dim '") + info.dim_names[i] +
             "' with --dim " + info.dim_names[i] + "=N");
      shape[i] = it->second;
    }
  return shape;
}

/// Uniform in [-scale, scale]: small enough that softmax and sums stay tame.
/// xorshift, not <random>: filling 100M values must not dominate a run.
std::vector<float> randomData(const std::vector<int64_t> &shape, float scale,
                              uint64_t &state) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<float> data(n);
  for (float &x : data) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    x = scale * (static_cast<float>(state >> 40) / float(1 << 23) - 1.0f);
  }
  return data;
}

void writeTensors(const std::string &path,
                  const std::map<std::string, attnc::st::TensorView> &views) {
  if (attnc::Status s = attnc::st::write(path, views); !s)
    fail(s.error().message());
}

} // namespace

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  attnc::Expected<attnc::Model> model = attnc::Model::open(o.model);
  if (!model)
    fail(model.error().message());
  if (attnc::Status s = model->setNumThreads(o.threads); !s)
    fail(s.error().message());
  uint64_t rng = 0x9E3779B97F4A7C15ull ^ o.seed;

  // Parameters: random, through a real safetensors file.
  std::map<std::string, attnc::st::TensorView> views;
  std::vector<std::vector<float>> storage;
  for (const attnc_tensor_info &p : model->params()) {
    if (p.dtype != ATTNC_DTYPE_F32)
      fail(std::string("parameter '") + p.name + "' is not f32");
    std::vector<int64_t> shape(p.shape, p.shape + p.rank);
    int64_t fanIn = p.rank ? shape.back() : 1;
    storage.push_back(randomData(shape, 1.0f / std::sqrt(float(fanIn)), rng));
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
  char weights[] = "/tmp/attnc-bench-XXXXXX";
  int fd = mkstemp(weights);
  if (fd < 0)
    fail("cannot create a temporary file");
  close(fd);
  if (attnc::Status s = attnc::st::write(weights, views); !s)
    fail(s.error().message());
  attnc::Status loaded = model->loadWeights(weights);
  unlink(weights);
  if (!loaded)
    fail(loaded.error().message());

  std::vector<attnc_tensor> inputs;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<float>> inputData;
  std::vector<std::vector<int64_t>> intData;
  for (const attnc_tensor_info &in : model->inputs()) {
    shapes.push_back(concreteShape(in, o));
    void *data;
    if (in.dtype == ATTNC_DTYPE_F32) {
      inputData.push_back(randomData(shapes.back(), 1.0f, rng));
      data = inputData.back().data();
    } else {
      int64_t n = 1;
      for (int64_t d : shapes.back())
        n *= d;
      intData.emplace_back(n, 0);
      data = intData.back().data();
    }
    inputs.push_back({in.name, in.dtype, in.rank, shapes.back().data(), data});
  }

  attnc::Expected<attnc::Session> session = model->createSession();
  if (!session)
    fail(session.error().message());
  auto check = [](const attnc::Expected<attnc::OutputView> &out) {
    if (!out)
      fail(out.error().message());
  };
  // The --dim sizes in the model's order, for Session::reserve: setup a
  // user's program does once, before its first run.
  std::vector<int64_t> dims;
  for (size_t d = 0; d < model->numDims(); ++d) {
    auto it = o.dims.find(std::string(model->dimName(d)));
    dims.push_back(it == o.dims.end() ? 1 : it->second);
  }
  auto reserve = [&] {
    if (attnc::Status s = session->reserve(dims); !s)
      fail(s.error().message());
  };

  if (!o.dump.empty()) {
    attnc::Expected<attnc::OutputView> out = session->run(inputs);
    check(out);
    std::map<std::string, attnc::st::TensorView> in, outs;
    for (const attnc_tensor &t : inputs)
      in[t.name] = {t.dtype, {t.shape, t.shape + t.rank}, t.data};
    for (const attnc_tensor &t : *out)
      outs[t.name] = {t.dtype, {t.shape, t.shape + t.rank}, t.data};
    writeTensors(o.dump + "/weights.safetensors", views);
    writeTensors(o.dump + "/inputs.safetensors", in);
    writeTensors(o.dump + "/outputs.safetensors", outs);
  }

  if (o.decode == 0) {
    reserve();
    attnc::bench::timeRuns(o.warmup, o.runs,
                           [&] { check(session->run(inputs)); });
    return 0;
  }
  // Decode: the inputs' seq dim is the prefill's length; each step reuses
  // their first token (shapes [batch, 1, ...]: the prefix of the data).
  if (!attnc_model_has_kv_cache(model->get()))
    fail("--decode: the model has no KV cache entry (not a decoder)");
  if (attnc::Status s =
          session->enableKVCache(o.decode + o.warmup + o.runs);
      !s)
    fail(s.error().message());
  reserve();
  std::vector<std::vector<int64_t>> stepShapes;
  std::vector<attnc_tensor> stepInputs = inputs;
  std::vector<attnc_tensor_info> infos = model->inputs();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const attnc_tensor_info &info = infos[i];
    stepShapes.emplace_back(shapes[i]);
    for (int32_t d = 0; d < info.rank; ++d)
      if (info.shape[d] < 0 && std::string(info.dim_names[d]) == "seq") {
        if (shapes[i][d] != o.decode)
          fail("--decode N needs --dim seq=N (the prefill)");
        stepShapes.back()[d] = 1;
      }
    stepInputs[i].shape = stepShapes.back().data();
  }
  check(session->step(inputs.data(), inputs.size()));
  attnc::bench::timeRuns(o.warmup, o.runs,
                         [&] { check(session->step(stepInputs.data(), stepInputs.size())); });
  std::printf("kv_position=%lld\n",
              static_cast<long long>(session->kvPosition()));
  return 0;
}
