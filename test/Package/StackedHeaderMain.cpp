//===- StackedHeaderMain.cpp - The generated header of a stacked model ----===//
//
// Built by stacked-header.sh against the header `attnc header` writes for
// test/unittests/Runtime/FakeStackedModel.c, whose forward computes
//   y[s, j] = mask[s] * x[s, j] + b[j] + ids[s],  w_seen = w.
// Checks the header's constants, parameter specs, optional input and typed
// outputs against those definitions. Prints "stacked-header: PASS".
//
//===----------------------------------------------------------------------===//
#include "stacked.h"

#include "attnc/Safetensors.h"

#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

using attnc::models::stacked;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "stacked-header: line %d: %s\n", __LINE__, #cond);  \
      return 1;                                                                \
    }                                                                          \
  } while (0)

static_assert(stacked::constants::n_layer == 3);
static_assert(stacked::constants::eps == 0.25);
static_assert(std::is_same_v<decltype(stacked::inputs::ids),
                             attnc::TensorRef<const int64_t, 1>>);
static_assert(std::is_same_v<decltype(stacked::inputs::mask),
                             std::optional<attnc::TensorRef<const float, 1>>>);
static_assert(stacked::params::w::layers == 3);
static_assert(stacked::params::w::shape[0] == 3);
static_assert(stacked::params::all.size() == 2);
static_assert(stacked::fingerprint == "00c0ffee");

int main(int argc, char **argv) {
  CHECK(argc == 3);
  std::string model = argv[1], weights = argv[2];

  std::vector<float> layer[3] = {{1, 2}, {3, 4}, {5, 6}}, bias = {0.5f, -1};
  std::map<std::string, attnc::st::TensorView> tensors;
  for (int i = 0; i < 3; ++i)
    tensors["h." + std::to_string(i) + ".w"] = {ATTNC_DTYPE_F32, {2},
                                                layer[i].data()};
  tensors[std::string(stacked::params::b::tensor)] = {ATTNC_DTYPE_F32, {2},
                                                      bias.data()};
  CHECK(attnc::st::write(weights, tensors));

  attnc::Expected<stacked> m = stacked::open(model);
  CHECK(m);
  CHECK(m->loadWeights(weights));
  attnc::Expected<stacked::session> session = m->createSession();
  CHECK(session);

  std::vector<float> x = {1, 2, 3, 4};
  std::vector<int64_t> ids = {10, 20};
  stacked::inputs in;
  in.x = {x.data(), {2, 2}};
  in.ids = {ids.data(), {2}};
  attnc::Expected<stacked::outputs> out = session->run(in);
  CHECK(out);
  // mask omitted: its default is 1.
  std::vector<float> y(out->y.begin(), out->y.end());
  CHECK((y == std::vector<float>{11.5f, 11, 23.5f, 23}));
  std::vector<float> w(out->w_seen.begin(), out->w_seen.end());
  CHECK((w == std::vector<float>{1, 2, 3, 4, 5, 6}));

  std::vector<float> mask = {2, 0};
  in.mask = attnc::TensorRef<const float, 1>{mask.data(), {2}};
  out = session->run(in);
  CHECK(out);
  y.assign(out->y.begin(), out->y.end());
  CHECK((y == std::vector<float>{12.5f, 13, 20.5f, 19}));

  std::printf("stacked-header: PASS\n");
  return 0;
}
