//===- Bandwidth.cpp - Measure the machine's memory read bandwidth -------===//
//
//   attnc-bandwidth [--threads T] [--mib 512] [--runs R] [--warmup W]
//
// STREAM-like: sums a buffer far larger than the caches (split among T
// threads), the access pattern of a decode step streaming its weights.
// Prints the timing lines of Timing.h and "read_gbs=..." (median), which
// bench/run.sh uses as the bandwidth the decode row is measured against.
//
//===----------------------------------------------------------------------===//
#include "Timing.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Eight independent accumulators so the adds do not serialize; built with
/// -O3 -march=native -ffast-math (CMakeLists.txt) to vectorize.
float sum(const float *data, size_t n) {
  float acc[8] = {};
  for (size_t i = 0; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += data[i + j];
  float total = 0;
  for (float a : acc)
    total += a;
  return total;
}

} // namespace

int main(int argc, char **argv) {
  int threads = 1, runs = 10, warmup = 2;
  size_t mib = 512;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "attnc-bandwidth: missing value after %s\n",
                   arg.c_str());
      return 1;
    }
    long value = std::stol(argv[++i]);
    if (arg == "--threads") threads = int(value);
    else if (arg == "--mib") mib = size_t(value);
    else if (arg == "--runs") runs = int(value);
    else if (arg == "--warmup") warmup = int(value);
    else {
      std::fprintf(stderr, "attnc-bandwidth: unknown argument '%s'\n",
                   arg.c_str());
      return 1;
    }
  }
  if (threads < 1 || runs < 1 || mib < 1) {
    std::fprintf(stderr, "attnc-bandwidth: values must be positive\n");
    return 1;
  }
  size_t n = mib * (1 << 20) / sizeof(float);
  std::vector<float> data(n, 1.0f);
  std::vector<float> partial(threads);
  std::vector<double> times;
  auto read = [&] {
    std::vector<std::thread> pool;
    size_t chunk = n / threads;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        partial[t] = sum(data.data() + t * chunk, chunk);
      });
    for (std::thread &t : pool)
      t.join();
  };
  attnc::bench::timeRuns(warmup, runs, [&] {
    auto start = std::chrono::steady_clock::now();
    read();
    times.push_back(std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  });
  float check = 0;
  for (float p : partial)
    check += p;
  if (check <= 0)
    return 1; // keeps the sums alive
  std::printf("read_gbs=%.2f\n", n * sizeof(float) /
                                     attnc::bench::median(times) / 1e9);
  return 0;
}
