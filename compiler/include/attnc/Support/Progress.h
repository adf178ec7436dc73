//===- Progress.h - A progress line on a terminal ---------------*- C++ -*-===//
//
// Long steps (reading and packing a large checkpoint, compiling a model)
// show one line on stderr that rewrites itself: done and total, rate, time
// left. Only on a terminal: a pipe or a file gets nothing, and --quiet turns
// it off.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_SUPPORT_PROGRESS_H
#define ATTNC_SUPPORT_PROGRESS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace attnc {

/// Bytes read, or steps (passes) done.
enum class ProgressUnit { Bytes, Steps };

/// "1.50 GB of 4.20 GB (35%), 850.0 MB/s, 3.2 s left" or
/// "12 of 40 steps (30%), 2.1 s" (steps take too different times for a
/// time left). The rate, time left and time spent appear once something is
/// done and time has passed.
std::string formatProgress(ProgressUnit unit, uint64_t done, uint64_t total,
                           double seconds);

/// "512 B", "1.5 kB", "2.00 MB", "4.20 GB" (powers of 1000).
std::string formatBytes(uint64_t bytes);

class ProgressLine {
public:
  /// Shows nothing unless `enabled`; see wanted().
  ProgressLine(llvm::raw_ostream &os, bool enabled, std::string label,
               ProgressUnit unit);
  ~ProgressLine() { finish(); }

  /// Whether progress belongs on `os`: a terminal, and not --quiet.
  static bool wanted(llvm::raw_ostream &os, bool quiet) {
    return !quiet && os.is_displayed();
  }

  /// Rewrites the line (at most every 100 ms, and always for the last
  /// update, done == total); `detail` is appended in brackets.
  void update(uint64_t done, uint64_t total, llvm::StringRef detail = {});
  /// Erases the line, so that what follows starts on a clean one.
  void finish();

private:
  using Clock = std::chrono::steady_clock;
  llvm::raw_ostream &os;
  bool enabled;
  bool shown = false;
  std::string label;
  ProgressUnit unit;
  Clock::time_point start = Clock::now();
  Clock::time_point lastDrawn;
};

} // namespace attnc

#endif // ATTNC_SUPPORT_PROGRESS_H
