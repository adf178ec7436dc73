//===- ApproximateMath.cpp - Polynomial exp, tanh, erf, ... ---------------===//
//
// The LLVM lowering of a vector<16xf32> math.exp is 16 calls to libm's expf
// (LLVM 19 has no 16-wide vector library mapping here): ~10x slower than
// MLIR's polynomial approximations, which stay in vector registers and are
// within about 1 ulp of expf (exp(-inf) = 0 and NaN stay exact).
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace attnc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

struct ApproximateMathPass
    : attnc::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
