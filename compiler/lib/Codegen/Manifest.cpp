//===- Manifest.cpp - The manifest while the passes build it --------------===//
#include "attnc/Codegen/Manifest.h"
#include "attnc/Codegen/ABI.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

LogicalResult attnc::setManifestMember(ModuleOp module, StringRef key,
                                       Attribute value, StringRef pass) {
  auto global = module.lookupSymbol<LLVM::GlobalOp>(kManifestGlobal);
  auto manifest =
      global ? global->getAttrOfType<DictionaryAttr>(kManifestAttr) : nullptr;
  if (!manifest)
    return module.emitError() << pass << ": no manifest global '"
                              << kManifestGlobal << "' to record '" << key
                              << "' in";
  NamedAttrList members(manifest);
  members.set(key, value);
  global->setAttr(kManifestAttr, members.getDictionary(module.getContext()));
  return success();
}

llvm::Expected<llvm::json::Value> attnc::manifestToJson(Attribute value) {
  if (auto object = dyn_cast<DictionaryAttr>(value)) {
    llvm::json::Object out;
    for (NamedAttribute member : object) {
      llvm::Expected<llvm::json::Value> v = manifestToJson(member.getValue());
      if (!v)
        return v.takeError();
      out[member.getName().getValue()] = std::move(*v);
    }
    return llvm::json::Value(std::move(out));
  }
  if (auto array = dyn_cast<ArrayAttr>(value)) {
    llvm::json::Array out;
    for (Attribute element : array) {
      llvm::Expected<llvm::json::Value> v = manifestToJson(element);
      if (!v)
        return v.takeError();
      out.push_back(std::move(*v));
    }
    return llvm::json::Value(std::move(out));
  }
  if (auto string = dyn_cast<StringAttr>(value))
    return llvm::json::Value(string.getValue().str());
  if (auto boolean = dyn_cast<BoolAttr>(value))
    return llvm::json::Value(boolean.getValue());
  if (auto integer = dyn_cast<IntegerAttr>(value);
      integer && integer.getType().isInteger(64))
    return llvm::json::Value(integer.getInt());
  if (auto number = dyn_cast<FloatAttr>(value); number && number.getType().isF64())
    return llvm::json::Value(number.getValueAsDouble());
  std::string text;
  llvm::raw_string_ostream os(text);
  os << value;
  return llvm::createStringError(
      "a manifest member is an object, array, string, i64, bool or f64, not " +
      text);
}
