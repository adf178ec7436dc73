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
    and, for decoders that attnc-kv-cache prepared, `attnc_model_step(dims,
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

def WriteManifest : Pass<"attnc-write-manifest", "mlir::ModuleOp"> {
  let summary = "Write the manifest the passes built as the JSON text of "
                "the manifest global";
  let description = [{
    attnc-expose-model-abi puts the manifest on the global
    `__attnc_manifest` as the dictionary `attnc.manifest`, and later passes
    set members of it (attnc-plan-memory "arena", attnc-profile-regions
    "profile"). This pass, after all of them, serialises it (objects with
    sorted keys, no spaces) as the global's NUL-terminated value, which
    `attnc_model_manifest()` returns, and drops the dictionary. A module
    without it is left alone.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def PrepareTileFusion : Pass<"attnc-prepare-tile-fusion", "mlir::func::FuncOp"> {
  let summary = "Mark the epilogues the contraction kernels may compute on "
                "their register tiles";
  let description = [{
    Runs after bufferization, before attnc-plan-memory. For every
    contraction whose B is a weight packed at load, followed by an
    elementwise `linalg.generic` that reads its C once and writes another
    buffer D (an activation, a residual add, a scale: see
    attnc-lower-contractions), checks that nothing else reads C, moves D's
    `memref.alloc` above the contraction (so that memory planning keeps D
    apart from A and B, which the fused kernel still reads while it writes
    D) or checks that D is none of their buffers, and marks the epilogue
    `attnc.epilogue`.
  }];
}

def LowerContractions : Pass<"attnc-lower-contractions", "mlir::ModuleOp"> {
  let summary = "Rewrite linalg contractions on buffers into register-blocked "
                "vector kernels";
  let description = [{
    Every f32 linalg op on buffers that computes `C[b.., m, n] += A * B` over
    one reduction loop (linalg.matmul, batch_matmul, the contractions of
    attnc-convert-attn-to-linalg, and products whose B is a weight packed at load)
    becomes a GotoBLAS-style loop nest: an `scf.parallel` over the batch,
    blocks of rows and groups of 48-column panels (as many as the thread
    count, read once per function from `omp_get_max_threads`, asks for:
    one group of 8 panels over all rows on one thread), blocks of 256 k in
    which B is packed into a
    contiguous scratch buffer, and an 8 x 48 register tile of C (24
    `vector<16xf32>` accumulators) updated by `vector.fma`. Rows and columns
    that do not fill a tile use single-row tiles and masked loads and stores.
    Other linalg ops are left alone.

    When B is a weight packed at load, elementwise ops around the product
    are computed on the register tile instead of in passes of their own:
    the op just before that fills C (a bias broadcast, `linalg.fill`) is
    evaluated in registers for the first k block instead of loading C, and
    an epilogue marked by attnc-prepare-tile-fusion (GELU, SiLU, a residual
    add, a scale, ...) is evaluated on the tile of the last k block and
    stored to its own output. Both then disappear.

    A bf16 weight packed in pairs of k whose body rounds A to bf16 (layout
    panel_pairs: `attnc compile --round-activations`) gets the pair kernel
    (PairKernel.h): A's rows rounded once per k block and row tile, then per
    pair of k `vdpbf16ps` (the LLVM intrinsic, on a target with
    avx512bf16) or the pairs widened and two FMAs (elsewhere).

    An int8 weight packed in quads of k whose op carries
    `attnc.quantize_lhs` (layout panel_quads: `attnc compile --weight-type
    int8 --round-activations`) gets the quad kernel (QuadKernel.h): A's
    rows quantized per block of 32 k once per row tile, then per quad of k
    `vpdpbusd` (AVX512_VNNI / AVX-VNNI), else `vpmaddubsw` and `vpmaddwd`
    (AVX2, AVX512BW), else i32 arithmetic (QuadProducts.h): the same exact
    i32 sums, scaled per block. Such an op that does not match is an error.

    On a target with AMX (amx-tile, amx-bf16) the pair kernel's full
    tiles are 16 rows on AMX tiles instead (AmxKernel.h: `tdpbf16ps`), where
    K is static and a multiple of 32; single rows keep `vdpbf16ps`.

    Where it widens an int8 weight for an f32 A, the pass marks the module
    `attn.no_machine_scheduler` (CodegenHints.h): its machine code is
    generated without LLVM's pre-register-allocation scheduler.
  }];
  let dependentDialects = [
    "mlir::amx::AMXDialect", "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::LLVM::LLVMDialect", "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def EmulateAmx : Pass<"attnc-emulate-amx", "mlir::ModuleOp"> {
  let summary = "Replace AMX tile ops by vector ops that compute the same "
                "(for tests on CPUs without AMX)";
  let description = [{
    A test aid, not part of any pipeline: `amx.tile_load` and
    `amx.tile_store` become one `vector.load` / `vector.store` per row of
    the tile, and `amx.tile_mulf` a call of scalar loops
    over the tiles stored on the stack: C[m][n] += sum over pairs p of A[m][2p] B[p][2n] +
    A[m][2p+1] B[p][2n+1], bf16 widened to f32. So the AMX kernels'
    addressing (which rows of A, which pairs of which panel, the tiles of C)
    runs and is checked on any CPU (test/Codegen/pairs-amx-kernel-run.mlir,
    and whole models: `attnc compile --emulate-amx`,
    test/reference/amx-emulated.test); the instructions themselves only
    where the CPU has them. On a module, its `attn.target` stops listing
    amx-tile and amx-bf16, so that the runtime loads it on a CPU without.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def ApproximateMath : Pass<"attnc-approximate-math", "mlir::ModuleOp"> {
  let summary = "Replace math.exp, tanh, erf, log, ... on f32 by polynomial "
                "approximations, and what has no LLVM lowering by libm calls";
  let description = [{
    Applies MLIR's `populateMathPolynomialApproximationPatterns`, so that
    vector math stays in vector registers instead of becoming one libm call
    per lane (`math.exp` on `vector<16xf32>` is 16 `expf` calls otherwise).
    The math ops left without an LLVM intrinsic (erf, tanh, ... of other
    types) then become libm calls, and only those: libm lowering would
    unroll the vector fma and floor of the approximations.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::math::MathDialect", "mlir::vector::VectorDialect"
  ];
}

def ScheduleParallelLoops : Pass<"attnc-schedule-parallel-loops"> {
  let summary = "Give every omp.wsloop a contiguous schedule(static)";
  let description = [{
    Each thread runs one contiguous range of iterations, so that it streams
    its own slice of a weight or of the KV cache. Loops whose iterations
    differ in cost order them so that contiguous ranges are balanced
    (causal attention's query tiles). Loops that already have a schedule
    are left alone.
  }];
  let dependentDialects = ["mlir::omp::OpenMPDialect"];
}

def GuardParallelRegions : Pass<"attnc-guard-parallel-regions"> {
  let summary = "Fork the OpenMP team only when a region has enough work to "
                "share";
  let description = [{
    Every omp.parallel whose work-sharing loops have bounds known before it
    gets `if(fork)`: fork when some loop has at least two iterations and,
    where the loops inside its body have constant trip counts, at least
    4096 operations in all (a vector op counts one). A region with one iteration (a decode
    step's layernorm over its one row: about 4 us per call more at 2 threads
    than at one, 25 per GPT-2 step) or a few tiny ones (the step's head
    split: 12 heads of four vector copies, 7 us against 2 us) runs on the
    calling thread without waking the team and waiting at its barrier. The
    results are the same: the same iterations run in the same order.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::omp::OpenMPDialect"];
}

def MergeParallelRegions : Pass<"attnc-merge-parallel-regions"> {
  let summary = "Fork the OpenMP team once per kernel, not once per loop";
  let description = [{
    Runs after attnc-schedule-parallel-loops. Consecutive `omp.parallel`
    ops with the same location (the loops one attn op was lowered to: a
    layernorm's fills, reductions and normalization, an attention's
    set-up and tiles) become one region whose work-sharing loops run one
    after the other; the barrier that ends each loop (or an `omp.barrier`
    where a region does not end with one) keeps their order. Only ops
    without memory effects and regions may stand between two such regions;
    they move above the first. Regions with clauses are left alone.
  }];
  let dependentDialects = ["mlir::omp::OpenMPDialect"];
}

def ProfileRegions : Pass<"attnc-profile-regions", "mlir::ModuleOp"> {
  let summary = "Call the runtime's profile hook around every kernel";
  let description = [{
    Runs after attnc-schedule-parallel-loops, on the OpenMP form. A kernel
    is an `omp.parallel` that no other encloses, or a loop nest outside any
    (work done on the calling thread alone). The pass numbers the kernels
    of every function, records each in the manifest's "profile" table
    (entry function, the attn op kinds its location names, its .attn source
    position, whether it is parallel) and wraps it in calls of
    `void hook(int32_t event, int32_t region, int32_t layer)` through the
    global `attnc_model_profile_hook`, guarded by one load of that global:
    region begin and end on the calling thread around the kernel, and
    thread begin and end inside a parallel one on each thread, where its
    work-sharing loop becomes `nowait` so that thread end comes before the
    region's closing barrier. `layer` is the index of the enclosing layer
    loop (located `attnc.layer_loop`), or -1. The runtime sets the global
    only while profiling (docs/performance.md); otherwise a kernel costs one
    load and one branch more.
  }];
  let dependentDialects = [
    "mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
    "mlir::omp::OpenMPDialect", "mlir::scf::SCFDialect"
  ];
}

def ShareKernels : Pass<"attnc-share-kernels", "mlir::ModuleOp"> {
  let summary = "Make identical kernels of different functions one function";
  let description = [{
    Runs after attnc-profile-regions. A decoder's forward and step functions
    (and any others) repeat most of their kernels (the outermost
    `omp.parallel` ops) op for op. Each kernel that has an identical copy
    elsewhere in the module becomes a private, never-inlined function,
    `attnc_kernel_N`, called where every copy was: its arguments are the
    values the kernel uses from outside it, except constants, which are
    cloned into the function so that the code generated for it still sees
    them, and constants marked `attnc.per_call` (the profile region id),
    which stay arguments. A kernel without a copy is left where it is.
    LLVM then optimizes and generates each shared kernel once.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
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

def PrefetchAhead : Pass<"attnc-prefetch-ahead"> {
  let summary = "Prefetch, in loops marked attn.prefetch_ahead = N, what "
                "iteration i + N reads";
  let description = [{
    FlashDecoding.cpp marks the loop over a decode step's blocks of keys:
    each iteration reads 16 key rows, then 16 value rows, of a KV cache that
    comes from memory (every weight has streamed through the caches since
    the last step), and the loop waited on its loads;
    attnc-lower-contractions marks a single row's loop over an int8 panel
    (with an f32 input, or quantized without VNNI). At the top of a marked
    loop's body this pass adds one `memref.prefetch` per cache line that
    the vector reads (vector.transfer_read or vector.load of a memref) of
    the body's first stream touch, the memref it reads first (the keys,
    the panel), at the
    indices those reads have N iterations later (their index computations
    cloned with the induction variable advanced; a read whose indices need
    an op with side effects is left alone), and drops the mark. Run it after
    bufferization.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def ScopeLoopAllocas : Pass<"attnc-scope-loop-allocas"> {
  let summary = "Wrap loop bodies that allocate on the stack in "
                "memref.alloca_scope";
  let description = [{
    convert-scf-to-cf lowers a `memref.alloca` in the body of an scf loop
    to an `llvm.alloca` that is freed only when the function returns, so the
    stack grows with every iteration. This pass wraps each such body (the
    innermost loop body that executes the alloca) in `memref.alloca_scope`,
    which lowers to stacksave / stackrestore. Run it after the last
    canonicalization before the conversion to control flow: the
    canonicalizer removes these scopes, since scf loops are automatic
    allocation scopes in MLIR's model.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

#endif // ATTNC_CODEGEN_PASSES_TD
