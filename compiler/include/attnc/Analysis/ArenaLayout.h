//===- ArenaLayout.h - Offsets of buffers in one arena ----------*- C++ -*-===//
//
// Places buffers with symbolic sizes and known live ranges in one block of
// memory, so that buffers live at the same time never overlap, for every
// value of the symbols. Offsets and the arena size are polynomials too.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_ARENALAYOUT_H
#define ATTNC_ANALYSIS_ARENALAYOUT_H

#include "attnc/Analysis/Polynomial.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

namespace attnc {

/// A buffer: its size in bytes and the closed range [begin, end] of program
/// points where it is live.
struct BufferRequest {
  Polynomial bytes;
  int64_t begin = 0, end = 0;

  bool overlapsInTime(const BufferRequest &other) const {
    return begin <= other.end && other.begin <= end;
  }
};

struct ArenaLayout {
  llvm::SmallVector<Polynomial> offsets; // one per request, in bytes
  Polynomial size;                       // an upper bound of every end
};

/// Greedy best fit, largest buffers first (sizes compared at the symbol
/// values `typical`). A buffer goes at the lowest candidate offset (0 or the
/// end of a buffer live at the same time) that provably clears every
/// buffer live at the same time; the upper bound of their ends always does.
/// With sizes that are multiples of an alignment, so are the offsets.
ArenaLayout layOutArena(llvm::ArrayRef<BufferRequest> requests,
                        llvm::ArrayRef<int64_t> typical);

} // namespace attnc

#endif // ATTNC_ANALYSIS_ARENALAYOUT_H
