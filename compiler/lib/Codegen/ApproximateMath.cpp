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
// sin and cos first get their argument reduced to [-pi, pi] in f64: MLIR's
// approximation subtracts multiples of pi/2 in f32, with one f32 constant,
// so its error grows with the argument (3e-4 at 4096: the rotary angles of
// position 4096, where PyTorch's cos and sin are exact to an ulp).
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/Support/MathExtras.h"

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

/// Replaces the f32 argument x of every sin and cos by x - 2 pi k, k the
/// integer nearest x / (2 pi), computed in f64 (x and k exact, 2 pi to
/// 1e-16) and rounded back to f32: below |x| = 2^30 the f64 error (k's
/// product rounded, at most 2^-23 there) stays under an f32 ulp of pi.
void reduceSinCosArguments(Operation *root) {
  root->walk([](Operation *op) {
    if (!isa<math::SinOp, math::CosOp>(op))
      return;
    Value x = op->getOperand(0);
    Type type = x.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return;
    OpBuilder b(op);
    Location loc = op->getLoc();
    Type wide = b.getF64Type();
    if (auto vector = dyn_cast<VectorType>(type))
      wide = vector.clone(wide);
    auto constant = [&](double value) {
      return createScalarOrSplatConstant(b, loc, wide, APFloat(value));
    };
    constexpr double twoPi = 2 * llvm::numbers::pi;
    Value wideX = b.create<arith::ExtFOp>(loc, wide, x);
    Value turns = b.create<math::RoundEvenOp>(
        loc, b.create<arith::MulFOp>(loc, wideX, constant(1 / twoPi)));
    Value reduced = b.create<arith::SubFOp>(
        loc, wideX, b.create<arith::MulFOp>(loc, turns, constant(twoPi)));
    op->setOperand(0, b.create<arith::TruncFOp>(loc, type, reduced));
  });
}

struct ApproximateMathPass
    : attnc::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    reduceSinCosArguments(getOperation());
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
