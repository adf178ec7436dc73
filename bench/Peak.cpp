//===- Peak.cpp - Measure the machine's FP32 FMA throughput --------------===//
//
//   attnc-peak [--threads T] [--runs R] [--warmup W]
//
// Independent chains of 16-wide FMAs held in registers, on T threads: the
// FLOP/s no kernel can exceed, measured rather than taken from a data sheet
// (turbo clocks differ from machine to machine). Each run does 2^27 FMA
// instructions per thread (2^32 FLOP); bench/table.py turns the median into
// GFLOP/s. Built with -march=native (CMakeLists.txt).
//
//===----------------------------------------------------------------------===//
#include "Timing.h"

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <immintrin.h>

namespace {

constexpr int Chains = 16;
constexpr long Iterations = (1l << 27) / Chains;

float fmaLoop(float seed) {
#ifdef __AVX512F__
  __m512 acc[Chains];
  for (int j = 0; j < Chains; ++j)
    acc[j] = _mm512_set1_ps(seed + j);
  const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < Iterations; ++i)
    for (int j = 0; j < Chains; ++j)
      acc[j] = _mm512_fmadd_ps(acc[j], mul, add);
  __m512 sum = acc[0];
  for (int j = 1; j < Chains; ++j)
    sum = _mm512_add_ps(sum, acc[j]);
  return _mm512_reduce_add_ps(sum);
#else
  (void)seed;
  std::fprintf(stderr, "attnc-peak: built without AVX-512\n");
  std::exit(1);
#endif
}

} // namespace

int main(int argc, char **argv) {
  int threads = 1, runs = 3, warmup = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    int value = std::stoi(argv[i + 1]);
    if (arg == "--threads") threads = value;
    else if (arg == "--runs") runs = value;
    else if (arg == "--warmup") warmup = value;
    else {
      std::fprintf(stderr, "attnc-peak: unknown argument '%s'\n", arg.c_str());
      return 1;
    }
  }
  if (argc % 2 == 0 || threads < 1 || runs < 1) {
    std::fprintf(stderr, "usage: attnc-peak [--threads T] [--runs R] "
                         "[--warmup W]\n");
    return 1;
  }
  std::vector<float> results(threads);
  attnc::bench::timeRuns(warmup, runs, [&] {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { results[t] = fmaLoop(float(t)); });
    for (std::thread &t : pool)
      t.join();
  });
  return results[0] == 12345.0f; // keeps the loops alive
}
