// RUN: attnc-opt %s -split-input-file -attnc-plan-memory -attnc-write-manifest -verify-diagnostics | FileCheck %s

// Buffers live at different times share memory; buffers live together do
// not overlap. One arena, sized by a polynomial in the argument.
// CHECK-LABEL: func.func @sequential
// CHECK-SAME: (%[[N:.+]]: index)
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: %[[NN:.+]] = arith.maxsi %[[N]], %[[C0]]
// CHECK: %[[C126:.+]] = arith.constant 126 : index
// CHECK: %[[C64:.+]] = arith.constant 64 : index
// CHECK: %[[T:.+]] = arith.muli %[[C64]], %[[NN]]
// CHECK: %[[OFF:.+]] = arith.addi %[[C126]], %[[T]]
// CHECK: %[[OFFA:.+]] = arith.andi
// CHECK: %[[C252:.+]] = arith.constant 252 : index
// CHECK: %[[C68:.+]] = arith.constant 68 : index
// CHECK: %[[SIZE:.+]] = arith.andi
// CHECK: %[[ARENA:.+]] = memref.alloc(%[[SIZE]]) {alignment = 64 : i64} : memref<?xi8>
// CHECK-NOT: memref.alloc
// CHECK: %[[A:.+]] = memref.view %[[ARENA]][%[[OFFA]]][%[[N]]] : memref<?xi8> to memref<?xf32>
// CHECK: linalg.fill {{.*}} outs(%[[A]]
// CHECK: %[[B:.+]] = memref.view %[[ARENA]][%[[C0]]][%[[N]]] : memref<?xi8> to memref<?x16xf32>
// CHECK: linalg.generic {{.*}} ins(%[[A]] {{.*}} outs(%[[B]]
// CHECK: %[[C:.+]] = memref.view %[[ARENA]][%[[OFFA]]][%[[N]]] : memref<?xi8> to memref<?xf32>
// CHECK: linalg.reduce ins(%[[B]] {{.*}} outs(%[[C]]
func.func @sequential(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<?xf32>)
  %b = memref.alloc(%n) : memref<?x16xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%a : memref<?xf32>) outs(%b : memref<?x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %c = memref.alloc(%n) : memref<?xf32>
  linalg.reduce ins(%b : memref<?x16xf32>) outs(%c : memref<?xf32>) dimensions = [1]
  (%in: f32, %init: f32) {
    %s = arith.addf %in, %init : f32
    linalg.yield %s : f32
  }
  %x = memref.load %c[%c0] : memref<?xf32>
  return %x : f32
}

// -----

#id = affine_map<(i) -> (i)>
// A layer loop that allocates the next hidden state while it still reads the
// previous one: two copies, iteration i using copy i mod 2.
// CHECK-LABEL: func.func @double_buffered
// CHECK: %[[ARENA:.+]] = memref.alloc
// CHECK: scf.for %[[I:.+]] = %[[LB:.+]] to %{{.+}} step %[[STEP:[^ ]+]] iter_args(%[[H:.+]] = %{{.+}})
// CHECK: %[[K:.+]] = arith.subi %[[I]], %[[LB]]
// CHECK: %[[ITER:.+]] = arith.divui %[[K]], %[[STEP]]
// CHECK: %[[PARITY:.+]] = arith.remui %[[ITER]], %{{.+}}
// CHECK: %[[SHIFT:.+]] = arith.muli %[[PARITY]], %{{.+}}
// CHECK: %[[AT:.+]] = arith.addi %{{.+}}, %[[SHIFT]]
// CHECK: %[[NEXT:.+]] = memref.view %[[ARENA]][%[[AT]]]
// CHECK: linalg.generic {{.*}} ins(%[[H]] {{.*}} outs(%[[NEXT]]
// CHECK: scf.yield %[[NEXT]]
func.func @double_buffered(%n: index, %w: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %init = memref.alloc(%n) : memref<?xf32>
  linalg.copy ins(%w : memref<?xf32>) outs(%init : memref<?xf32>)
  %r = scf.for %i = %c0 to %c12 step %c1 iter_args(%h = %init) -> (memref<?xf32>) {
    %next = memref.alloc(%n) : memref<?xf32>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%h : memref<?xf32>) outs(%next : memref<?xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.mulf %in, %in : f32
      linalg.yield %s : f32
    }
    scf.yield %next : memref<?xf32>
  }
  %x = memref.load %r[%c0] : memref<?xf32>
  return %x : f32
}

// -----

// The previous hidden state is dead before the next one is allocated: one
// copy, at a fixed offset.
// CHECK-LABEL: func.func @single_buffered
// CHECK: %[[ARENA:.+]] = memref.alloc
// CHECK: scf.for
// CHECK-NOT: arith.remui
// CHECK: memref.view %[[ARENA]]
// CHECK: %[[NEXT:.+]] = memref.view %[[ARENA]]
// CHECK: scf.yield %[[NEXT]]
func.func @single_buffered(%n: index, %w: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %init = memref.alloc(%n) : memref<?xf32>
  linalg.copy ins(%w : memref<?xf32>) outs(%init : memref<?xf32>)
  %r = scf.for %i = %c0 to %c12 step %c1 iter_args(%h = %init) -> (memref<?xf32>) {
    %t = memref.alloc(%n) : memref<?xf32>
    linalg.copy ins(%h : memref<?xf32>) outs(%t : memref<?xf32>)
    %next = memref.alloc(%n) : memref<?xf32>
    linalg.copy ins(%t : memref<?xf32>) outs(%next : memref<?xf32>)
    scf.yield %next : memref<?xf32>
  }
  %x = memref.load %r[%c0] : memref<?xf32>
  return %x : f32
}

// -----

