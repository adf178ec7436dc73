//===- NameResolver.h - Finding a model's tensors in a checkpoint -*- C++ -*-===//
//
// Published checkpoints often nest a model's tensors under a prefix
// ("transformer." in GPT-2's, "model." in LLaMA's). A tensor X is found as X
// or as P + X, for a single prefix P ending in "." that the resolver infers
// from the names the model needs and does not find as they are. Two
// candidate prefixes, or both X and P + X present, are ambiguous: the
// resolver refuses to guess.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_NAMERESOLVER_H
#define ATTNC_RUNTIME_LIB_NAMERESOLVER_H

#include "Checkpoint.h"
#include "Support.h"

#include <set>
#include <string>
#include <vector>

namespace attnc::rt {

class NameResolver {
public:
  /// Infers the prefix from the tensor names the model needs. Fails, naming
  /// both candidates, if two prefixes would each explain some names.
  static Expected<NameResolver> create(const Checkpoint &checkpoint,
                                       const std::set<std::string> &required);

  /// The path the checkpoint was opened from.
  const std::string &checkpointPath() const { return checkpoint->path(); }
  /// "" when every name is found as it is.
  const std::string &prefix() const { return inferredPrefix; }

  /// The entry for `name`, or nullptr with a message in `errors` (missing,
  /// or ambiguous between `name` and prefix + `name`). `context` is appended
  /// to the message, e.g. " (parameter 'wq', expected f32[4])".
  const Checkpoint::Entry *find(const std::string &name,
                                const std::string &context,
                                ErrorList &errors) const;

  /// Whether the checkpoint has `name`, as it is or under the prefix.
  bool holds(const std::string &name) const;

  /// Adds "missing tensor 'X' (nor 'P.X') or its alternative 'Y' (nor
  /// 'P.Y')" + `context` for the names tried, first to last.
  void reportMissing(const std::vector<std::string> &names,
                     const std::string &context, ErrorList &errors) const;

private:
  NameResolver(const Checkpoint &checkpoint, std::string prefix)
      : checkpoint(&checkpoint), inferredPrefix(std::move(prefix)) {}

  const Checkpoint *checkpoint;
  std::string inferredPrefix;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_NAMERESOLVER_H
