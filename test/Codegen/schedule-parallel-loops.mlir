// RUN: attnc-opt %s -attnc-schedule-parallel-loops | FileCheck %s

// Each thread gets one contiguous range (no chunk size); an explicit
// schedule is kept.
// CHECK-LABEL: func.func @loops
// CHECK-NOT:     i32
// CHECK:         omp.wsloop schedule(static) {
// CHECK:         omp.wsloop schedule(dynamic)
func.func @loops(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        omp.yield
      }
      omp.terminator
    }
    omp.wsloop schedule(dynamic) {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}
