//===- MhaReference.cpp - Independent reference for examples/mha.attn -----===//
//
// attnc-mha-reference generates a seeded checkpoint and input for the
// multi-head self-attention layer of examples/mha.attn, and checks a compiled
// model's output against a naive double-precision implementation written
// from the layer's definition, sharing no code with the compiler:
//
//   q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv   (W stored [out, in])
//   head h uses features [h*D, (h+1)*D), D = d_model / heads
//   a_h = softmax(q_h k_h^T / sqrt(D), keys j > query i masked if causal) v_h
//   y = concat_h(a_h) Wo^T + bo
//
// It also compares two output files, e.g. of two spellings of one model.
// Only the safetensors reader and writer of the runtime are used.
//
//===----------------------------------------------------------------------===//
#include "attnc/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

using attnc::Expected;
using attnc::Status;
namespace st = attnc::st;

namespace {

const char *const kUsage = R"(usage:
  attnc-mha-reference gen --d-model N --batch B --seq S --seed K
                          --weights W.safetensors --inputs IN.safetensors
  attnc-mha-reference check --heads H --causal 0|1 --weights W.safetensors
                          --inputs IN.safetensors --outputs OUT.safetensors
                          [--output-name y] [--tolerance 1e-4]
  attnc-mha-reference compare A.safetensors B.safetensors [--tolerance 1e-4]

gen writes weights uniform in +-1/sqrt(d_model) and an input x uniform in
+-1, all f32. check recomputes y in double precision and passes when
max_abs / max|reference| <= tolerance. compare does the same for every
tensor of A against the tensor of the same name in B, which must hold the
same tensors with the same dtypes and shapes.
)";

constexpr const char *kProjections[] = {"q_proj", "k_proj", "v_proj",
                                        "out_proj"};

struct Options {
  std::string command;
  std::map<std::string, std::string> values;
  std::vector<std::string> positionals;

  /// Fails on any option not in `known`, or unless there are exactly
  /// `numPositionals` other arguments.
  void allowOnly(std::initializer_list<const char *> known,
                 size_t numPositionals) const;
  bool has(const std::string &key) const { return values.count(key) != 0; }
  std::string get(const std::string &key, const std::string &fallback) const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
};

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "attnc-mha-reference: error: %s\n", message.c_str());
  std::exit(1);
}

void Options::allowOnly(std::initializer_list<const char *> known,
                        size_t numPositionals) const {
  for (const auto &entry : values)
    if (std::none_of(known.begin(), known.end(),
                     [&](const char *k) { return entry.first == k; }))
      fail("unknown option '--" + entry.first + "' for '" + command + "'");
  if (positionals.size() > numPositionals)
    fail("unexpected argument '" + positionals[numPositionals] + "'");
  if (positionals.size() < numPositionals)
    fail("'" + command + "' takes " + std::to_string(numPositionals) +
         " file arguments");
}

Options parseOptions(int argc, char **argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    std::exit(argc < 2 ? 1 : 0);
  }
  Options options;
  options.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      options.positionals.push_back(arg);
      continue;
    }
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      options.values[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      options.values[arg.substr(2)] = argv[++i];
    } else {
      fail("option '" + arg + "' needs a value");
    }
  }
  return options;
}

std::string required(const Options &options, const std::string &key) {
  if (!options.has(key))
    fail("missing --" + key);
  return options.get(key, "");
}

double tolerance(const Options &options) {
  std::string text = options.get("tolerance", "1e-4");
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end || !(value >= 0))
    fail("--tolerance must be a non-negative number, found '" + text + "'");
  return value;
}

int64_t integer(const Options &options, const std::string &key,
                int64_t fallback, int64_t min) {
  std::string text = options.get(key, std::to_string(fallback));
  char *end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || value < min)
    fail("--" + key + " must be an integer >= " + std::to_string(min) +
         ", found '" + text + "'");
  return value;
}

//===----------------------------------------------------------------------===//
// gen
//===----------------------------------------------------------------------===//

/// Uniform in [-scale, scale), the same on every platform (unlike
/// std::uniform_real_distribution).
std::vector<float> uniform(std::mt19937_64 &rng, size_t count, double scale) {
  std::vector<float> values(count);
  for (float &v : values)
    v = static_cast<float>(((rng() >> 11) * 0x1.0p-53 * 2 - 1) * scale);
  return values;
}

void writeOrFail(const std::string &path,
                 const std::map<std::string, st::TensorView> &tensors,
                 const std::map<std::string, std::string> &metadata) {
  if (Status s = st::write(path, tensors, metadata); !s)
    fail(s.error().message());
}

