//===- Passes.td - Code generation passes ------------------*- tablegen -*-===//
#ifndef ATTNC_CODEGEN_PASSES_TD
#define ATTNC_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExposeModelABI : Pass<"attnc-expose-model-abi", "mlir::ModuleOp"> {
  let summary = "Wrap the model function in the plain C ABI of docs/abi.md";
  let description = [{
    Finds the function marked `attn.model`, and adds the three exported
    functions of a compiled model: `attnc_model_abi_version`,
    `attnc_model_manifest` (a JSON description built from the `attn.*`
    argument and result attributes), `attnc_model_forward(dims, buffers)`
    and, for decoders that attn-kv-cache prepared, `attnc_model_step(dims,
    buffers, kv_cache, capacity, position)`,
    which builds a memref for each raw buffer pointer, calls the model
    (inlined afterwards) and writes its results into the output buffers.
    Runs on tensors, before bufferization, so that the results can be
    computed directly in the caller's output buffers.
  }];
  let dependentDialects = [
    "mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
    "mlir::bufferization::BufferizationDialect", "mlir::func::FuncDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect"
  ];
}

#endif // ATTNC_CODEGEN_PASSES_TD
