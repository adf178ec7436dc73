// RUN: attnc-opt %s -attnc-guard-parallel-regions | FileCheck %s

// The team forks only when some work-sharing loop of the region has enough
// work: the product of each nest's trip counts, compared to the iterations
// that make 4096 operations of its body (an empty body: the omp.yield, one
// operation), or-ed over the region's loops.
// CHECK-LABEL: func.func @bounds_outside
// CHECK-SAME:    (%[[N:.*]]: index, %[[M:.*]]: index)
// CHECK:         %[[SPAN:.*]] = arith.subi %[[N]], %c0
// CHECK:         %[[POS:.*]] = arith.maxsi %[[SPAN]]
// CHECK:         %[[TRIPS:.*]] = arith.ceildivsi %[[POS]], %c1
// CHECK:         %[[TOTAL:.*]] = arith.muli %{{.*}}, %[[TRIPS]]
// CHECK:         %[[LEAST:.*]] = arith.constant 4096 : index
// CHECK:         %[[FIRST:.*]] = arith.cmpi sge, %[[TOTAL]], %[[LEAST]]
// CHECK:         arith.subi %[[M]], %c0
// CHECK:         arith.ceildivsi %{{.*}}, %c1
// CHECK:         arith.subi %[[N]], %c0
// CHECK:         arith.ceildivsi %{{.*}}, %c4
// CHECK:         %[[SECOND:.*]] = arith.cmpi sge
// CHECK:         %[[ANY:.*]] = arith.ori %[[FIRST]], %[[SECOND]]
// CHECK:         omp.parallel if(%[[ANY]])
func.func @bounds_outside(%n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        omp.yield
      }
      omp.terminator
    }
    omp.wsloop {
      omp.loop_nest (%i, %j) : index = (%c0, %c0) to (%m, %n) step (%c1, %c4) {
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}

// A body with a constant loop counts its trip count times its body: 4 x
// (scf.for + arith.addi + scf.yield) + omp.yield = 13 operations, so 316
// iterations (a decode step's head split: 12 heads of 4 vector copies runs
// on one thread). A loop of unknown trip count inside makes any two
// iterations enough.
// CHECK-LABEL: func.func @body_work
// CHECK:         %[[SMALL:.*]] = arith.constant 316 : index
// CHECK:         arith.cmpi sge, %{{.*}}, %[[SMALL]]
// CHECK:         omp.parallel if(
// CHECK:         %[[TWO:.*]] = arith.constant 2 : index
// CHECK:         arith.cmpi sge, %{{.*}}, %[[TWO]]
// CHECK:         omp.parallel if(
func.func @body_work(%n: index, %x: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        scf.for %d = %c0 to %c64 step %c16 {
          %s = arith.addi %i, %d : index
          scf.yield
        }
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        %end = memref.load %x[%i] : memref<?xindex>
        scf.for %d = %c0 to %end step %c16 {
          scf.yield
        }
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}

// A loop whose bounds are computed inside the region, and a region with no
// work-sharing loop, are left alone; so is a region that has an if already.
// CHECK-LABEL: func.func @left_alone
// CHECK:         omp.parallel {
// CHECK:         omp.parallel {
// CHECK:         omp.parallel if(%{{.*}})
// CHECK-NOT:     arith.ori
func.func @left_alone(%n: index, %flag: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    %half = arith.divui %n, %c1 : index
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%half) step (%c1) {
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  omp.parallel {
    omp.terminator
  }
  omp.parallel if(%flag) {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}