int generate(const Options &options) {
  options.allowOnly({"d-model", "batch", "seq", "seed", "weights", "inputs"},
                    0);
  int64_t dModel = integer(options, "d-model", 256, 1);
  int64_t batch = integer(options, "batch", 2, 1);
  int64_t seq = integer(options, "seq", 7, 1);
  int64_t seed = integer(options, "seed", 1, 0);
  std::string weightsPath = required(options, "weights");
  std::string inputsPath = required(options, "inputs");

  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  double scale = 1 / std::sqrt(static_cast<double>(dModel));
  std::map<std::string, std::vector<float>> weights;
  std::map<std::string, st::TensorView> weightViews;
  for (const char *proj : kProjections) {
    std::string prefix = std::string("attn.") + proj;
    std::vector<float> &w = weights[prefix + ".weight"] =
        uniform(rng, dModel * dModel, scale);
    std::vector<float> &b = weights[prefix + ".bias"] =
        uniform(rng, dModel, scale);
    weightViews[prefix + ".weight"] = {ATTNC_DTYPE_F32, {dModel, dModel},
                                       w.data()};
    weightViews[prefix + ".bias"] = {ATTNC_DTYPE_F32, {dModel}, b.data()};
  }
  std::vector<float> x = uniform(rng, batch * seq * dModel, 1.0);

  std::map<std::string, std::string> metadata = {
      {"generator", "attnc-mha-reference"}, {"seed", std::to_string(seed)}};
  writeOrFail(weightsPath, weightViews, metadata);
  writeOrFail(inputsPath,
              {{"x", {ATTNC_DTYPE_F32, {batch, seq, dModel}, x.data()}}},
              metadata);
  return 0;
}

//===----------------------------------------------------------------------===//
// check
//===----------------------------------------------------------------------===//

st::File openOrFail(const std::string &path) {
  Expected<st::File> file = st::File::open(path);
  if (!file)
    fail(file.error().message());
  return std::move(*file);
}

std::string describe(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

template <typename T> std::vector<double> widen(const st::TensorInfo &info) {
  std::vector<T> values(info.numElements());
  std::memcpy(values.data(), info.data, info.byteSize());
  return std::vector<double>(values.begin(), values.end());
}

/// The elements of a tensor as doubles (the data may be misaligned).
std::vector<double> toDoubles(const std::string &path,
                              const st::TensorInfo &info) {
  switch (info.dtype) {
  case ATTNC_DTYPE_F32:
    return widen<float>(info);
  case ATTNC_DTYPE_F64:
    return widen<double>(info);
  case ATTNC_DTYPE_I32:
    return widen<int32_t>(info);
  case ATTNC_DTYPE_I64:
    return widen<int64_t>(info);
  default:
    fail(path + ": tensor '" + info.name + "' has dtype " +
         st::dtypeName(info.dtype) + ", which this tool does not read");
  }
}

/// The f32 tensor `name` of `file`, which must have `shape`.
std::vector<double> loadF32(const st::File &file, const std::string &name,
                            const std::vector<int64_t> &shape) {
  const st::TensorInfo *info = file.find(name);
  if (!info)
    fail(file.path() + ": missing tensor '" + name + "'");
  if (info->dtype != ATTNC_DTYPE_F32 || info->shape != shape)
    fail(file.path() + ": tensor '" + name + "': expected F32" +
         describe(shape) + ", found " + st::dtypeName(info->dtype) +
         describe(info->shape));
  return toDoubles(file.path(), *info);
}

struct Difference {
  double maxAbs = 0;
  /// maxAbs / max |expected| (or maxAbs when expected is all zeros).
  double maxRel = 0;

  bool within(double tolerance) const { return maxRel <= tolerance; }
};

Difference difference(const std::vector<double> &actual,
                      const std::vector<double> &expected) {
  double maxAbs = 0, maxExpected = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double error = std::fabs(actual[i] - expected[i]);
    if (std::isnan(error)) // std::max would drop it, and a NaN must fail.
      return {NAN, NAN};
    maxAbs = std::max(maxAbs, error);
    maxExpected = std::max(maxExpected, std::fabs(expected[i]));
  }
  return {maxAbs, maxExpected > 0 ? maxAbs / maxExpected : maxAbs};
}

struct Linear {
  std::vector<double> weight; // [out, in]
  std::vector<double> bias;   // [out]
};

/// y[r, :] = x[r, :] W^T + b for each of `rows` rows of width d.
std::vector<double> apply(const Linear &linear, const std::vector<double> &x,
                          int64_t rows, int64_t d) {
  std::vector<double> y(rows * d);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < d; ++o) {
      double sum = linear.bias[o];
      for (int64_t i = 0; i < d; ++i)
        sum += x[r * d + i] * linear.weight[o * d + i];
      y[r * d + o] = sum;
    }
  return y;
}

