//===- BufferLiveness.h - When a buffer may be accessed ---------*- C++ -*-===//
//
// Numbers the operations of a function in program order (pre-order, so that
// an operation with regions spans the numbers of everything inside it) and
// computes, for a memref.alloc, the range of numbers during which its buffer
// may be read or written: through every alias (views, casts, loop-carried
// and branch-yielded values), over whole loops when used inside a loop it
// was not allocated in, and over the whole body of a loop that carries it to
// its next iteration.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_BUFFERLIVENESS_H
#define ATTNC_ANALYSIS_BUFFERLIVENESS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Operation.h"

#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace attnc {

struct Lifetime {
  int64_t begin = 0, end = 0; // closed range of program points
  /// The loop whose iterations alternate between two copies of the buffer
  /// (null: one copy is enough): the loop carries it to the next iteration,
  /// which allocates its own before it is done reading the previous one.
  mlir::scf::ForOp doubleBufferedIn;
};

class BufferLiveness {
public:
  explicit BufferLiveness(mlir::Operation *root);

  int64_t indexOf(mlir::Operation *op) const { return index.lookup(op); }
  /// The last number inside `op` (itself if it has no regions).
  int64_t endOf(mlir::Operation *op) const { return end.lookup(op); }

  /// The lifetime of the buffer `alloc` returns, or nullopt if it may
  /// outlive the function or be reached in ways this analysis does not
  /// follow (returned, passed to a call, cast to a pointer, carried by a loop
  /// that may pass it on unchanged to a later iteration, ...).
  std::optional<Lifetime> lifetimeOf(mlir::memref::AllocOp alloc) const;

private:
  struct Uses {
    bool escapes = false;
    /// Whether an alias reaches a yield of the `boundary` loop.
    bool reachesBoundary = false;
    int64_t last = -1;
    /// (loop, position) of every scf.for yield an alias reaches.
    llvm::SmallVector<std::pair<mlir::scf::ForOp, unsigned>> yieldedTo;
  };
  /// Every use of `root` and its aliases. With `boundary`, a yield of that
  /// loop counts as a use but is not followed into the next iteration.
  Uses collectUses(mlir::Value root, mlir::Operation *boundary) const;
  /// The last point at which `user` may access a value defined in `scope`:
  /// the end of `user`, or of the outermost loop between them.
  int64_t usePoint(mlir::Operation *user, mlir::Region *scope) const;

  llvm::DenseMap<mlir::Operation *, int64_t> index, end;
};

} // namespace attnc

#endif // ATTNC_ANALYSIS_BUFFERLIVENESS_H
