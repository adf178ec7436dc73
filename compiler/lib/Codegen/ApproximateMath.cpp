//===- ApproximateMath.cpp - Polynomial exp, tanh, erf, ... ---------------===//
//
// The LLVM lowering of a vector<16xf32> math.exp is 16 calls to libm's expf
// (LLVM 19 has no 16-wide vector library mapping here): ~10x slower than
// MLIR's polynomial approximations, which stay in vector registers and are
// within about 1 ulp of expf (exp(-inf) = 0 and NaN stay exact).
//
// What has neither an approximation nor an LLVM intrinsic afterwards (erf,
// tanh, ... on f64) becomes a libm call. Only those ops: libm lowering
// unrolls vectors, so the fma and floor of the polynomials must not see it.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Conversion/MathToLibm/MathToLibm.h"
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

/// Math ops that convert-math-to-llvm cannot lower.
bool needsLibm(Operation *op) {
  return isa<math::AcosOp, math::AcoshOp, math::AsinOp, math::AsinhOp,
             math::AtanOp, math::Atan2Op, math::AtanhOp, math::CbrtOp,
             math::CoshOp, math::ErfOp, math::SinhOp, math::TanOp,
             math::TanhOp>(op);
}

struct ApproximateMathPass
    : attnc::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet approximations(&getContext());
    populateMathPolynomialApproximationPatterns(approximations);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(approximations))))
      return signalPassFailure();

    SmallVector<Operation *> leftovers;
    getOperation()->walk([&](Operation *op) {
      if (needsLibm(op))
        leftovers.push_back(op);
    });
    if (leftovers.empty())
      return;
    RewritePatternSet libm(&getContext());
    populateMathToLibmConversionPatterns(libm);
    GreedyRewriteConfig config;
    config.strictMode = GreedyRewriteStrictness::ExistingOps;
    if (failed(applyOpPatternsAndFold(leftovers, std::move(libm), config)))
      signalPassFailure();
  }
};

} // namespace