std::vector<double> reference(const std::vector<double> &x,
                              const Linear (&proj)[4], int64_t batch,
                              int64_t seq, int64_t dModel, int64_t heads,
                              bool causal) {
  int64_t rows = batch * seq, headDim = dModel / heads;
  std::vector<double> q = apply(proj[0], x, rows, dModel);
  std::vector<double> k = apply(proj[1], x, rows, dModel);
  std::vector<double> v = apply(proj[2], x, rows, dModel);
  std::vector<double> merged(rows * dModel, 0.0);
  double scale = 1 / std::sqrt(static_cast<double>(headDim));
  std::vector<double> p(seq);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < seq; ++i) {
        const double *qi = &q[(b * seq + i) * dModel + h * headDim];
        int64_t keys = causal ? i + 1 : seq;
        double maxScore = -INFINITY;
        for (int64_t j = 0; j < keys; ++j) {
          const double *kj = &k[(b * seq + j) * dModel + h * headDim];
          double dot = 0;
          for (int64_t d = 0; d < headDim; ++d)
            dot += qi[d] * kj[d];
          p[j] = dot * scale;
          maxScore = std::max(maxScore, p[j]);
        }
        double total = 0;
        for (int64_t j = 0; j < keys; ++j)
          total += p[j] = std::exp(p[j] - maxScore);
        double *out = &merged[(b * seq + i) * dModel + h * headDim];
        for (int64_t j = 0; j < keys; ++j) {
          const double *vj = &v[(b * seq + j) * dModel + h * headDim];
          for (int64_t d = 0; d < headDim; ++d)
            out[d] += p[j] / total * vj[d];
        }
      }
  return apply(proj[3], merged, rows, dModel);
}

int check(const Options &options) {
  options.allowOnly({"heads", "causal", "weights", "inputs", "outputs",
                     "output-name", "tolerance"},
                    0);
  int64_t heads = integer(options, "heads", 8, 1);
  int64_t causal = integer(options, "causal", 1, 0);
  if (causal > 1)
    fail("--causal must be 0 or 1");
  std::string outputName = options.get("output-name", "y");
  double maxRel = tolerance(options);
  st::File weights = openOrFail(required(options, "weights"));
  st::File inputs = openOrFail(required(options, "inputs"));
  st::File outputs = openOrFail(required(options, "outputs"));

  const st::TensorInfo *xInfo = inputs.find("x");
  if (!xInfo)
    fail(inputs.path() + ": missing tensor 'x'");
  if (xInfo->shape.size() != 3)
    fail(inputs.path() + ": tensor 'x': expected [batch, seq, d_model], "
                         "found " + describe(xInfo->shape));
  int64_t batch = xInfo->shape[0], seq = xInfo->shape[1],
          dModel = xInfo->shape[2];
  if (dModel % heads)
    fail("d_model " + std::to_string(dModel) + " is not a multiple of " +
         std::to_string(heads) + " heads");
  std::vector<double> x = loadF32(inputs, "x", xInfo->shape);

  Linear proj[4];
  for (int p = 0; p < 4; ++p) {
    std::string prefix = std::string("attn.") + kProjections[p];
    proj[p].weight = loadF32(weights, prefix + ".weight", {dModel, dModel});
    proj[p].bias = loadF32(weights, prefix + ".bias", {dModel});
  }
  std::vector<double> y = loadF32(outputs, outputName, {batch, seq, dModel});
  std::vector<double> expected =
      reference(x, proj, batch, seq, dModel, heads, causal != 0);

  Difference diff = difference(y, expected);
  bool pass = diff.within(maxRel);
  std::printf("mha d_model=%lld heads=%lld batch=%lld seq=%lld causal=%lld: "
              "max_abs=%.3g max_rel=%.3g %s\n",
              (long long)dModel, (long long)heads, (long long)batch,
              (long long)seq, (long long)causal, diff.maxAbs, diff.maxRel,
              pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}

//===----------------------------------------------------------------------===//
// compare
//===----------------------------------------------------------------------===//

int compare(const Options &options) {
  options.allowOnly({"tolerance"}, 2);
  double maxRel = tolerance(options);
  st::File a = openOrFail(options.positionals[0]);
  st::File b = openOrFail(options.positionals[1]);
  for (const st::TensorInfo &info : b.tensors())
    if (!a.find(info.name))
      fail(a.path() + ": missing tensor '" + info.name + "' (found in " +
           b.path() + ")");

  bool allPass = true;
  for (const st::TensorInfo &actual : a.tensors()) {
    const st::TensorInfo *expected = b.find(actual.name);
    if (!expected)
      fail(b.path() + ": missing tensor '" + actual.name + "' (found in " +
           a.path() + ")");
    if (actual.dtype != expected->dtype || actual.shape != expected->shape)
      fail("tensor '" + actual.name + "' is " + st::dtypeName(actual.dtype) +
           describe(actual.shape) + " in " + a.path() + " but " +
           st::dtypeName(expected->dtype) + describe(expected->shape) +
           " in " + b.path());
    Difference diff = difference(toDoubles(a.path(), actual),
                                 toDoubles(b.path(), *expected));
    bool pass = diff.within(maxRel);
    allPass &= pass;
    std::printf("%s: max_abs=%.3g max_rel=%.3g %s\n", actual.name.c_str(),
                diff.maxAbs, diff.maxRel, pass ? "PASS" : "FAIL");
  }
  return allPass ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);
  if (options.command == "gen")
    return generate(options);
  if (options.command == "check")
    return check(options);
  if (options.command == "compare")
    return compare(options);
  fail("unknown command '" + options.command +
       "' (expected gen, check or compare)");
}
