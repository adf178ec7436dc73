// RUN: attnc-opt %s -split-input-file -attnc-write-manifest -verify-diagnostics | FileCheck %s

// The manifest the passes built becomes the global's JSON text: objects with
// sorted keys, i64 as integers, f64 as numbers (17 significant digits),
// booleans, strings escaped, NUL-terminated; the dictionary is dropped.
// CHECK-LABEL: llvm.mlir.global internal constant @__attnc_manifest
// CHECK-SAME: ("{\22a\22:[1,-2,{\22x\22:true,\22y\22:false}],\22b\22:0.10000000000000001,\22c\22:1,\22d\22:\22q\\\22\\\\\22,\22e\22:[],\22f\22:{}}\00")
// CHECK-SAME: {addr_space = 0 : i32}
// CHECK-NOT: attnc.manifest
llvm.mlir.global internal constant @__attnc_manifest("\00") {addr_space = 0 : i32, attnc.manifest = {f = {}, e = [], d = "q\"\\", c = 1.0 : f64, b = 0.1 : f64, a = [1, -2, {y = false, x = true}]}}

// -----

// A module whose manifest is text already, or that has none, is left alone.
// CHECK-LABEL: llvm.mlir.global internal constant @__attnc_manifest
// CHECK-SAME: ("{}\00")
llvm.mlir.global internal constant @__attnc_manifest("{}\00") {addr_space = 0 : i32}

// -----

// Only the kinds JSON has.
// expected-error @+1 {{attnc-write-manifest: a manifest member is an object, array, string, i64, bool or f64, not 3 : i32}}
llvm.mlir.global internal constant @__attnc_manifest("\00") {addr_space = 0 : i32, attnc.manifest = {n = 3 : i32}}
