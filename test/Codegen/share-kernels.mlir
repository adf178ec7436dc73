// RUN: attnc-opt %s -attnc-share-kernels | FileCheck %s

// The same kernel in two functions becomes one private, never-inlined
// function. Its arguments are what it uses from outside but constants: the
// buffer, the profile region id and the bound %n (marked attnc.per_call,
// different in each copy); the loop's other constants are cloned in. The
// kernel with no copy (@forward's second, 8 iterations where @step's has
// 4) stays where it is.
// CHECK-LABEL: func.func private @attnc_kernel_0
// CHECK-SAME:    (%[[BUF:.+]]: memref<16xf32>, %[[ID:.+]]: i32, %[[N:.+]]: index)
// CHECK-SAME:    attributes {passthrough = ["noinline"]}
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK:         omp.parallel
// CHECK:           omp.loop_nest (%[[I:.+]]) : index = (%[[C0]]) to (%[[N]]) step (%[[C1]])
// CHECK:             memref.load %[[BUF]][%[[I]]]
// CHECK:             llvm.call @hook(%[[ID]])
// CHECK:         return
// CHECK-NOT:   attnc_kernel_candidate
// CHECK-NOT:   func.func private @attnc_kernel_1

// CHECK-LABEL: func.func @forward
// CHECK-SAME:    (%[[FBUF:.+]]: memref<16xf32>, %[[FN:.+]]: index)
// CHECK:         %[[R3:.+]] = arith.constant {attnc.per_call} 3 : i32
// CHECK:         call @attnc_kernel_0(%[[FBUF]], %[[R3]], %[[FN]])
// CHECK:         omp.parallel
// CHECK:           omp.loop_nest (%{{.+}}) : index = (%{{.+}}) to (%{{.+}}) step
// CHECK:         return

// CHECK-LABEL: func.func @step
// CHECK-SAME:    (%[[SBUF:.+]]: memref<16xf32>, %[[SN:.+]]: index)
// CHECK:         %[[R9:.+]] = arith.constant {attnc.per_call} 9 : i32
// CHECK:         call @attnc_kernel_0(%[[SBUF]], %[[R9]], %[[SN]])
// CHECK:         omp.parallel
// CHECK:         return
llvm.func @hook(i32)

func.func @forward(%buf: memref<16xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %id = arith.constant {attnc.per_call} 3 : i32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        %x = memref.load %buf[%i] : memref<16xf32>
        %y = arith.addf %x, %x : f32
        memref.store %y, %buf[%i] : memref<16xf32>
        llvm.call @hook(%id) : (i32) -> ()
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c8) step (%c1) {
        %x = memref.load %buf[%i] : memref<16xf32>
        memref.store %x, %buf[%i] : memref<16xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}

func.func @step(%buf: memref<16xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %id = arith.constant {attnc.per_call} 9 : i32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        %x = memref.load %buf[%i] : memref<16xf32>
        %y = arith.addf %x, %x : f32
        memref.store %y, %buf[%i] : memref<16xf32>
        llvm.call @hook(%id) : (i32) -> ()
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c4) step (%c1) {
        %x = memref.load %buf[%i] : memref<16xf32>
        memref.store %x, %buf[%i] : memref<16xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}
