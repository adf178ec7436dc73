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
    argument and result attributes) and `attnc_model_forward(dims, buffers)`,
    which builds a memref for each raw buffer pointer, calls the model
    (inlined afterwards) and writes its results into the output buffers.
    Runs on tensors, before bufferization, so that the results can be
    computed directly in the caller's output buffers.
  }];
  let dependentDialects = [
    "mlir::LLVM::LLVMDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::func::FuncDialect", "mlir::memref::MemRefDialect"
  ];
}

def LowerContractions : Pass<"attnc-lower-contractions", "mlir::func::FuncOp"> {
  let summary = "Rewrite linalg contractions on buffers into register-blocked "
                "vector kernels";
  let description = [{
    Every f32 linalg op on buffers that computes `C[b.., m, n] += A * B` over
    one reduction loop (linalg.matmul, batch_matmul, the contractions of
    convert-attn-to-linalg, and products whose B is a weight packed at load)
    becomes a GotoBLAS-style loop nest: an `scf.parallel` over the batch and
    groups of 48-column panels, blocks of 256 k in which B is packed into a
    contiguous scratch buffer, and an 8 x 48 register tile of C (24
    `vector<16xf32>` accumulators) updated by `vector.fma`. Rows and columns
    that do not fill a tile use single-row tiles and masked loads and stores.
    Other linalg ops are left alone.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def ApproximateMath : Pass<"attnc-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Replace math.exp, tanh, erf, log, ... on f32 by polynomial "
                "approximations";
  let description = [{
    Applies MLIR's `populateMathPolynomialApproximationPatterns`, so that
    vector math stays in vector registers instead of becoming one libm call
    per lane (`math.exp` on `vector<16xf32>` is 16 `expf` calls otherwise).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::vector::VectorDialect"
  ];
}

def ScheduleParallelLoops : Pass<"attnc-schedule-parallel-loops"> {
  let summary = "Give every omp.wsloop a round-robin schedule(static, 1)";
  let description = [{
    Loops whose iterations differ in cost (causal attention: later query
    tiles see more keys) are balanced across threads by dealing iterations
    out one at a time instead of in contiguous blocks. Loops that already
    have a schedule are left alone.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::omp::OpenMPDialect"
  ];
}

def VectorizeGenerics : Pass<"attnc-vectorize-generics", "mlir::func::FuncOp"> {
  let summary = "Lower linalg ops on buffers to loops over 16-lane vectors";
  let description = [{
    For the linalg ops that are not contractions (elementwise ops,
    broadcasts, copies through index maps, reductions), generic over their
    bodies of arith and math ops: the innermost loop of the first output (or
    a reduction along the innermost loop, with vector accumulators) steps 16
    elements at a time with contiguous vector loads, broadcasts or gathers
    per operand and a masked remainder step, under an `scf.parallel` over
    the leading parallel loops. Named ops are generalized first; ops it
    cannot handle are left unchanged.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def UntieEmptyTensors : Pass<"attnc-untie-empty-tensors"> {
  let summary = "Give every use of a tensor.empty its own op";
  let description = [{
    Runs before empty-tensor elimination: when CSE has merged the
    `tensor.empty` destinations of unrelated results, MLIR 19's elimination
    can place several results in one buffer. Cloning the op before each
    further use keeps the destinations apart.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

#endif // ATTNC_CODEGEN_PASSES_TD
