//===- main.cpp - Running a model through its generated header ------------===//
//
//   consumer WORKDIR
//
// Writes deterministic weights for every parameter of the model to
// WORKDIR/w.safetensors (walking mha::params::all), loads them, runs the
// model on a deterministic input, prints a checksum of the output, and saves
// the input and the output (WORKDIR/x.safetensors, y.safetensors) so that a
// reference implementation can check them.
//
//===----------------------------------------------------------------------===//
#include "mha.h"

#include "attnc/Safetensors.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

using attnc::models::mha;

namespace {

/// A fixed pseudo-random sequence in [-scale, scale], so that every run and
/// every machine sees the same numbers.
std::vector<float> deterministic(int64_t count, uint32_t seed, float scale) {
  std::vector<float> values(count);
  uint32_t state = seed * 2654435761u + 1;
  for (float &value : values) {
    state = state * 1664525u + 1013904223u;
    value = scale * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f);
  }
  return values;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "consumer: %s\n", message.c_str());
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2)
    return fail("usage: consumer WORKDIR");
  std::string dir = argv[1];
  constexpr int64_t kBatch = 2, kSeq = 7;
  // The DEFINES of attnc_add_model, as the compiler resolved them.
  constexpr int64_t dModel = mha::constants::d_model;
  static_assert(mha::params::wq::shape[0] == dModel);

  std::map<std::string, std::vector<float>> storage;
  std::map<std::string, attnc::st::TensorView> weights;
  uint32_t seed = 1;
  for (const attnc::ParamSpec &param : mha::params::all) {
    std::string tensor(param.tensor);
    storage[tensor] = deterministic(param.numElements(), seed++,
                                    1.0f / std::sqrt(float(dModel)));
    weights[tensor] = {param.dtype,
                       std::vector<int64_t>(param.shape,
                                            param.shape + param.rank),
                       storage[tensor].data()};
  }
  if (attnc::Status s = attnc::st::write(dir + "/w.safetensors", weights); !s)
    return fail(s.error().message());

  attnc::Expected<mha> model = mha::open();
  if (!model)
    return fail(model.error().message());
  if (attnc::Status s = model->loadWeights(dir + "/w.safetensors"); !s)
    return fail(s.error().message());
  attnc::Expected<mha::session> session = model->createSession();
  if (!session)
    return fail(session.error().message());

  std::vector<float> x = deterministic(kBatch * kSeq * dModel, 1000, 1.0f);
  mha::inputs in;
  in.x = {x.data(), {kBatch, kSeq, dModel}};
  attnc::Expected<mha::outputs> out = session->run(in);
  if (!out)
    return fail(out.error().message());

  double sum = 0, absSum = 0;
  for (float value : out->y) {
    sum += value;
    absSum += std::fabs(value);
  }
  std::printf("model %s: y f32[%lld, %lld, %lld] sum %.6f abs-sum %.6f\n",
              std::string(mha::model_name).c_str(),
              static_cast<long long>(out->y.shape[0]),
              static_cast<long long>(out->y.shape[1]),
              static_cast<long long>(out->y.shape[2]), sum, absSum);

  attnc::Status saved = attnc::st::write(
      dir + "/x.safetensors",
      {{"x", {ATTNC_DTYPE_F32, {kBatch, kSeq, dModel}, x.data()}}});
  if (saved)
    saved = attnc::st::write(
        dir + "/y.safetensors",
        {{"y", {ATTNC_DTYPE_F32,
                std::vector<int64_t>(out->y.shape.begin(), out->y.shape.end()),
                out->y.data}}});
  if (!saved)
    return fail(saved.error().message());
  return 0;
}
