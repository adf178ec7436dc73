//===- BenchDriver.cpp - Time a compiled model through the runtime C API --===//
//
//   attnc-bench model.so --dim batch=1 --dim seq=512 [--runs 10]
//                        [--warmup 3] [--threads N] [--seed 1]
//
// Loads the model with attnc_model_open, binds random weights (written to a
// temporary safetensors file, as a checkpoint would be), feeds random inputs
// and times attnc_model_run: wall-clock and process CPU time (all threads)
// of each run ("run_ms=... cpu_ms=..."), then medians and the minimum.
//
//===----------------------------------------------------------------------===//
#include "attnc/Safetensors.h"
#include "attnc/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <ctime>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct Options {
  std::string model;
  std::map<std::string, int64_t> dims;
  int runs = 10, warmup = 3, threads = 0;
  unsigned seed = 1;
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
    } else if (!arg.empty() && arg[0] != '-' && o.model.empty()) {
      o.model = arg;
    } else {
      fail("unknown argument '" + arg + "'");
    }
  }
  if (o.model.empty() || o.runs < 1)
    fail("usage: attnc-bench model.so --dim name=value... [--runs N] "
         "[--warmup N] [--threads N] [--seed N]");
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

double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
    views[p.tensor] = {ATTNC_DTYPE_F32, shape, storage.back().data()};
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

  std::vector<double> times, cpuTimes;
  for (int i = 0; i < o.warmup + o.runs; ++i) {
    double cpuStart = cpuSeconds();
    auto start = std::chrono::steady_clock::now();
    attnc::Expected<attnc::TensorList> out = model->run(inputs);
    auto stop = std::chrono::steady_clock::now();
    double cpu = (cpuSeconds() - cpuStart) * 1e3;
    if (!out)
      fail(out.error().message());
    if (i >= o.warmup) {
      times.push_back(std::chrono::duration<double, std::milli>(stop - start)
                          .count());
      cpuTimes.push_back(cpu);
      std::printf("run_ms=%.4f cpu_ms=%.4f\n", times.back(), cpu);
    }
  }
  std::printf("median_ms=%.4f min_ms=%.4f median_cpu_ms=%.4f runs=%zu\n",
              median(times), *std::min_element(times.begin(), times.end()),
              median(cpuTimes), times.size());
  return 0;
}
