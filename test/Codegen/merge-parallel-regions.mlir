// RUN: attnc-opt %s -attnc-merge-parallel-regions | FileCheck %s

// Three regions of one op (one location) become one: the views and dims
// between them move above it, and each work-sharing loop's own barrier
// keeps the order (no omp.barrier added).
// CHECK-LABEL: func.func @one_op
// CHECK:         memref.view %arg0[%arg1]
// CHECK-NEXT:    memref.dim
// CHECK-NEXT:    omp.parallel {
// CHECK:           omp.wsloop
// CHECK:             memref.store
// CHECK:           omp.wsloop
// CHECK:             memref.load
// CHECK:           omp.wsloop
// CHECK-NOT:     omp.barrier
// CHECK:           omp.terminator
// CHECK-NEXT:    }
// CHECK-NOT:     omp.parallel
// CHECK:         return
func.func @one_op(%arena: memref<?xi8>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  %a = memref.view %arena[%c0][%n] : memref<?xi8> to memref<?xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %f, %a[%i] : memref<?xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  } loc("layernorm")
  %b = memref.view %arena[%n][%n] : memref<?xi8> to memref<?xf32>
  %m = memref.dim %b, %c0 : memref<?xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%m) step (%c1) {
        %x = memref.load %a[%i] : memref<?xf32>
        memref.store %x, %b[%i] : memref<?xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  } loc("layernorm")
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  } loc("layernorm")
  return
}

// Regions of different ops stay apart, and so do regions with an op with
// effects between them or with clauses.
// CHECK-LABEL: func.func @kept_apart
// CHECK-COUNT-4: omp.parallel
func.func @kept_apart(%a: memref<?xf32>, %n: index, %t: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.terminator
  } loc("layernorm")
  omp.parallel {
    omp.terminator
  } loc("linear")
  memref.store %f, %a[%c0] : memref<?xf32>
  omp.parallel {
    omp.terminator
  } loc("linear")
  omp.parallel num_threads(%t : i32) {
    omp.terminator
  } loc("linear")
  return
}

// A region that does not end with a work-sharing loop (its barrier) gets
// an omp.barrier before the next one's work.
// CHECK-LABEL: func.func @no_loop_last
// CHECK:         omp.parallel {
// CHECK-NEXT:      memref.store
// CHECK-NEXT:      omp.barrier
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      omp.terminator
// CHECK-NOT:     omp.parallel
func.func @no_loop_last(%a: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    memref.store %f, %a[%c0] : memref<?xf32>
    omp.terminator
  } loc("attention")
  omp.parallel {
    %x = memref.load %a[%c0] : memref<?xf32>
    omp.terminator
  } loc("attention")
  return
}
