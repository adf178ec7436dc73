//===- BufferSizes.h - Buffer sizes as polynomials in the dims --*- C++ -*-===//
//
// After bufferization the size of every buffer is an index value computed
// from the dims the ABI entry loads (docs/abi.md) or the function's integer
// arguments, through memref.dim of views, casts, loop-carried buffers and the
// memref descriptors ExposeModelABI builds around raw pointers. The resolver
// follows those chains and writes each size as a Polynomial in a few
// symbols, each an index value available at the top of the function.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_BUFFERSIZES_H
#define ATTNC_ANALYSIS_BUFFERSIZES_H

#include "attnc/Analysis/Polynomial.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Value.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>
#include <string>

namespace attnc {

/// A symbol of the polynomials: a dim of the ABI (an i64 the entry loads
/// from its `dims` argument) or an integer argument of the function.
struct SizeSymbol {
  enum class Kind { Dim, Argument } kind;
  unsigned index;    // position in `dims`, or argument number
  std::string name;  // from attn.dims / attn.name, else "dim3" / "arg2"
  mlir::Value value; // its first definition in the entry block
};

class SizeResolver {
public:
  explicit SizeResolver(mlir::func::FuncOp fn);

  /// The size of dimension `dim` of `memref`, if it is computed from symbols
  /// and constants by operations the resolver understands.
  std::optional<Polynomial> resolveDim(mlir::Value memref, int64_t dim);
  /// The value of an index or integer `value`, likewise.
  std::optional<Polynomial> resolveIndex(mlir::Value value);

  llvm::ArrayRef<SizeSymbol> getSymbols() const { return symbols; }
  std::vector<std::string> getSymbolNames() const;

private:
  std::optional<Polynomial> resolveDimUncached(mlir::Value memref,
                                               int64_t dim);
  std::optional<Polynomial> resolveIndexUncached(mlir::Value value);
  /// The symbol `value` is, if it is one.
  std::optional<unsigned> asSymbol(mlir::Value value);
  unsigned internSymbol(SizeSymbol::Kind kind, unsigned index,
                        mlir::Value value);

  mlir::func::FuncOp fn;
  llvm::SmallVector<SizeSymbol> symbols;
  llvm::DenseMap<std::pair<mlir::Value, int64_t>, std::optional<Polynomial>>
      dimCache;
  llvm::DenseMap<mlir::Value, std::optional<Polynomial>> indexCache;
  /// Loop-carried buffers whose size changes from iteration to iteration.
  llvm::DenseSet<std::pair<mlir::Value, int64_t>> failedLoopDims;
};

} // namespace attnc

#endif // ATTNC_ANALYSIS_BUFFERSIZES_H
