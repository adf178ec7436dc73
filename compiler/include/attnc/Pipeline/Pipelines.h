//===- Pipelines.h - attnc's pass pipelines ---------------------*- C++ -*-===//
//
// The order in which attnc compile runs the passes of every layer (the
// dialect's graph and ABI passes, the conversion, code generation); the
// driver assembles these, attnc-opt runs any pass alone.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PIPELINE_PIPELINES_H
#define ATTNC_PIPELINE_PIPELINES_H

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace attnc {

struct GraphPipelineOptions {
  /// Canonicalization and attention fusion; without them the attn graph is
  /// compiled as written.
  bool fuse = true;
  /// The debug build: every attention's probabilities become extra outputs
  /// (attnc-expose-attention-probs), and there is no incremental-decoding
  /// entry.
  bool debugAttention = false;
  /// "f32", "bf16" or "f16": the storage of every matrix weight
  /// (attnc-weight-storage); empty keeps what the source declares.
  std::string weightType;
  /// bf16 weights packed in panel_pairs, their linears' inputs rounded to
  /// bf16 (`attnc compile --round-activations`: bf16 dot products).
  bool roundActivations = false;
  /// "f32", "bf16" or "f16": what a decoder's KV cache holds
  /// (attnc-kv-cache cache-type).
  std::string kvCacheType = "f32";
};

/// Graph passes on the attn dialect: the weights' storage type (with
/// `weightType`), canonicalization and fusion (only with `fuse`), then the KV-cache entry of decoders, or the attention outputs
/// of a debug build.
void buildGraphPipeline(mlir::OpPassManager &pm,
                        const GraphPipelineOptions &options = {});

/// attn (tensors) -> linalg on tensors.
void buildAttnToLinalgPipeline(mlir::OpPassManager &pm);

struct LoweringOptions {
  /// AMX tile ops replaced by vector code computing the same
  /// (attnc-emulate-amx, `attnc compile --emulate-amx`): a model compiled
  /// for a CPU with AMX runs its AMX kernels on any CPU, for tests.
  bool emulateAmx = false;
};

/// linalg on tensors -> LLVM dialect: the C ABI wrapper, bufferization,
/// loops, and the conversions to the LLVM dialect.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm,
                               const LoweringOptions &options = {});

} // namespace attnc

#endif // ATTNC_PIPELINE_PIPELINES_H
