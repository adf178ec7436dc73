//===- Profile.h - Where a compiled model's runs spend their time -*- C++ -*-===//
//
// The generated code calls the model's profile hook around every kernel
// (attnc-profile-regions; manifest "profile"). While a Profile is recording a
// run, the hook points at it: it sums each kernel's wall time per layer on
// the calling thread, and each thread's busy time inside parallel kernels.
// Profiled runs of all models take turns (the hook has no context
// argument); unprofiled ones are unaffected.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_PROFILE_H
#define ATTNC_RUNTIME_LIB_PROFILE_H

#include "Manifest.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attnc::rt {

class Profile {
public:
  /// `hookSlot`: the model's attnc_model_profile_hook global;
  /// `threadNum`: libomp's omp_get_thread_num, or null.
  Profile(const Manifest &manifest, void **hookSlot, int (*threadNum)());

  /// Calls `run` (one forward or step call) with the hook installed.
  template <typename Run> auto record(Run &&run) {
    Recording recording(*this);
    return run();
  }

  /// Every run so far, as a table or, with `json`, a JSON object
  /// (docs/performance.md).
  std::string report(bool json) const;
  void reset();

  /// Threads the per-thread figures distinguish.
  static constexpr int kMaxThreads = 4096;

private:
  struct Stats {
    int64_t calls = 0;
    int64_t wallNs = 0;
    std::atomic<int64_t> busyNs{0};
  };
  class Recording {
  public:
    explicit Recording(Profile &profile);
    ~Recording();

  private:
    Profile &profile;
    int64_t start;
  };
  static void hook(int32_t event, int32_t region, int32_t layer);
  void onEvent(int32_t event, int32_t region, int32_t layer);

  const Manifest &manifest;
  void **hookSlot;
  int (*threadNum)();
  /// By region and layer (-1 outside the layer loop); written by the
  /// calling thread only, between kernels.
  std::map<std::pair<int32_t, int32_t>, Stats> stats;
  /// The kernel running now; read by the threads of a parallel one.
  std::atomic<Stats *> current{nullptr};
  int64_t regionStart = 0;
  int64_t runs = 0, runNs = 0;
  std::unique_ptr<std::atomic<int64_t>[]> threadBusyNs;
  std::atomic<int> threadsSeen{1};
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_PROFILE_H
