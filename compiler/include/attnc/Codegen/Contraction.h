//===- Contraction.h - Matrix products that get a vector kernel -*- C++ -*-===//
//
// Recognizes the linalg ops (on buffers) that LowerContractions rewrites into
// register-blocked vector kernels, and the shape of those kernels.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_CONTRACTION_H
#define ATTNC_CODEGEN_CONTRACTION_H

#include "attnc/Codegen/QuadProducts.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"
#include "attnc/model_abi.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace attnc::codegen {

// The vector width, the panel width and the register tile follow the
// module's target (VectorTarget.h): 16 lanes, panels of 48 and 8-row tiles
// on AVX-512; 8 lanes, panels of 24 and 4-row tiles on AVX2.

/// 256 k x 48 columns x 8 panels of packed B (384 KiB) stay in the 2 MiB L2.
inline constexpr int64_t kDepthBlock = 256;
/// The k block of a weight packed at load in a narrower type: the same
/// bytes, so more k (bf16: 512, int8: 1024). Longer contiguous runs of each
/// panel: a decode step's int8 product ran 1.8x faster with them.
int64_t depthBlockOf(mlir::Type rhsElement, bool rhsIsPacked);
inline constexpr int64_t kPanelsPerGroup = 8;
/// How far ahead a single row (a decode step) prefetches an int8 panel it
/// streams from memory where its loop is dense in instructions (int8
/// widened for an f32 input; int8 x int8 without VNNI): the out-of-order
/// window alone reached too few loads ahead (attnc-prefetch-ahead). 16 KiB
/// was among the fastest of 1 to 16 KiB on GPT-2's decode step
/// (docs/performance.md, session 25).
inline constexpr int64_t kStreamPrefetchBytes = 16384;
/// With more than one thread, a product is cut into at least this many
/// iterations of its parallel loop per thread where it has them (narrower
/// groups of panels, then blocks of rows), so that the threads' contiguous
/// ranges of iterations differ by at most a small fraction.
inline constexpr int64_t kSharesPerThread = 4;
/// A one-row product (a decode step) of a weight with few panels is also cut
/// along K, so that 32 or 64 threads each still stream a part of it: into
/// at least this many pieces (a panel's rows of one chunk of k) where K has
/// room for chunks of kMinChunkDepth k. The cut follows from the shapes
/// alone, never from the thread count: every count gives the same results.
inline constexpr int64_t kDecodePieces = 128;
/// The least k of a chunk: 256 k of an f32 panel are 48 KiB in a row.
inline constexpr int64_t kMinChunkDepth = 256;
/// The k of each chunk (the last may be shorter) of a one-row product with
/// `numPanels` panels and `depth` k (both static); `depth` itself where the
/// product is not cut along K. A multiple of kInt8Block: chunks hold whole
/// scale blocks, quads and pairs.
int64_t decodeChunkDepth(int64_t numPanels, int64_t depth);
// kInt8Block (WeightStorage.h): k values sharing one scale in an int8 weight.
static_assert(kDepthBlock % kInt8Block == 0,
              "a k block holds whole int8 scale blocks");
/// Sets of accumulators a one-row int8 tile sums a block's products into,
/// alternating per k: two sets of 3 vectors are six independent FMA chains
/// where one set's three would wait on the FMA latency.
inline constexpr int64_t kInt8PartialSets = 2;
/// k values side by side per column of an int8 weight in quads (layouts
/// panel_quads and panel_quads_f32): the 4 bytes of one i32 lane.
inline constexpr int64_t kQuad = 4;
static_assert(kInt8Block % kQuad == 0, "a scale block holds whole quads");

