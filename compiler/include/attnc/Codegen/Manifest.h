//===- Manifest.h - The manifest while the passes build it -----*- C++ -*-===//
//
// The manifest (docs/abi.md "Manifest") stays structured data until the
// last pass writes it: attnc-expose-model-abi puts it on the manifest global
// as the dictionary `attnc.manifest`, later passes set members of it, and
// attnc-write-manifest alone turns it into the JSON text the runtime reads.
// JSON in attributes: an object is a DictionaryAttr, an array an ArrayAttr,
// a string a StringAttr, an integer an i64 IntegerAttr, a boolean a BoolAttr
// and any other number an f64 FloatAttr.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_MANIFEST_H
#define ATTNC_CODEGEN_MANIFEST_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

namespace attnc {

/// On the manifest global (ABI.h kManifestGlobal): the manifest's members.
inline constexpr llvm::StringLiteral kManifestAttr = "attnc.manifest";

/// Sets member `key` of the manifest to `value`; `pass` names the caller in
/// the error when the module has no manifest to set it in.
mlir::LogicalResult setManifestMember(mlir::ModuleOp module, llvm::StringRef key,
                                      mlir::Attribute value,
                                      llvm::StringRef pass);

/// The JSON value of a manifest attribute (the kinds above), or an error
/// naming the first attribute of another kind.
llvm::Expected<llvm::json::Value> manifestToJson(mlir::Attribute value);

} // namespace attnc

#endif // ATTNC_CODEGEN_MANIFEST_H