// An ABI entry: sizes from the dims it loads, the arena from its slot in
// `buffers` (or, when NULL, allocated and freed here, status 2 if that
// fails), and its size in the manifest.
// CHECK-LABEL: llvm.mlir.global internal constant @__attnc_manifest
// CHECK-SAME: \22arena\22:{\22alignment\22:64,\22forward\22:[{\22bytes\22:126,\22times\22:[]},{\22bytes\22:256,\22times\22:[\22batch\22,\22seq\22]},{\22bytes\22:48,\22times\22:[\22batch\22,\22seq\22,\22seq\22]}]},\22name\22:\22m\22}
// CHECK-LABEL: func.func @attnc_model_forward
// CHECK-SAME: (%{{.+}}: !llvm.ptr, %[[BUFS:.+]]: !llvm.ptr) -> i32 {
// CHECK: %[[SLOT:.+]] = llvm.getelementptr %[[BUFS]][2]
// CHECK: %[[GIVEN:.+]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[NONE:.+]] = llvm.icmp "eq" %[[GIVEN]]
// CHECK: %[[OWN:.+]] = scf.if %[[NONE]] -> (!llvm.ptr) {
// CHECK: llvm.call @aligned_alloc
// CHECK: %[[BASE:.+]] = llvm.select %[[NONE]], %[[OWN]], %[[GIVEN]]
// CHECK: %[[OK:.+]] = llvm.icmp "ne" %[[BASE]]
// CHECK: %[[ARENA:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<?xi8>
// CHECK: %[[STATUS:.+]] = scf.if %[[OK]] -> (i32) {
// CHECK: memref.view %[[ARENA]]
// CHECK: memref.view %[[ARENA]]
// CHECK: } else {
// CHECK: arith.constant 2 : i32
// CHECK: llvm.call @free(%[[OWN]])
// CHECK: return %[[STATUS]] : i32
llvm.mlir.global internal constant @__attnc_manifest("\00") {addr_space = 0 : i32, attnc.manifest = {abi_version = 1 : i64, name = "m"}}

func.func @attnc_model_forward(%dims: !llvm.ptr, %bufs: !llvm.ptr) -> i32 attributes {attn.dims = ["batch", "seq"], attnc.arena_slot = 2 : i64} {
  %b = llvm.load %dims : !llvm.ptr -> i64
  %p = llvm.getelementptr %dims[1] : (!llvm.ptr) -> !llvm.ptr, i64
  %s = llvm.load %p : !llvm.ptr -> i64
  %bi = arith.index_cast %b : i64 to index
  %si = arith.index_cast %s : i64 to index
  %cst = arith.constant 0.0 : f32
  %a = memref.alloc(%bi, %si) : memref<?x?x64xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<?x?x64xf32>)
  %scores = memref.alloc(%bi, %si, %si) : memref<?x12x?x?xf32>
  linalg.fill ins(%cst : f32) outs(%scores : memref<?x12x?x?xf32>)
  %ok = arith.constant 0 : i32
  return %ok : i32
}

// -----

// Near misses, left as they are: a returned buffer, one in a parallel loop
// (each iteration needs its own), one whose size is data, one a loop may
// pass on unchanged to a later iteration, and stack allocations.
// CHECK-LABEL: func.func @returned
// CHECK: memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK-NOT: memref.view
func.func @returned(%n: index) -> memref<?xf32> {
  %a = memref.alloc(%n) : memref<?xf32>
  return %a : memref<?xf32>
}

// CHECK-LABEL: func.func @in_parallel_loop
// CHECK: scf.parallel
// CHECK: memref.alloc() : memref<16xf32>
// CHECK-NOT: memref.view
func.func @in_parallel_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %t = memref.alloc() : memref<16xf32>
    linalg.fill ins(%cst : f32) outs(%t : memref<16xf32>)
    scf.reduce
  }
  return
}

// CHECK-LABEL: func.func @data_dependent_size
// CHECK: memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK-NOT: memref.view
func.func @data_dependent_size(%sizes: memref<4xindex>) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.load %sizes[%c0] : memref<4xindex>
  %a = memref.alloc(%n) : memref<?xf32>
  %x = memref.load %a[%c0] : memref<?xf32>
  return %x : f32
}

// CHECK-LABEL: func.func @passed_on
// CHECK: scf.for
// CHECK: memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK-NOT: memref.view
func.func @passed_on(%n: index, %w: memref<?xf32>, %flag: i1) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %r = scf.for %i = %c0 to %c12 step %c1 iter_args(%h = %w) -> (memref<?xf32>) {
    %next = memref.alloc(%n) : memref<?xf32>
    linalg.copy ins(%h : memref<?xf32>) outs(%next : memref<?xf32>)
    %chosen = scf.if %flag -> memref<?xf32> {
      scf.yield %next : memref<?xf32>
    } else {
      scf.yield %h : memref<?xf32>
    }
    scf.yield %chosen : memref<?xf32>
  }
  %x = memref.load %r[%c0] : memref<?xf32>
  return %x : f32
}

// CHECK-LABEL: func.func @on_the_stack
// CHECK: memref.alloca
// CHECK-NOT: memref.view
func.func @on_the_stack(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %a = memref.alloca(%n) : memref<?xf32>
  %x = memref.load %a[%c0] : memref<?xf32>
  return %x : f32
}

// -----

// An ABI entry needs the manifest to declare its arena in.
// expected-error @+1 {{attnc-plan-memory: no manifest global '__attnc_manifest' to record 'arena' in}}
module {
  func.func @attnc_model_forward(%dims: !llvm.ptr, %bufs: !llvm.ptr) -> i32 attributes {attnc.arena_slot = 0 : i64} {
    %ok = arith.constant 0 : i32
    return %ok : i32
  }
}
