// LowerContractions' int8 quads kernel (A quantized per block of 32 k,
// exact integer dot products, QuadKernel.h), run: C += Q8(A) x (Q * scales)
// with M = 6 (a 4-row tile, then two single rows), N = 100 (two full panels
// and a partial one), K = 75 (two blocks of 32, then 11: a tail block whose
// last quad holds 3 k), row 2's second block all zeros (scale 0), row 3's
// scales not powers of two; the other rows' blocks have max |x| = 63.5
// (scale 0.5) and values at odd multiples of 0.25, so that x / scale ties
// and rounds to even. Against the rule of docs/abi.md ("int8 x int8
// products") written as plain loops: per row and block, scale_x = max|x| /
// 127, q = clamp(roundeven(x / scale_x)), idot = sum q * w in i32,
// acc = fma(f32(idot), scale_x * scale_w, acc). The integer sums are exact
// and the blocks go in order in both: the results must agree exactly. Run
// each way the kernel sums the quads (QuadProducts.h): with vpdpbusd
// (avx512vnni) where this CPU has it; with vpmaddubsw and vpmaddwd at 16
// lanes (avx512bw) and, on panels of 24 (the sizes rewritten by sed), at 8
// lanes (avx2); and by i32 arithmetic (avx512f alone). Q spans -127 .. 127,
// so the largest pair |q_w| * 127 * 2 is in the i16 sums. (The 8-lane
// kernels also run in test/reference/round-activations-int8.test, on
// x86-64-v3.)
//
// DEFINE: %{lower} = -convert-linalg-to-loops -lower-affine -arith-expand -convert-scf-to-cf -convert-vector-to-llvm -expand-strided-metadata -finalize-memref-to-llvm -convert-arith-to-llvm -convert-math-to-llvm -convert-index-to-llvm -convert-cf-to-llvm -convert-func-to-llvm -reconcile-unrealized-casts
// RUN: %if avx512vnni %{ sed 's/TARGET/cpu = "sapphirerapids", features = ["avx512f", "avx512vnni"], f32_lanes = 16 : i64, vector_registers = 32 : i64/' %s | attnc-opt -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s %}
// RUN: sed 's/TARGET/cpu = "x86-64-v4", features = ["avx512f"], f32_lanes = 16 : i64, vector_registers = 32 : i64/' %s | attnc-opt -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: %if x86-64-v4 %{ sed 's/TARGET/cpu = "x86-64-v4", features = ["avx512f", "avx512bw"], f32_lanes = 16 : i64, vector_registers = 32 : i64/' %s | attnc-opt -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s %}
// RUN: sed -e 's/TARGET/cpu = "x86-64-v3", features = ["avx2", "fma"], f32_lanes = 8 : i64, vector_registers = 16 : i64/' -e 's/3x19x48x4/5x19x24x4/g; s/3x3x48/5x3x24/g; s/floordiv 48/floordiv 24/g; s/mod 48/mod 24/g; s/constant 48 : index/constant 24 : index/' %s | attnc-opt -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=EXACT
// EXACT: {{^}}0{{$}}
// EXACT-NEXT: Unranked Memref {{.*}} sizes = [6, 100]
//
// The largest |kernel - loops|, then C (its first and last numbers per row
// from numpy, the same rule in float64 sums of exact products):
// CHECK: {{^}}0{{$}}
// CHECK-NEXT: Unranked Memref {{.*}} sizes = [6, 100]
// CHECK-NEXT: {{\[\[}}-2507.19,   -1073.19,   6279.75,   3266.47,
// CHECK: 6617,   3371.34,   2825.88,   -675.188],
// CHECK-NEXT: [-2657,   -1163,   6829.31,   3482.66,
// CHECK: 7052.81,   3403.16,   3445.69,   -1189.12],
// CHECK-NEXT: [-3526,   -1623,   -741.438,   -271.875,
// CHECK: -520.688,   -225.25,   901.344,   -1244.25],
// CHECK-NEXT: [-1029.26,   -453.528,   1890.78,   986.8,
// CHECK: 1997.69,   1035.47,   848.941,   -390.781],
// CHECK-NEXT: [-2935.75,   -1299.66,   6227,   3214.97,
// CHECK: 6518.5,   3137.59,   3236.5,   -1231.56],
// CHECK-NEXT: [-3038.25,   -1378.09,   6205.62,   3337.31,
// CHECK: 6766.88,   3777.31,   3216.56,   -254.688]]

