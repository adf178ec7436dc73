//===- WriteManifest.cpp - The manifest's text, written once --------------===//
//
// The one place the manifest becomes the JSON text of the manifest global
// (Manifest.h): every member the passes set is in it by now.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/ABI.h"
#include "attnc/Codegen/Manifest.h"
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace attnc {
#define GEN_PASS_DEF_WRITEMANIFEST
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;
using namespace attnc;

namespace {

struct WriteManifestPass
    : attnc::impl::WriteManifestBase<WriteManifestPass> {
  void runOnOperation() override {
    auto global = getOperation().lookupSymbol<LLVM::GlobalOp>(kManifestGlobal);
    auto manifest =
        global ? global->getAttrOfType<DictionaryAttr>(kManifestAttr) : nullptr;
    if (!manifest)
      return;
    llvm::Expected<llvm::json::Value> json = manifestToJson(manifest);
    if (!json) {
      global.emitError() << getArgument() << ": "
                         << llvm::toString(json.takeError());
      return signalPassFailure();
    }
    std::string text;
    llvm::raw_string_ostream os(text);
    os << *json;
    text.push_back('\0'); // the runtime reads a C string
    OpBuilder b(global);
    global.setValueAttr(b.getStringAttr(text));
    global.setGlobalType(LLVM::LLVMArrayType::get(b.getI8Type(), text.size()));
    global->removeAttr(kManifestAttr);
  }
};

} // namespace
