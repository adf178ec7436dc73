//===- ABI.cpp - The manifest global shared by the codegen passes ---------===//
#include "attnc/Codegen/ABI.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

LogicalResult attnc::setManifestMember(ModuleOp module, StringRef key,
                                       llvm::json::Value value,
                                       StringRef pass) {
  auto global = module.lookupSymbol<LLVM::GlobalOp>(kManifestGlobal);
  auto text = global ? dyn_cast_or_null<StringAttr>(global.getValueOrNull())
                     : StringAttr();
  if (!text)
    return module.emitError() << pass << ": no manifest global '"
                              << kManifestGlobal << "' to record '" << key
                              << "' in";
  StringRef json = text.getValue();
  json.consume_back(StringRef("\0", 1));
  llvm::Expected<llvm::json::Value> manifest = llvm::json::parse(json);
  if (!manifest || !manifest->getAsObject()) {
    if (!manifest)
      llvm::consumeError(manifest.takeError());
    return global.emitError() << pass << ": the manifest is not a JSON object";
  }
  (*manifest->getAsObject())[key] = std::move(value);
  std::string updated;
  llvm::raw_string_ostream os(updated);
  os << *manifest;
  updated.push_back('\0');
  OpBuilder b(global);
  global.setValueAttr(b.getStringAttr(updated));
  global.setGlobalType(
      LLVM::LLVMArrayType::get(b.getI8Type(), updated.size()));
  return success();
}
