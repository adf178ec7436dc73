//===- LaneKernel.h - The inner loops of LowerContractions -*- C++ -*-===//
//
// The base of the emitters of LowerContractions' special inner loops
// (PairKernel.h: bf16 pairs, QuadKernel.h: int8 quads): a builder at a
// location, the lanes of one vector register of the target, and whether the
// target's dot-product instruction is used (or the same numbers computed
// without it).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_LANEKERNEL_H
#define ATTNC_CODEGEN_LANEKERNEL_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace attnc::codegen {

class LaneKernel {
public:
  /// `dot`: use the target's dot-product instruction at `lanes` lanes.
  LaneKernel(mlir::OpBuilder &b, mlir::Location loc, int64_t lanes, bool dot)
      : b(b), loc(loc), lanes(lanes), dot(dot) {}

protected:

  mlir::Value index(int64_t v) {
    return b.create<mlir::arith::ConstantIndexOp>(loc, v);
  }
  /// `v` in each of `lanes` i32 lanes.
  mlir::Value i32Splat(int64_t v) {
    auto type = mlir::VectorType::get({lanes}, b.getI32Type());
    return b.create<mlir::arith::ConstantOp>(
        loc, mlir::DenseElementsAttr::get(
                 type, b.getI32IntegerAttr(static_cast<int32_t>(v))));
  }

  mlir::OpBuilder &b;
  mlir::Location loc;
  int64_t lanes;
  bool dot;
};

} // namespace attnc::codegen

#endif // ATTNC_CODEGEN_LANEKERNEL_H
