// RUN: attnc-opt %s -split-input-file -attnc-prefetch-ahead | FileCheck %s

// A marked loop prefetches, at the top of its body, what its first stream
// (the memref the body reads first: here the keys) is read at N iterations
// later: the rows' index computations cloned with i + step * N. The other
// memref's reads are not prefetched; the mark is dropped.
// CHECK-LABEL: func.func @two_streams
// CHECK:       scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step %[[STEP:.+]] iter_args
// CHECK-NEXT:    %[[N:.+]] = arith.constant 2 : index
// CHECK-NEXT:    %[[AHEAD:.+]] = arith.muli %[[STEP]], %[[N]]
// CHECK-NEXT:    %[[J:.+]] = arith.addi %[[I]], %[[AHEAD]]
// CHECK-NEXT:    %[[ROW0:.+]] = arith.muli %[[J]], %c16
// CHECK-NEXT:    memref.prefetch %arg0[%[[ROW0]], %c0], read, locality<3>, data : memref<?x64xf32>
// CHECK-NEXT:    memref.prefetch %arg0[%[[ROW0]], %c16], read, locality<3>, data : memref<?x64xf32>
// CHECK-NEXT:    %[[ROW1:.+]] = arith.addi %[[ROW0]], %c1
// CHECK-NEXT:    memref.prefetch %arg0[%[[ROW1]], %c0], read, locality<3>, data : memref<?x64xf32>
// CHECK-NOT:     memref.prefetch
// CHECK:         vector.transfer_read %arg0
// CHECK:       }
// CHECK-NOT:   attn.prefetch_ahead
func.func @two_streams(%k: memref<?x64xf32>, %v: memref<?x64xf32>, %n: index, %step: index) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<16xf32>
  %r = scf.for %i = %c0 to %n step %step iter_args(%acc = %zero) -> vector<16xf32> {
    %row0 = arith.muli %i, %c16 : index
    %a = vector.transfer_read %k[%row0, %c0], %pad {in_bounds = [true]} : memref<?x64xf32>, vector<16xf32>
    %b = vector.load %k[%row0, %c16] : memref<?x64xf32>, vector<16xf32>
    %row1 = arith.addi %row0, %c1 : index
    %c = vector.transfer_read %k[%row1, %c0], %pad {in_bounds = [true]} : memref<?x64xf32>, vector<16xf32>
    %d = vector.load %v[%row0, %c0] : memref<?x64xf32>, vector<16xf32>
    %s0 = arith.addf %a, %b : vector<16xf32>
    %s1 = arith.addf %c, %d : vector<16xf32>
    %s2 = arith.addf %s0, %s1 : vector<16xf32>
    %s3 = arith.addf %acc, %s2 : vector<16xf32>
    scf.yield %s3 : vector<16xf32>
  } {attn.prefetch_ahead = 2 : i64}
  return %r : vector<16xf32>
}

// -----

// A read whose row needs a load (side effects) is not prefetched; an
// unmarked loop gets nothing.
// CHECK-LABEL: func.func @indirect_row
// CHECK-NOT:   memref.prefetch
func.func @indirect_row(%k: memref<?x64xf32>, %rows: memref<?xindex>, %n: index) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<16xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> vector<16xf32> {
    %row = memref.load %rows[%i] : memref<?xindex>
    %a = vector.transfer_read %k[%row, %c0], %pad {in_bounds = [true]} : memref<?x64xf32>, vector<16xf32>
    %s = arith.addf %acc, %a : vector<16xf32>
    scf.yield %s : vector<16xf32>
  } {attn.prefetch_ahead = 1 : i64}
  %r2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %r) -> vector<16xf32> {
    %a = vector.transfer_read %k[%i, %c0], %pad {in_bounds = [true]} : memref<?x64xf32>, vector<16xf32>
    %s = arith.addf %acc, %a : vector<16xf32>
    scf.yield %s : vector<16xf32>
  }
  return %r2 : vector<16xf32>
}

// -----

// Reads of one row at constant offsets within one 64-byte line share a
// prefetch: columns 0 and 8 of an f32 row (bytes 0 and 32), then 16.
// CHECK-LABEL: func.func @one_line
// CHECK:         memref.prefetch %arg0[%{{.+}}, %c0]
// CHECK-NEXT:    memref.prefetch %arg0[%{{.+}}, %c16]
// CHECK-NOT:     memref.prefetch
func.func @one_line(%k: memref<?x64xf32>, %n: index) -> vector<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant dense<0.0> : vector<8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> vector<8xf32> {
    %a = vector.load %k[%i, %c0] : memref<?x64xf32>, vector<8xf32>
    %b = vector.load %k[%i, %c8] : memref<?x64xf32>, vector<8xf32>
    %c = vector.load %k[%i, %c16] : memref<?x64xf32>, vector<8xf32>
    %s0 = arith.addf %a, %b : vector<8xf32>
    %s1 = arith.addf %s0, %c : vector<8xf32>
    %s2 = arith.addf %acc, %s1 : vector<8xf32>
    scf.yield %s2 : vector<8xf32>
  } {attn.prefetch_ahead = 1 : i64}
  return %r : vector<8xf32>
}
