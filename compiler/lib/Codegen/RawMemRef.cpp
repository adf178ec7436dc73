//===- RawMemRef.cpp - A memref over a raw pointer ------------------------===//
#include "attnc/Codegen/RawMemRef.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

Value attnc::memrefFromPointer(OpBuilder &b, Location loc, Value ptr,
                               MemRefType type, ArrayRef<Value> sizes) {
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  int64_t rank = type.getRank();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto constant = [&](int64_t v) {
    return b.create<LLVM::ConstantOp>(loc, i64, b.getI64IntegerAttr(v));
  };
  SmallVector<Type> fields{ptrType, ptrType, i64};
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  Value desc = b.create<LLVM::UndefOp>(loc, descType);
  desc = b.create<LLVM::InsertValueOp>(loc, desc, ptr, ArrayRef<int64_t>{0});
  desc = b.create<LLVM::InsertValueOp>(loc, desc, ptr, ArrayRef<int64_t>{1});
  desc = b.create<LLVM::InsertValueOp>(loc, desc, constant(0),
                                       ArrayRef<int64_t>{2});
  Value stride = constant(1);
  for (int64_t d = rank - 1; d >= 0; --d) {
    desc = b.create<LLVM::InsertValueOp>(loc, desc, sizes[d],
                                         ArrayRef<int64_t>{3, d});
    desc = b.create<LLVM::InsertValueOp>(loc, desc, stride,
                                         ArrayRef<int64_t>{4, d});
    if (d > 0)
      stride = b.create<LLVM::MulOp>(loc, stride, sizes[d]);
  }
  return b.create<UnrealizedConversionCastOp>(loc, type, desc).getResult(0);
}
