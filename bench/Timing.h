//===- Timing.h - The timing loop shared by the bench programs --*- C++ -*-===//
//
// Every bench program prints the same lines, which bench/run.sh parses:
// "run_ms=... cpu_ms=..." per timed run, then
// "median_ms=... min_ms=... median_cpu_ms=... runs=N", and
// "first_ms=... first_cpu_ms=... first_faults=..." for the very first call
// (a warm-up one when there are warm-ups): what a user who calls once waits,
// and the page faults it took (what a cold start pays).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BENCH_TIMING_H
#define ATTNC_BENCH_TIMING_H

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include <sys/resource.h>

namespace attnc::bench {

inline double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

inline long minorFaults() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Calls `fn` `warmup` times untimed, then `runs` times timed: wall clock and
/// process CPU time (all threads) per call.
template <typename Fn> void timeRuns(int warmup, int runs, Fn &&fn) {
  std::vector<double> times, cpuTimes;
  double firstMs = 0, firstCpuMs = 0;
  long firstFaults = 0;
  for (int i = 0; i < warmup + runs; ++i) {
    long faults = minorFaults();
    double cpuStart = cpuSeconds();
    auto start = std::chrono::steady_clock::now();
    fn();
    auto stop = std::chrono::steady_clock::now();
    double cpuMs = (cpuSeconds() - cpuStart) * 1e3;
    double ms = std::chrono::duration<double, std::milli>(stop - start).count();
    if (i == 0) {
      firstMs = ms;
      firstCpuMs = cpuMs;
      firstFaults = minorFaults() - faults;
    }
    if (i < warmup)
      continue;
    cpuTimes.push_back(cpuMs);
    times.push_back(ms);
    std::printf("run_ms=%.4f cpu_ms=%.4f\n", times.back(), cpuTimes.back());
  }
  std::printf("median_ms=%.4f min_ms=%.4f median_cpu_ms=%.4f runs=%zu\n",
              median(times), *std::min_element(times.begin(), times.end()),
              median(cpuTimes), times.size());
  std::printf("first_ms=%.4f first_cpu_ms=%.4f first_faults=%ld\n", firstMs,
              firstCpuMs, firstFaults);
}

} // namespace attnc::bench

#endif // ATTNC_BENCH_TIMING_H
