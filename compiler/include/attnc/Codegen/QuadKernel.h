//===- QuadKernel.h - int8 x int8 products of LowerContractions -*- C++ -*-===//
//
// The inner loops of LowerContractions for an int8 weight packed in quads of
// k (Contraction::rhsIsQuads, layout panel_quads) whose input is quantized
// per block of 32 k (`attnc compile --weight-type int8 --round-activations`,
// docs/abi.md "int8 x int8 products"). Each row of A is quantized once per
// row tile into a scratch of int8 quads (kept as i32 words), with its block
// scales and the correction of each block; then per quad of k, 3 loads of the
// panel (4 k of 16 columns each), the sign bit of each weight byte flipped
// (q_w + 128, unsigned), one broadcast word of A per row and one `vpdpbusd`
// per accumulator (AVX512_VNNI, or AVX-VNNI / AVX512VL at 8 lanes: the LLVM
// intrinsic, MLIR 19's x86vector has no VNNI op). At a block's end each
// exact i32 sum less 128 * sum(q_x) is converted and added to the f32
// accumulators times scale_x * scale_w. Without VNNI (QuadProducts.h), AVX2
// and AVX512BW take |q_w| per panel load and, per row and vector, A's word
// with q_w's sign, vpmaddubsw, vpmaddwd by ones and an add: the same i32
// sums with no correction; other targets compute them by shifts, masks and
// i32 products. Bit-identical results every way.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_QUADKERNEL_H
#define ATTNC_CODEGEN_QUADKERNEL_H

#include "attnc/Codegen/LaneKernel.h"
#include "attnc/Codegen/QuadProducts.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace attnc::codegen {

class QuadKernel : LaneKernel {
public:
  QuadKernel(mlir::OpBuilder &b, mlir::Location loc, int64_t lanes,
             QuadProducts products)
      : LaneKernel(b, loc, lanes, products == QuadProducts::Vnni),
        products(products) {}

  /// Rows of a tile: per row 3 i32 sums and 3 f32 accumulators, plus 3
  /// panel registers and a broadcast (4 x 48 of 32 zmm, 2 x 24 of 16 ymm).
  /// Madd holds the signs too (3 more registers on AVX2, mask registers on
  /// AVX-512) and a constant: on AVX2 the f32 accumulators, untouched by
  /// the quads' loop, wait in memory around it (one load and store per
  /// block of 32 k).
  static int64_t rowTile(const VectorTarget &target);

  /// The scratch of one tile of `rows` rows of `depth` k.
  struct Scratch {
    mlir::Value quads;  // i32 [rows][blocks * 8]: q_x, 4 per word
    mlir::Value sums;   // i32 [rows][blocks]: 128 * sum(q_x) of a block,
                        // the correction of biased weights (null if
                        // unbiased())
    mlir::Value scales; // f32 [rows][blocks]: scale_x
  };
  Scratch allocScratch(int64_t rows, int64_t depth);

  /// Quantizes elements [0, depth) of A's rows 0 .. rows-1 (each contiguous;
  /// `rowAt(i, j)` the indices of element j of row i) into `scratch`, block
  /// by block of 32, zeros past `depth`.
  void quantizeRows(mlir::Value a,
                    llvm::function_ref<llvm::SmallVector<mlir::Value>(
                        int64_t, mlir::Value)>
                        rowAt,
                    int64_t rows, int64_t depth, const Scratch &scratch);

  /// The k loop of a tile over blocks [firstBlock, endBlock) of the
  /// `depth` k: `acc` (rows x `vectors` f32 accumulators, row-major) plus
  /// the products of the quantized rows and `panels[slot][q][0 .. 4W)`
  /// (quads collapsed to rows of 4W bytes), scaled by
  /// `rhsScales[slot][block][0 .. W)`.
  mlir::scf::ForOp emitLoop(mlir::Value panels, mlir::Value rhsScales,
                            mlir::Value slot, mlir::Value firstBlock,
                            mlir::Value endBlock, int64_t depth,
                            const Scratch &scratch, int64_t rows,
                            int64_t vectors, mlir::ValueRange acc);

private:
  /// A vector of the panel (4 x lanes weight bytes) as dotQuads reads it.
  struct Weights {
    mlir::Value bytes; // q_w + 128 (biased), or |q_w| (Madd)
    mlir::Value signs; // Madd: where q_w < 0 (i1 per byte), or q_w itself
  };
  /// Whether the weights are read as they are stored (Madd): no q_w + 128,
  /// so no correction.
  bool unbiased() const { return products == QuadProducts::Madd; }
  Weights loadWeights(mlir::Value panels, mlir::ValueRange indices);
  /// acc + per lane the sum of the 4 products of w's bytes and a's (the
  /// broadcast word of A's row).
  mlir::Value dotQuads(mlir::Value acc, const Weights &w, mlir::Value a);

  QuadProducts products;
};

} // namespace attnc::codegen

#endif // ATTNC_CODEGEN_QUADKERNEL_H
