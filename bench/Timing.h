//===- Timing.h - The timing loop shared by the bench programs --*- C++ -*-===//
//
// Every bench program prints the same lines, which bench/run.sh parses:
// "run_ms=... cpu_ms=..." per timed run, then
// "median_ms=... min_ms=... median_cpu_ms=... runs=N".
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BENCH_TIMING_H
#define ATTNC_BENCH_TIMING_H

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace attnc::bench {

inline double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline void printRun(double wallMs, double cpuMs) {
  std::printf("run_ms=%.4f cpu_ms=%.4f\n", wallMs, cpuMs);
}

inline void printSummary(const std::vector<double> &times,
                         const std::vector<double> &cpuTimes) {
  std::printf("median_ms=%.4f min_ms=%.4f median_cpu_ms=%.4f runs=%zu\n",
              median(times), *std::min_element(times.begin(), times.end()),
              median(cpuTimes), times.size());
}

/// Calls `fn` `warmup` times untimed, then `runs` times timed: wall clock and
/// process CPU time (all threads) per call.
template <typename Fn> void timeRuns(int warmup, int runs, Fn &&fn) {
  for (int i = 0; i < warmup; ++i)
    fn();
  std::vector<double> times, cpuTimes;
  for (int i = 0; i < runs; ++i) {
    double cpuStart = cpuSeconds();
    auto start = std::chrono::steady_clock::now();
    fn();
    auto stop = std::chrono::steady_clock::now();
    cpuTimes.push_back((cpuSeconds() - cpuStart) * 1e3);
    times.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
    printRun(times.back(), cpuTimes.back());
  }
  printSummary(times, cpuTimes);
}

} // namespace attnc::bench

#endif // ATTNC_BENCH_TIMING_H
