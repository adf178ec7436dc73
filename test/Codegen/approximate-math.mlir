// RUN: attnc-opt %s -attnc-approximate-math | FileCheck %s

// exp becomes a polynomial on the vector: no math.exp (one libm call per
// lane once lowered) is left.
// CHECK-LABEL: func.func @exp
// CHECK-NOT:     math.exp
// CHECK:         math.fma {{.+}} : vector<16xf32>
// CHECK:         arith.select {{.+}} : vector<16xi1>, vector<16xf32>
// CHECK-NOT:     math.exp
func.func @exp(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.exp %x : vector<16xf32>
  return %0 : vector<16xf32>
}

// CHECK-LABEL: func.func @tanh_erf
// CHECK-NOT:     math.tanh
// CHECK-NOT:     math.erf
func.func @tanh_erf(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %0 = math.tanh %x : vector<16xf32>
  %1 = math.erf %x : vector<16xf32>
  return %0, %1 : vector<16xf32>, vector<16xf32>
}

// What has no approximation and no LLVM intrinsic (erf on f64) becomes a
// libm call; the approximations' vector fma stay vector ops.
// CHECK-LABEL: func.func @leftovers
// CHECK:         call @erf(%{{.+}}) : (f64) -> f64
// CHECK:         math.fma {{.+}} : vector<16xf32>
// CHECK-NOT:     call @fmaf
func.func @leftovers(%x: f64, %y: vector<16xf32>) -> (f64, vector<16xf32>) {
  %0 = math.erf %x : f64
  %1 = math.exp %y : vector<16xf32>
  return %0, %1 : f64, vector<16xf32>
}

// sin and cos of f32 get their argument reduced to [-pi, pi] in f64 first
// (x - 2 pi roundeven(x / 2 pi)), then MLIR's polynomial: within an ulp at
// any angle, where reducing by pi/2 in f32 drifts with the angle. f64 sin
// is left to LLVM.
// CHECK-LABEL: func.func @sin_cos
// CHECK:         %[[W:.+]] = arith.extf %{{.+}} : vector<16xf32> to vector<16xf64>
// CHECK:         %[[T:.+]] = arith.mulf %[[W]], %{{.+}} : vector<16xf64>
// CHECK:         %[[K:.+]] = math.roundeven %[[T]] : vector<16xf64>
// CHECK:         %[[M:.+]] = arith.mulf %[[K]], %{{.+}} : vector<16xf64>
// CHECK:         %[[R:.+]] = arith.subf %[[W]], %[[M]] : vector<16xf64>
// CHECK:         arith.truncf %[[R]] : vector<16xf64> to vector<16xf32>
// CHECK-NOT:     math.sin {{.+}} : vector<16xf32>
// CHECK-NOT:     math.cos {{.+}} : vector<16xf32>
// CHECK:         math.sin %{{.+}} : f64
func.func @sin_cos(%x: vector<16xf32>, %y: f64) -> (vector<16xf32>, vector<16xf32>, f64) {
  %0 = math.sin %x : vector<16xf32>
  %1 = math.cos %x : vector<16xf32>
  %2 = math.sin %y : f64
  return %0, %1, %2 : vector<16xf32>, vector<16xf32>, f64
}
