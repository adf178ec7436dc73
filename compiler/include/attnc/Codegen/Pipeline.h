//===- Pipeline.h - attnc's pass pipelines and registrations ----*- C++ -*-===//
#ifndef ATTNC_CODEGEN_PIPELINE_H
#define ATTNC_CODEGEN_PIPELINE_H

#include <string>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace attnc {

/// The dialects, interface models and LLVM IR translations attnc uses; only
/// these, to keep the build and start-up small.
void registerAttncDialects(mlir::DialectRegistry &registry);

/// attnc's passes and the upstream passes its pipelines use, so that every
/// step is available by name to attnc-opt and --mlir-print-ir-* options.
void registerAttncPasses();

struct GraphPipelineOptions {
  /// Canonicalization and attention fusion; without them the attn graph is
  /// compiled as written.
  bool fuse = true;
  /// The debug build: every attention's probabilities become extra outputs
  /// (attn-expose-attention-probs), and there is no incremental-decoding
  /// entry.
  bool debugAttention = false;
  /// "f32", "bf16" or "f16": the storage of every matrix weight
  /// (attn-weight-storage); empty keeps what the source declares.
  std::string weightType;
};

/// Graph passes on the attn dialect: the weights' storage type (with
/// `weightType`), canonicalization and fusion (only with `fuse`), then the KV-cache entry of decoders, or the attention outputs
/// of a debug build.
void buildGraphPipeline(mlir::OpPassManager &pm,
                        const GraphPipelineOptions &options = {});

/// attn (tensors) -> linalg on tensors.
void buildAttnToLinalgPipeline(mlir::OpPassManager &pm);

/// linalg on tensors -> LLVM dialect: the C ABI wrapper, bufferization,
/// loops, and the conversions to the LLVM dialect.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm);

} // namespace attnc

#endif // ATTNC_CODEGEN_PIPELINE_H
