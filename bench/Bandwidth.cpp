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
#include "Support.h"
#include "Timing.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Eight independent accumulators of a cache line each: one accumulator
/// (or the 8 floats of one vector, as this loop first had) waits on the add
/// latency and read 31.5 GB/s on one Zen 5 core, where GPT-2's decode step
/// streamed its weights at 40.7 and this loop reads 40-42
/// (docs/performance.md, "Session 24").
float sum(const float *data, size_t n) {
  typedef float Line __attribute__((vector_size(64)));
  constexpr size_t kFloats = sizeof(Line) / sizeof(float);
  Line acc[8] = {};
  const Line *lines = reinterpret_cast<const Line *>(data);
  size_t count = n / kFloats;
  for (size_t i = 0; i + 8 <= count; i += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += lines[i + j];
  Line all = {};
  for (const Line &a : acc)
    all += a;
  float total = 0;
  for (size_t j = 0; j < kFloats; ++j)
    total += all[j];
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
  // Allocated as the runtime keeps weights and KV caches (AlignedBuffer:
  // transparent huge pages where the kernel offers them).
  attnc::rt::AlignedBuffer buffer;
  try {
    buffer = attnc::rt::AlignedBuffer(n * sizeof(float));
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "attnc-bandwidth: cannot allocate %zu MiB\n", mib);
    return 1;
  }
  float *data = static_cast<float *>(buffer.data());
  std::fill(data, data + n, 1.0f);
  std::vector<float> partial(threads);
  std::vector<double> times;
  auto read = [&] {
    std::vector<std::thread> pool;
    size_t chunk = n / threads;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { partial[t] = sum(data + t * chunk, chunk); });
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
