// The int8 kernel of LowerContractions on quads of k with an f32 A
// (layout panel_quads_f32, Contraction::rhsIsWideQuads), run: C = A x
// (Q * scales) with Q [panels][ceil(K / 4)][48][4] and its f16 scales one row
// per 32 k, against the same product written as plain loops (which the pass
// leaves alone), and against numpy. @tile: M = 17 (two 8-row tiles, which
// read the panels widened into the f32 pack once per k block of 256, then a
// single row, which reads the quads), N = 100 (two full panels and a partial
// one, masked), K = 1099 (five k blocks; the last scale block 11 long, its
// last quad 3 k: the kernel's tail). @row: the first row alone (the decode nest: one
// tile over all of K, two sets of accumulators). The bytes of Q past K are
// 77, not the zeros the runtime packs: a kernel that read them (or A past K)
// would differ. Small integers times power-of-two scales: every sum is exact
// in f32, so kernel and loops must agree exactly.
//
// DEFINE: %{lower} = -convert-linalg-to-loops -lower-affine -arith-expand -convert-scf-to-cf -convert-vector-to-llvm -expand-strided-metadata -finalize-memref-to-llvm -convert-arith-to-llvm -convert-math-to-llvm -convert-index-to-llvm -convert-cf-to-llvm -convert-func-to-llvm -reconcile-unrealized-casts
// One thread: one block of rows, its two full tiles widened (with more,
// blocks of one tile each read the quads).
// RUN: attnc-opt %s -attnc-lower-contractions | mlir-opt %{lower} | env OMP_NUM_THREADS=1 mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// The kernel was emitted: one load of 64 bytes per vector and quad, each k
// widened by a shift and/or a mask and a conversion, no sign extension of
// i8 vectors (and the loops were not touched):
// RUN: attnc-opt %s -attnc-lower-contractions | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @tile
// IR:         memref.alloca() {alignment = 64 : i64} : memref<8x256x48xf32>
// IR:         vector.load %{{.+}} : memref<3x275x192xi8>, vector<64xi8>
// IR:         vector.bitcast %{{.+}} : vector<64xi8> to vector<16xi32>
// IR:         arith.shli
// IR:         arith.andi
// IR:         arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// IR-NOT:     arith.sitofp %{{.+}} : vector<16xi8>
// IR-NOT:     linalg.generic
// IR-LABEL: func.func @row
// IR:         scf.for {{.+}} step %c4{{.*}} iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// A single row prefetches the panel 16 KiB ahead (kStreamPrefetchBytes):
// 86 quads of 192 bytes.
// IR:         } {attn.prefetch_ahead = 86 : i64}
// IR-NOT:     linalg.generic
// IR-LABEL: func.func @loops
//
// The largest |kernel - loops| of @tile, then its result, whose first and
// last four numbers are numpy's (A @ dequantized Q in float64), then the
// same for @row:
// CHECK: {{^}}0{{$}}
// CHECK-NEXT: Unranked Memref {{.*}} sizes = [17, 100]
// CHECK-NEXT: {{\[\[}}-229,   -645.375,   -642.125,   469.375,
// CHECK: -2858.5,   336.875,   -781.438,   1950.06]]
// CHECK: {{^}}0{{$}}
// CHECK-NEXT: Unranked Memref {{.*}} sizes = [1, 100]
// CHECK-NEXT: {{\[\[}}-229,   -645.375,   -642.125,   469.375,


