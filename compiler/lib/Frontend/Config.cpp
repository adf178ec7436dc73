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
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

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

/// Whether the model must read a tensor by this checkpoint name: a
/// parameter with `else` alternatives falls back to them when it is absent.
static bool readsTensor(const std::vector<DeclPtr> &decls,
                        llvm::StringRef tensor) {
  for (const DeclPtr &decl : decls) {
    if (auto *param = llvm::dyn_cast<ParamDecl>(decl.get()))
      if (param->tensorName() == tensor && param->alternatives.empty())
        return true;
    if (auto *block = llvm::dyn_cast<BlockDecl>(decl.get()))
      if (readsTensor(block->body, tensor))
        return true;
  }
  return false;
}

/// The context a config describes (Hugging Face's names for it), or 0.
static int64_t contextOf(const llvm::json::Object &config) {
  for (llvm::StringRef key :
       {"max_position_embeddings", "n_positions", "n_ctx", "max_seq_len"})
    if (std::optional<int64_t> n = config.getInteger(key))
      return *n;
  return 0;
}

/// `num_labels`, when the model declares it and the config does not set it,
/// is the number of entries of `id2label`.
static constexpr const char *kLabelsKey = "id2label";
static constexpr const char *kLabelCountConst = "num_labels";

namespace {
/// A config key that changes what the checkpoint's model computes. A model
/// that declares no constant by its name does not read it, so when `applies`
/// the compiled model computes something else than the checkpoint's.
struct UnreadKey {
  const char *key;
  bool (*applies)(const llvm::json::Value &value,
                  const llvm::json::Object &config, const Model &model);
  const char *consequence;
};
} // namespace

static bool isTrue(const llvm::json::Value &v, const llvm::json::Object &,
                   const Model &) {
  return v.getAsBoolean().value_or(false);
}
static bool isSet(const llvm::json::Value &v, const llvm::json::Object &,
                  const Model &) {
  return !v.getAsNull();
}

static const UnreadKey kUnreadKeys[] = {
    {"rope_scaling", isSet, "positions are rotated without scaling"},
    {"sliding_window",
     [](const llvm::json::Value &v, const llvm::json::Object &config,
        const Model &) {
       std::optional<int64_t> window = v.getAsInteger();
       int64_t context = contextOf(config);
       return window && config.getBoolean("use_sliding_window") != false &&
              (context == 0 || *window < context);
     },
     "every token attends to the whole context, not a window"},
    {"attention_bias", isTrue,
     "the q/k/v/o projections add no bias unless the model has one"},
    {"mlp_bias", isTrue, "the MLP adds no bias unless the model has one"},
    {"attn_logit_softcapping", isSet, "attention scores are not capped"},
    {"final_logit_softcapping", isSet, "logits are not capped"},
    {"tie_word_embeddings",
     [](const llvm::json::Value &v, const llvm::json::Object &,
        const Model &model) {
       return v.getAsBoolean().value_or(false) &&
              readsTensor(model.decls, "lm_head.weight");
     },
     "the model reads 'lm_head.weight', which a checkpoint with tied "
     "embeddings does not hold"},
};

bool attnc::readConfigOverrides(
    llvm::StringRef configPath, const Model &model, DiagnosticReporter &diag,
    llvm::SmallVectorImpl<ConstOverride> &overrides) {
  // A model directory stands for its config.json.
  llvm::SmallString<256> pathStorage(configPath);
  if (llvm::sys::fs::is_directory(configPath))
    llvm::sys::path::append(pathStorage, "config.json");
  llvm::StringRef path = pathStorage;
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
    // Hugging Face saves a classifier's class count as the id2label map.
    if (key == kLabelsKey && constants.contains(kLabelCountConst) &&
        !object->get(kLabelCountConst)) {
      if (const llvm::json::Object *labels = object->getObject(key)) {
        overrides.push_back(
            {kLabelCountConst, std::to_string(labels->size()), path.str()});
        continue;
      }
    }
    if (!constants.contains(key)) {
      const llvm::json::Value &value = *object->get(key);
      const UnreadKey *unread = llvm::find_if(
          kUnreadKeys, [&](const UnreadKey &u) { return key == u.key; });
      if (unread != std::end(kUnreadKeys) &&
          unread->applies(value, *object, model)) {
        std::string written;
        llvm::raw_string_ostream(written) << value;
        diag.warning(SMLoc(), path + ": '" + key + "' is " + written +
                                  ", but model '" + model.name +
                                  "' does not read it: " +
                                  unread->consequence);
        continue;
      }
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
