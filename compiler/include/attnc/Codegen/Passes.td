//===- Passes.td - Code generation passes ------------------*- tablegen -*-===//
#ifndef ATTNC_CODEGEN_PASSES_TD
#define ATTNC_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def PlanMemory : Pass<"attnc-plan-memory", "mlir::ModuleOp"> {
  let summary = "Place intermediate buffers in one arena, by liveness";
  let description = [{
    Runs after bufferization, before buffer deallocation. In every function,
    each `memref.alloc` whose size is a polynomial in the dims (the i64
    values an ABI entry loads from its `dims` argument, or integer arguments)
    and whose buffer the analysis can follow (views, casts, `scf.for` and
    `scf.if` results; allocated outside parallel loops) gets an offset in one
    arena, chosen so that buffers live at the same time never overlap for any
    value of the dims: offsets are index arithmetic on the dims, computed
    once at the top of the function. The allocs become `memref.view`s of the
    arena, so the function body allocates nothing.

    In an ABI entry (`attnc.arena_slot`, set by attnc-expose-model-abi) the
    arena is the buffer the caller passes in that slot of `buffers`; when the
    caller passes NULL, the entry allocates it for the call and returns 2 if
    that fails. The arena's size, a polynomial in the dims, goes into the
    manifest as "arena" (docs/abi.md). Elsewhere the arena is one
    `memref.alloc` at the top of the function.
  }];
  let dependentDialects = [
    "mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect"
  ];
}

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
