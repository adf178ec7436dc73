//===- Pipelines.cpp - attnc's pass pipelines ------------------------------===//
#include "attnc/Pipeline/Pipelines.h"
#include "attnc/Codegen/Passes.h"
#include "attnc/Conversion/Passes.h"
#include "attnc/Dialect/Attn/ABI/Passes.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void attnc::buildGraphPipeline(OpPassManager &pm,
                               const GraphPipelineOptions &options) {
  // Not an optimization: what the weights are stored as. Before fusion,
  // which packs in the stored type.
  // int8 is a packing: the parameters stay f32, their panels are int8.
  bool int8 = options.weightType == kInt8WeightType;
  if (!options.weightType.empty() && !int8)
    pm.addPass(attn::createWeightStorage({options.weightType}));
  if (options.fuse) {
    pm.addPass(createCanonicalizerPass());
    pm.addNestedPass<func::FuncOp>(attn::createFuseAttention());
    pm.addPass(attn::createFuseProjections());
    pm.addPass(attn::createPackWeights(
        {int8 ? kInt8WeightType.str() : std::string(),
         options.roundActivations}));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  // Not optimizations: they add the attention outputs of a debug build, or
  // the incremental-decoding entry.
  if (options.debugAttention)
    pm.addPass(attn::createExposeAttentionProbs());
  else {
    pm.addPass(attn::createIntroduceKVCache({options.kvCacheType}));
    pm.addPass(attn::createStepLastPosition());
  }
}

void attnc::buildAttnToLinalgPipeline(OpPassManager &pm) {
  // While the lookups are still attn.embedding: the bounds the runtime checks.
  pm.addPass(attn::createBoundEmbeddingIndices());
  pm.addPass(createConvertAttnToLinalg());
  // What attn passes write with arith on tensors (a KV cache's rounding).
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void attnc::buildLinalgToLLVMPipeline(OpPassManager &pm,
                                      const LoweringOptions &options) {
  pm.addPass(createExposeModelABI());
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // CSE may have made one tensor.empty the destination of several outputs;
  // MLIR 19's empty-tensor elimination would then write them all into one
  // buffer (test/E2E/two-outputs.test). Untied, elimination is safe and
  // saves each output a copy into the caller's buffer.
  pm.addPass(createUntieEmptyTensors());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());

  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  // The layer loop carries the hidden state; each layer yields a new buffer.
  bufferization.allowReturnAllocsFromLoops = true;
  // Copies become loops: memref.copy of strided views would otherwise call
  // memrefCopy from MLIR's runtime library, which models do not link.
  bufferization.memCpyFn = [](OpBuilder &b, Location loc, Value from,
                              Value to) {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addNestedPass<func::FuncOp>(createPrepareTileFusion());
  pm.addPass(createPlanMemory());
  bufferization::BufferDeallocationPipelineOptions deallocation;
  bufferization::buildBufferDeallocationPipeline(pm, deallocation);

  pm.addPass(createLowerContractions());
  pm.addPass(createPrefetchAhead());
  if (options.emulateAmx)
    pm.addPass(createEmulateAmx());
  pm.addNestedPass<func::FuncOp>(createVectorizeGenerics());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // A vector.transfer_read of a buffer whose last stride is not 1 becomes
  // one scalar load per lane (unrolled); the others become vector loads in
  // ConvertVectorToLLVM.
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createForallToParallelLoopPass());
  pm.addPass(createApproximateMath());
  pm.addPass(createScopeLoopAllocas());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createScheduleParallelLoops());
  pm.addPass(createMergeParallelRegions());
  pm.addPass(createGuardParallelRegions());
  pm.addPass(createProfileRegions());
  pm.addPass(createWriteManifest());
  pm.addPass(createShareKernels());
  // arith.truncf f32 -> bf16 (a bf16 KV cache's stores) as integer ops that
  // round to nearest, ties to even, exactly as PyTorch: LLVM would otherwise
  // call compiler-rt's __truncsfbf2 on a CPU without AVX512_BF16 (a routine
  // models do not link), and use vcvtneps2bf16 on one with it, which
  // flushes subnormal inputs to zero.
  arith::ArithExpandOpsPassOptions expandOptions;
  expandOptions.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expandOptions));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // The order of the LLVM conversions matters with OpenMP regions:
  // alloca_scope must reach the LLVM dialect before scf becomes cf, and
  // every dialect inside omp regions must be converted before omp itself.
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertSCFToCFPass());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  // The AMX tiles of bf16 pair products (AmxKernel.h), where the target
  // has them.
  vectorToLLVM.amx = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}
