//===- Config.cpp - Constants from a Hugging Face config.json -------------===//
//
// Models name their constants as the Hugging Face config keys (n_embd,
// num_attention_heads, ...), so a checkpoint's config.json sizes the model
// without a -D per key. The values become ordinary overrides, checked by
// Sema like -D values (an integer constant takes only integers).
//
//===----------------------------------------------------------------------===//

#include "attnc/Frontend/Config.h"
#include "attnc/Frontend/Json.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace attnc;
using namespace attnc::ast;
using llvm::SMLoc;

/// "a string", "an array", ... for a value that is not a number.
static llvm::StringRef kindOf(const llvm::json::Value &v) {
  switch (v.kind()) {
  case llvm::json::Value::Null:
    return "null";
  case llvm::json::Value::Boolean:
    return "a boolean";
  case llvm::json::Value::Number:
    return "a number";
  case llvm::json::Value::String:
    return "a string";
  case llvm::json::Value::Array:
    return "an array";
  case llvm::json::Value::Object:
    return "an object";
  }
  return "a value";
}

bool attnc::readConfigOverrides(
    llvm::StringRef path, const Model &model, DiagnosticReporter &diag,
    llvm::SmallVectorImpl<ConstOverride> &overrides) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    diag.error(SMLoc(), "cannot read config file '" + path +
                            "': " + buffer.getError().message());
    return false;
  }
  llvm::Expected<llvm::json::Value> json =
      parseJson((*buffer)->getBuffer());
  if (!json) {
    diag.error(SMLoc(), path + ": invalid JSON: " +
                            llvm::toString(json.takeError()));
    return false;
  }
  const llvm::json::Object *object = json->getAsObject();
  if (!object) {
    diag.error(SMLoc(), path + ": expected a JSON object, got " +
                            kindOf(*json));
    return false;
  }

  llvm::StringSet<> constants;
  for (const DeclPtr &decl : model.decls)
    if (llvm::isa<ConstDecl>(decl.get()))
      constants.insert(decl->name);

  // json::Object is unordered: sort the keys so that overrides and
  // messages come out the same on every run.
  llvm::SmallVector<llvm::StringRef> keys;
  for (const auto &entry : *object)
    keys.push_back(entry.first);
  llvm::sort(keys);

  bool ok = true;
  llvm::SmallVector<llvm::StringRef> ignored;
  for (llvm::StringRef key : keys) {
    if (!constants.contains(key)) {
      ignored.push_back(key);
      continue;
    }
    const llvm::json::Value &value = *object->get(key);
    std::string text;
    if (std::optional<int64_t> i = value.getAsInteger()) {
      text = std::to_string(*i);
    } else if (std::optional<double> d = value.getAsNumber()) {
      text = formatScalar(Scalar{*d, /*isInteger=*/false});
    } else if (std::optional<bool> b = value.getAsBoolean()) {
      text = *b ? "1" : "0";
    } else if (value.getAsNull()) {
      diag.note(SMLoc(), path + ": '" + key + "' is null; ignored");
      continue;
    } else {
      diag.error(SMLoc(), path + ": '" + key + "' must be a number, got " +
                              kindOf(value));
      ok = false;
      continue;
    }
    overrides.push_back({key.str(), text, path.str()});
  }
  if (!ignored.empty())
    diag.note(SMLoc(), path + ": ignoring keys the model does not declare: " +
                           llvm::join(ignored, ", "));
  return ok;
}