/// C[batch.., m, n] += A[...] * B[...] over one reduction loop k, where C's
/// rows are contiguous along n. Loop positions refer to the op's loops.
struct Contraction {
  mlir::linalg::LinalgOp op;
  /// The vector unit of the module holding `op`.
  VectorTarget target;
  llvm::SmallVector<unsigned> batch;
  unsigned m = 0, n = 0, k = 0;
  /// B's last dimension is n with unit stride: its rows copy as vectors.
  bool rhsIsKN = false;
  /// B is a weight packed at load as [ceil(N / W)][K][W], W the target's
  /// panel width: it is read by the map (n floordiv W, k, n mod W) and needs
  /// no packing.
  bool rhsIsPacked = false;
  /// B's element type: f32, or bf16/f16 (a weight stored narrower) that the
  /// body widens with arith.extf and the kernel widens in registers, or i8
  /// (an int8 weight, packed), widened with arith.sitofp and multiplied by
  /// its block's scale.
  mlir::Type rhsElement;
  /// int8 B only: the third input, f32 scales packed as B's panels with one
  /// row per block of ATTNC_INT8_BLOCK k: [ceil(N / W)][ceil(K / 32)][W],
  /// read by (n floordiv W, k floordiv 32, n mod W).
  mlir::Value rhsScales;
  /// B is a bf16 weight packed at load in pairs of k
  /// ([ceil(N / W)][ceil(K / 2)][W][2], read by (n floordiv W, k floordiv 2,
  /// n mod W, k mod 2)) and the body rounds A to bf16 before the product
  /// (layout panel_pairs, `attnc compile --round-activations`). A's rows
  /// are contiguous along k. rhsIsPacked is set too.
  bool rhsIsPairs = false;
  /// Pairs computed by AVX512_BF16's vdpbf16ps: the target has avx512bf16
  /// and 16 lanes. Otherwise the pairs are widened and multiplied by FMAs,
  /// with the same rounding of A.
  bool bf16Dot = false;
  /// Full 16-row tiles of the pairs on AMX tiles (AmxKernel.h): bf16Dot
  /// and the target has amx-tile and amx-bf16, K static and a multiple of
  /// 32. Row blocks are then whole 16-row tiles.
  bool amx = false;
  /// B is an int8 weight packed at load in quads of k
  /// ([ceil(N / W)][ceil(K / 4)][W][4], read by (n floordiv W, k floordiv 4,
  /// n mod W, k mod 4), with its scales as for int8 panels) and A is
  /// quantized per block of 32 k first (the op carries kQuantizeLhsAttr;
  /// layout panel_quads, `attnc compile --weight-type int8
  /// --round-activations`). A's rows are contiguous along k and K is static.
  /// rhsIsPacked is set too.
  bool rhsIsQuads = false;
  /// How the quads' byte products are summed (quadProductsFor):
  /// vpdpbusd, vpmaddubsw + vpmaddwd, or i32 arithmetic; the same exact
  /// sums, hence the same results, each way.
  QuadProducts int8Products = QuadProducts::Shifts;
  /// B is an int8 weight in quads as above, but A stays f32 (layout
  /// panel_quads_f32, `attnc compile --weight-type int8`): each weight is
  /// widened and scaled as for int8 panels, 4 k of a vector's columns from
  /// one load (LowerContractions). K is static; rhsIsPacked is set too.
  bool rhsIsWideQuads = false;
};

/// The contraction `op` computes, if LowerContractions handles it: f32 (B
/// may be bf16 or f16, widened, or packed int8 with its scales, or bf16
/// pairs with A rounded to bf16, or int8 quads with A quantized), buffer
/// semantics, a multiply-accumulate body, and maps that are projected
/// permutations (B may instead be packed, as above).
std::optional<Contraction> matchContraction(mlir::linalg::LinalgOp op);

/// A memref of rank >= 1 whose last dimension has stride 1 (its rows load
/// as vectors).
bool hasUnitInnerStride(mlir::Value buffer);

/// The vector of `type` (f32 lanes) at `indices` of int8 panels' `scales`,
/// widened from f16 where they are f16.
mlir::Value loadScales(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::VectorType type, mlir::Value scales,
                       mlir::ValueRange indices);

} // namespace attnc::codegen

#endif // ATTNC_CODEGEN_CONTRACTION_H