#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k floordiv 4, n mod 48, k mod 4)>
#s = affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>

module attributes {attn.target = {TARGET}} {

func.func @product(%a: memref<6x75xf32>, %p: memref<3x19x48x4xi8>,
                   %s: memref<3x3x48xf32>, %c: memref<6x100xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p, %s : memref<6x75xf32>, memref<3x19x48x4xi8>, memref<3x3x48xf32>)
      outs(%c : memref<6x100xf32>) attrs = {attnc.quantize_lhs} {
  ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
    %w = arith.sitofp %q : i8 to f32
    %ws = arith.mulf %w, %scale : f32
    %0 = arith.mulf %x, %ws : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// The reference: the rule, one element of C at a time.
func.func @loops(%a: memref<6x75xf32>, %p: memref<3x19x48x4xi8>,
                 %s: memref<3x3x48xf32>, %c: memref<6x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c100 = arith.constant 100 : index
  %c75 = arith.constant 75 : index
  %c48 = arith.constant 48 : index
  %c32 = arith.constant 32 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  %i0 = arith.constant 0 : i32
  %max = arith.constant 127.0 : f32
  %min = arith.constant -127.0 : f32
  scf.for %m = %c0 to %c6 step %c1 {
    scf.for %n = %c0 to %c100 step %c1 {
      %panel = arith.divui %n, %c48 : index
      %col = arith.remui %n, %c48 : index
      %init = memref.load %c[%m, %n] : memref<6x100xf32>
      %sum = scf.for %b = %c0 to %c3 step %c1 iter_args(%acc = %init) -> f32 {
        %k0 = arith.muli %b, %c32 : index
        %k1a = arith.addi %k0, %c32 : index
        %k1 = arith.minui %k1a, %c75 : index
        %amax = scf.for %k = %k0 to %k1 step %c1 iter_args(%mx = %zero) -> f32 {
          %x = memref.load %a[%m, %k] : memref<6x75xf32>
          %ax = math.absf %x : f32
          %mx2 = arith.maximumf %mx, %ax : f32
          scf.yield %mx2 : f32
        }
        %sx = arith.divf %amax, %max : f32
        %zeroBlock = arith.cmpf oeq, %sx, %zero : f32
        %idot = scf.for %k = %k0 to %k1 step %c1 iter_args(%d = %i0) -> i32 {
          %x = memref.load %a[%m, %k] : memref<6x75xf32>
          %r = arith.divf %x, %sx : f32
          %re = math.roundeven %r : f32
          %lo = arith.maximumf %re, %min : f32
          %cl = arith.minimumf %lo, %max : f32
          %qf = arith.select %zeroBlock, %zero, %cl : f32
          %qx = arith.fptosi %qf : f32 to i32
          %kq = arith.divui %k, %c4 : index
          %kt = arith.remui %k, %c4 : index
          %q = memref.load %p[%panel, %kq, %col, %kt] : memref<3x19x48x4xi8>
          %qw = arith.extsi %q : i8 to i32
          %prod = arith.muli %qx, %qw : i32
          %d2 = arith.addi %d, %prod : i32
          scf.yield %d2 : i32
        }
        %sw = memref.load %s[%panel, %b, %col] : memref<3x3x48xf32>
        %scale = arith.mulf %sx, %sw : f32
        %df = arith.sitofp %idot : i32 to f32
        %next = math.fma %df, %scale, %acc : f32
        scf.yield %next : f32
      }
      memref.store %sum, %c[%m, %n] : memref<6x100xf32>
    }
  }
  return
}

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// A[m][k] = 63.5 where k mod 32 = 5, else ((7m + 3k) mod 23 - 11) / 4; row 3
// times 0.3; row 2 zero for 32 <= k < 64. Q[p][kq][j][t] = (5p + 13(4kq + t)
// + 3j) mod 255 - 127 (its pad past K too: A's pad is zero);
// S[p][b][j] = 2^-((p + 3b + j) mod 5); C starts at 0.25.
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<6x75xf32>
  %p = memref.alloc() : memref<3x19x48x4xi8>
  %s = memref.alloc() : memref<3x3x48xf32>
  %c = memref.alloc() : memref<6x100xf32>
  %r = memref.alloc() : memref<6x100xf32>
  %zero = arith.constant 0.0 : f32
  %quarter = arith.constant 0.25 : f32
  linalg.fill ins(%quarter : f32) outs(%c : memref<6x100xf32>)
  linalg.fill ins(%quarter : f32) outs(%r : memref<6x100xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%a : memref<6x75xf32>) {
  ^bb0(%out: f32):
    %m = linalg.index 0 : index
    %k = linalg.index 1 : index
    %v = affine.apply affine_map<(m, k) -> ((m * 7 + k * 3) mod 23 - 11)>(%m, %k)
    %i = arith.index_cast %v : index to i32
    %f = arith.sitofp %i : i32 to f32
    %fourth = arith.constant 0.25 : f32
    %small = arith.mulf %f, %fourth : f32
    %kb = affine.apply affine_map<(k) -> (k mod 32)>(%k)
    %c5 = arith.constant 5 : index
    %isMax = arith.cmpi eq, %kb, %c5 : index
    %big = arith.constant 63.5 : f32
    %x = arith.select %isMax, %big, %small : f32
    %c3 = arith.constant 3 : index
    %is3 = arith.cmpi eq, %m, %c3 : index
    %tenth = arith.constant 0.3 : f32
    %x3 = arith.mulf %x, %tenth : f32
    %y = arith.select %is3, %x3, %x : f32
    %c2 = arith.constant 2 : index
    %c32 = arith.constant 32 : index
    %c64 = arith.constant 64 : index
    %is2 = arith.cmpi eq, %m, %c2 : index
    %from = arith.cmpi uge, %k, %c32 : index
    %to = arith.cmpi ult, %k, %c64 : index
    %in = arith.andi %from, %to : i1
    %cut = arith.andi %is2, %in : i1
    %z = arith.constant 0.0 : f32
    %out2 = arith.select %cut, %z, %y : f32
    linalg.yield %out2 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(p, k, j, t) -> (p, k, j, t)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%p : memref<3x19x48x4xi8>) {
  ^bb0(%out: i8):
    %pi = linalg.index 0 : index
    %kq = linalg.index 1 : index
    %j = linalg.index 2 : index
    %t = linalg.index 3 : index
    %v = affine.apply affine_map<(p, kq, j, t) -> ((p * 5 + (kq * 4 + t) * 13 + j * 3) mod 255 - 127)>(%pi, %kq, %j, %t)
    %i = arith.index_cast %v : index to i8
    linalg.yield %i : i8
  }
  linalg.generic {indexing_maps = [affine_map<(p, b, j) -> (p, b, j)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%s : memref<3x3x48xf32>) {
  ^bb0(%out: f32):
    %pi = linalg.index 0 : index
    %b = linalg.index 1 : index
    %j = linalg.index 2 : index
    %e = affine.apply affine_map<(p, b, j) -> ((p + b * 3 + j) mod 5)>(%pi, %b, %j)
    %ei = arith.index_cast %e : index to i32
    %one = arith.constant 1 : i32
    %pow = arith.shli %one, %ei : i32
    %pf = arith.sitofp %pow : i32 to f32
    %unit = arith.constant 1.0 : f32
    %f = arith.divf %unit, %pf : f32
    linalg.yield %f : f32
  }
  func.call @product(%a, %p, %s, %c) : (memref<6x75xf32>, memref<3x19x48x4xi8>, memref<3x3x48xf32>, memref<6x100xf32>) -> ()
  func.call @loops(%a, %p, %s, %r) : (memref<6x75xf32>, memref<3x19x48x4xi8>, memref<3x3x48xf32>, memref<6x100xf32>) -> ()
  %rows = arith.constant 6 : index
  %c100 = arith.constant 100 : index
  %worst = scf.for %m = %c0 to %rows step %c1 iter_args(%w0 = %zero) -> f32 {
    %row = scf.for %n = %c0 to %c100 step %c1 iter_args(%w1 = %w0) -> f32 {
      %x = memref.load %c[%m, %n] : memref<6x100xf32>
      %y = memref.load %r[%m, %n] : memref<6x100xf32>
      %d = arith.subf %x, %y : f32
      %ad = math.absf %d : f32
      %w2 = arith.maximumf %w1, %ad : f32
      scf.yield %w2 : f32
    }
    scf.yield %row : f32
  }
  vector.print %worst : f32
  %u = memref.cast %c : memref<6x100xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

}
