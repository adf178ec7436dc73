//===- Pipeline.h - attnc's pass pipelines and registrations ----*- C++ -*-===//
#ifndef ATTNC_CODEGEN_PIPELINE_H
#define ATTNC_CODEGEN_PIPELINE_H

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

/// Graph passes on the attn dialect: canonicalization, attention and
/// projection fusion (only with `fuse`), then the KV-cache entry of decoders.
void buildGraphPipeline(mlir::OpPassManager &pm, bool fuse = true);

/// attn (tensors) -> linalg on tensors.
void buildAttnToLinalgPipeline(mlir::OpPassManager &pm);

/// linalg on tensors -> LLVM dialect: the C ABI wrapper, bufferization,
/// loops, and the conversions to the LLVM dialect.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm);

} // namespace attnc

#endif // ATTNC_CODEGEN_PIPELINE_H
