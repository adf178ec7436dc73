//===- Config.h - Constants from a Hugging Face config.json -----*- C++ -*-===//
#ifndef ATTNC_FRONTEND_CONFIG_H
#define ATTNC_FRONTEND_CONFIG_H

#include "attnc/Frontend/AST.h"
#include "attnc/Frontend/Diagnostics.h"
#include "attnc/Frontend/Sema.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace attnc {

/// Reads a JSON object such as a Hugging Face `config.json` and appends an
/// override for every top-level key that names a constant of the model
/// (`origin` = `path`): numbers as they are written, `true`/`false` as 1/0.
/// A `null` value is skipped with a note; a string, array or object for a
/// constant is an error. Keys the model does not declare are listed in one
/// note. Returns false if an error was reported (unreadable file, invalid
/// JSON, a value that is not a number). `path` may be a model directory:
/// its config.json is read. Keys the model does not declare but that change
/// what the checkpoint's model computes (rope_scaling, sliding_window below
/// the context, attention_bias, tie_word_embeddings for a model that reads
/// lm_head.weight, ...) are warnings naming the key and its value.
bool readConfigOverrides(llvm::StringRef path, const ast::Model &model,
                         DiagnosticReporter &diag,
                         llvm::SmallVectorImpl<ConstOverride> &overrides);

} // namespace attnc

#endif // ATTNC_FRONTEND_CONFIG_H