#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k floordiv 4, n mod 48, k mod 4)>
#s = affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @tile(%a: memref<17x1099xf32>, %p: memref<3x275x48x4xi8>,
                %s: memref<3x35x48xf16>, %c: memref<17x100xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p, %s : memref<17x1099xf32>, memref<3x275x48x4xi8>, memref<3x35x48xf16>)
      outs(%c : memref<17x100xf32>) {
  ^bb0(%x: f32, %q: i8, %half: f16, %acc: f32):
    %scale = arith.extf %half : f16 to f32
    %w = arith.sitofp %q : i8 to f32
    %ws = arith.mulf %w, %scale : f32
    %0 = arith.mulf %x, %ws : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

func.func @row(%a: memref<1x1099xf32>, %p: memref<3x275x48x4xi8>,
               %s: memref<3x35x48xf16>, %c: memref<1x100xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p, %s : memref<1x1099xf32>, memref<3x275x48x4xi8>, memref<3x35x48xf16>)
      outs(%c : memref<1x100xf32>) {
  ^bb0(%x: f32, %q: i8, %half: f16, %acc: f32):
    %scale = arith.extf %half : f16 to f32
    %w = arith.sitofp %q : i8 to f32
    %ws = arith.mulf %w, %scale : f32
    %0 = arith.mulf %x, %ws : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// The reference: the same sum, k ascending, as scf loops, over A's rows.
func.func @loops(%a: memref<?x1099xf32>, %p: memref<3x275x48x4xi8>,
                 %s: memref<3x35x48xf16>, %c: memref<?x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c100 = arith.constant 100 : index
  %c1099 = arith.constant 1099 : index
  %c48 = arith.constant 48 : index
  %c32 = arith.constant 32 : index
  %rows = memref.dim %a, %c0 : memref<?x1099xf32>
  scf.for %m = %c0 to %rows step %c1 {
    scf.for %n = %c0 to %c100 step %c1 {
      %panel = arith.divui %n, %c48 : index
      %col = arith.remui %n, %c48 : index
      %init = memref.load %c[%m, %n] : memref<?x100xf32>
      %sum = scf.for %k = %c0 to %c1099 step %c1 iter_args(%acc = %init) -> f32 {
        %x = memref.load %a[%m, %k] : memref<?x1099xf32>
        %quad = arith.divui %k, %c4 : index
        %byte = arith.remui %k, %c4 : index
        %q = memref.load %p[%panel, %quad, %col, %byte] : memref<3x275x48x4xi8>
        %block = arith.divui %k, %c32 : index
        %half = memref.load %s[%panel, %block, %col] : memref<3x35x48xf16>
        %scale = arith.extf %half : f16 to f32
        %w = arith.sitofp %q : i8 to f32
        %ws = arith.mulf %w, %scale : f32
        %prod = arith.mulf %x, %ws : f32
        %next = arith.addf %acc, %prod : f32
        scf.yield %next : f32
      }
      memref.store %sum, %c[%m, %n] : memref<?x100xf32>
    }
  }
  return
}

// A[m][k] = (7m + 3k) mod 11 - 5.
func.func @fillA(%a: memref<?x1099xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%a : memref<?x1099xf32>) {
  ^bb0(%out: f32):
    %m = linalg.index 0 : index
    %k = linalg.index 1 : index
    %v = affine.apply affine_map<(m, k) -> ((m * 7 + k * 3) mod 11 - 5)>(%m, %k)
    %i = arith.index_cast %v : index to i32
    %f = arith.sitofp %i : i32 to f32
    linalg.yield %f : f32
  }
  return
}

// The largest |x - y| over two [rows, 100] results.
func.func @worst(%x: memref<?x100xf32>, %y: memref<?x100xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x100xf32>
  %worst = scf.for %m = %c0 to %rows step %c1 iter_args(%w0 = %zero) -> f32 {
    %row = scf.for %n = %c0 to %c100 step %c1 iter_args(%w1 = %w0) -> f32 {
      %a = memref.load %x[%m, %n] : memref<?x100xf32>
      %b = memref.load %y[%m, %n] : memref<?x100xf32>
      %d = arith.subf %a, %b : f32
      %ad = math.absf %d : f32
      %w2 = arith.maximumf %w1, %ad : f32
      scf.yield %w2 : f32
    }
    scf.yield %row : f32
  }
  return %worst : f32
}

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// Q[p][q][j][l] = (5p + 13k + 3j) mod 255 - 127 for k = 4q + l < K, else 77;
// S[p][b][j] = 2^-((p + b * 3 + j) mod 5) in f16; C starts at 0.
func.func @main() {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<17x1099xf32>
  %a1 = memref.alloc() : memref<1x1099xf32>
  %p = memref.alloc() : memref<3x275x48x4xi8>
  %s = memref.alloc() : memref<3x35x48xf16>
  %c = memref.alloc() : memref<17x100xf32>
  %r = memref.alloc() : memref<17x100xf32>
  %c1 = memref.alloc() : memref<1x100xf32>
  %r1 = memref.alloc() : memref<1x100xf32>
  %ad = memref.cast %a : memref<17x1099xf32> to memref<?x1099xf32>
  %a1d = memref.cast %a1 : memref<1x1099xf32> to memref<?x1099xf32>
  %cd = memref.cast %c : memref<17x100xf32> to memref<?x100xf32>
  %rd = memref.cast %r : memref<17x100xf32> to memref<?x100xf32>
  %c1d = memref.cast %c1 : memref<1x100xf32> to memref<?x100xf32>
  %r1d = memref.cast %r1 : memref<1x100xf32> to memref<?x100xf32>
  func.call @fillA(%ad) : (memref<?x1099xf32>) -> ()
  func.call @fillA(%a1d) : (memref<?x1099xf32>) -> ()
  linalg.fill ins(%zero : f32) outs(%c : memref<17x100xf32>)
  linalg.fill ins(%zero : f32) outs(%r : memref<17x100xf32>)
  linalg.fill ins(%zero : f32) outs(%c1 : memref<1x100xf32>)
  linalg.fill ins(%zero : f32) outs(%r1 : memref<1x100xf32>)
  linalg.generic {indexing_maps = [affine_map<(p, q, j, l) -> (p, q, j, l)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%p : memref<3x275x48x4xi8>) {
  ^bb0(%out: i8):
    %pi = linalg.index 0 : index
    %q = linalg.index 1 : index
    %j = linalg.index 2 : index
    %l = linalg.index 3 : index
    %k = affine.apply affine_map<(q, l) -> (q * 4 + l)>(%q, %l)
    %v = affine.apply affine_map<(p, k, j) -> ((p * 5 + k * 13 + j * 3) mod 255 - 127)>(%pi, %k, %j)
    %c1099 = arith.constant 1099 : index
    %inside = arith.cmpi ult, %k, %c1099 : index
    %c77 = arith.constant 77 : index
    %vk = arith.select %inside, %v, %c77 : index
    %i = arith.index_cast %vk : index to i8
    linalg.yield %i : i8
  }
  linalg.generic {indexing_maps = [affine_map<(p, b, j) -> (p, b, j)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%s : memref<3x35x48xf16>) {
  ^bb0(%out: f16):
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
    %h = arith.truncf %f : f32 to f16
    linalg.yield %h : f16
  }
  func.call @tile(%a, %p, %s, %c) : (memref<17x1099xf32>, memref<3x275x48x4xi8>, memref<3x35x48xf16>, memref<17x100xf32>) -> ()
  func.call @loops(%ad, %p, %s, %rd) : (memref<?x1099xf32>, memref<3x275x48x4xi8>, memref<3x35x48xf16>, memref<?x100xf32>) -> ()
  %w = func.call @worst(%cd, %rd) : (memref<?x100xf32>, memref<?x100xf32>) -> f32
  vector.print %w : f32
  %u = memref.cast %c : memref<17x100xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  func.call @row(%a1, %p, %s, %c1) : (memref<1x1099xf32>, memref<3x275x48x4xi8>, memref<3x35x48xf16>, memref<1x100xf32>) -> ()
  func.call @loops(%a1d, %p, %s, %r1d) : (memref<?x1099xf32>, memref<3x275x48x4xi8>, memref<3x35x48xf16>, memref<?x100xf32>) -> ()
  %w1 = func.call @worst(%c1d, %r1d) : (memref<?x100xf32>, memref<?x100xf32>) -> f32
  vector.print %w1 : f32
  %u1 = memref.cast %c1 : memref<1x100xf32> to memref<*xf32>
  func.call @printMemrefF32(%u1) : (memref<*xf32>) -> ()
  return
}
