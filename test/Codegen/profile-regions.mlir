// RUN: attnc-opt %s -split-input-file -verify-diagnostics -attnc-profile-regions -attnc-write-manifest | FileCheck %s

// A serial loop nest before the layer loop, a parallel kernel inside it.
// Each kernel is region N of the manifest's "profile" table, labelled with
// the attn op kinds and the .attn position of its location.
// CHECK:       llvm.mlir.global external @attnc_model_profile_hook() {{.*}} : !llvm.ptr
// CHECK:         llvm.mlir.zero : !llvm.ptr
// CHECK-LABEL: llvm.mlir.global internal constant @__attnc_manifest
// CHECK-SAME:    \22profile\22:[
// CHECK-SAME:    {\22entry\22:\22forward\22,\22kind\22:\22embedding\22,\22layered\22:false,\22parallel\22:false,\22source\22:\22m.attn:3:7\22}
// CHECK-SAME:    {\22entry\22:\22forward\22,\22kind\22:\22linear+gelu\22,\22layered\22:true,\22parallel\22:true,\22source\22:\22m.attn:5:9\22}

// CHECK-LABEL: func.func @attnc_model_forward
// The serial kernel: region 0, layer -1, begin and end on the caller.
// CHECK:         %[[NOLAYER:.+]] = arith.constant -1 : i32
// CHECK:         %[[R0:.+]] = arith.constant {attnc.per_call} 0 : i32
// CHECK:         %[[HOOK0:.+]] = llvm.load {{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[ON0:.+]] = llvm.icmp "ne" %[[HOOK0]]
// CHECK:         scf.if %[[ON0]] {
// CHECK-NEXT:      llvm.call %[[HOOK0]](%{{.+}}, %[[R0]], %[[NOLAYER]]) : !llvm.ptr, (i32, i32, i32) -> ()
// CHECK:         scf.for
// CHECK:         scf.if %[[ON0]] {
// CHECK-NEXT:      llvm.call %[[HOOK0]](%{{.+}}, %[[R0]], %[[NOLAYER]])
// The layer loop is no kernel; the layer index is its induction variable.
// CHECK:         scf.for %[[L:.+]] = %{{.+}} to %{{.+}} step
// CHECK:           %[[SUB:.+]] = arith.subi %[[L]]
// CHECK:           %[[DIV:.+]] = arith.divui %[[SUB]]
// CHECK:           %[[LAYER:.+]] = arith.index_cast %[[DIV]] : index to i32
// CHECK:           %[[R1:.+]] = arith.constant {attnc.per_call} 1 : i32
// CHECK:           %[[HOOK1:.+]] = llvm.load
// CHECK:           scf.if
// CHECK-NEXT:        llvm.call %[[HOOK1]](%{{.+}}, %[[R1]], %[[LAYER]])
// Thread begin and end inside the region; its loop waits no more itself.
// CHECK:           omp.parallel {
// CHECK:             scf.if
// CHECK-NEXT:          llvm.call %[[HOOK1]](%{{.+}}, %[[R1]], %[[LAYER]])
// CHECK:             omp.wsloop nowait
// CHECK:             scf.if
// CHECK-NEXT:          llvm.call %[[HOOK1]](%{{.+}}, %[[R1]], %[[LAYER]])
// CHECK-NEXT:        }
// CHECK-NEXT:        omp.terminator
// CHECK:           scf.if
// CHECK-NEXT:        llvm.call %[[HOOK1]](%{{.+}}, %[[R1]], %[[LAYER]])
llvm.mlir.global internal constant @__attnc_manifest("\00") {addr_space = 0 : i32, attnc.manifest = {abi_version = 1 : i64, name = "m"}}
func.func @attnc_model_forward(%n: index, %buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %f, %buf[%i] : memref<?xf32>
  } loc(#embedding)
  scf.for %layer = %c0 to %c2 step %c1 {
    omp.parallel {
      omp.wsloop {
        omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
          memref.store %f, %buf[%i] : memref<?xf32>
          omp.yield
        }
        omp.terminator
      }
      omp.terminator
    } loc(#linear_gelu)
  } loc(#layers)
  return
}
#src3 = loc("dir/m.attn":3:7)
#src5 = loc("dir/m.attn":5:9)
#src6 = loc("dir/m.attn":6:9)
#embedding = loc("attn.embedding"(#src3))
#linear = loc("attn.linear"(#src5))
#gelu = loc("attn.gelu"(#src6))
#linear_gelu = loc(fused[#linear, #gelu])
#layers = loc("attnc.layer_loop"(#src3))

// -----

// Kernels need the manifest to record them in.
// expected-error @+1 {{attnc-profile-regions: no manifest global '__attnc_manifest' to record 'profile' in}}
module {
  func.func @f(%n: index, %buf: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %f = arith.constant 1.0 : f32
    scf.for %i = %c0 to %n step %c1 {
      memref.store %f, %buf[%i] : memref<?xf32>
    }
    return
  }
}
