//===- NameResolver.cpp - Finding a model's tensors in a checkpoint -------===//
#include "NameResolver.h"

#include <map>

namespace attnc::rt {

Expected<NameResolver>
NameResolver::create(const Checkpoint &checkpoint,
                     const std::set<std::string> &required) {
  std::set<std::string_view, std::less<>> missing;
  for (const std::string &name : required)
    if (!checkpoint.find(name))
      missing.insert(name);
  if (missing.empty())
    return NameResolver(checkpoint, "");

  // Every prefix that explains some missing name, with the first such
  // (name, tensor) pair as its example.
  struct Example {
    std::string_view name, tensor;
  };
  std::map<std::string_view, Example> candidates;
  std::map<std::string_view, std::vector<std::string_view>> foundAs;
  for (const auto &[tensor, entry] : checkpoint.tensors()) {
    std::string_view full = tensor;
    for (size_t dot = full.find('.'); dot != std::string_view::npos;
         dot = full.find('.', dot + 1)) {
      auto it = missing.find(full.substr(dot + 1));
      if (it == missing.end())
        continue;
      candidates.emplace(full.substr(0, dot + 1), Example{*it, full});
      foundAs[*it].push_back(full);
    }
  }
  if (candidates.size() <= 1)
    return NameResolver(checkpoint, candidates.empty()
                                        ? std::string()
                                        : std::string(candidates.begin()->first));

  for (const auto &[name, tensors] : foundAs)
    if (tensors.size() > 1)
      return Error(ATTNC_ERROR_MISMATCH,
                   checkpoint.path() + ": tensor '" + std::string(name) +
                       "' is ambiguous: found as '" + std::string(tensors[0]) +
                       "' and as '" + std::string(tensors[1]) + "'");
  auto first = candidates.begin(), second = std::next(first);
  return Error(ATTNC_ERROR_MISMATCH,
               checkpoint.path() + ": tensors are under two prefixes, '" +
                   std::string(first->first) + "' ('" +
                   std::string(first->second.tensor) + "') and '" +
                   std::string(second->first) + "' ('" +
                   std::string(second->second.tensor) +
                   "'); a checkpoint must use one prefix consistently");
}

const Checkpoint::Entry *NameResolver::find(const std::string &name,
                                            const std::string &context,
                                            ErrorList &errors) const {
  const Checkpoint::Entry *exact = checkpoint->find(name);
  if (inferredPrefix.empty()) {
    if (!exact)
      reportMissing({name}, context, errors);
    return exact;
  }
  std::string prefixed = inferredPrefix + name;
  const Checkpoint::Entry *nested = checkpoint->find(prefixed);
  if (exact && nested) {
    errors.add(ATTNC_ERROR_MISMATCH,
               checkpoint->path() + ": tensor '" + name +
                   "' is ambiguous: found as '" + name + "' and as '" +
                   prefixed + "'" + context);
    return nullptr;
  }
  if (!exact && !nested)
    reportMissing({name}, context, errors);
  return exact ? exact : nested;
}

bool NameResolver::holds(const std::string &name) const {
  return checkpoint->find(name) ||
         (!inferredPrefix.empty() && checkpoint->find(inferredPrefix + name));
}

void NameResolver::reportMissing(const std::vector<std::string> &names,
                                 const std::string &context,
                                 ErrorList &errors) const {
  auto tried = [&](const std::string &name) {
    return "'" + name + "'" +
           (inferredPrefix.empty() ? "" : " (nor '" + inferredPrefix + name + "')");
  };
  std::string message = checkpoint->path() + ": missing tensor " + tried(names[0]);
  for (size_t i = 1; i < names.size(); ++i)
    message += (i == 1 ? names.size() == 2 ? " or its alternative "
                                           : " or its alternatives "
                       : ", ") +
               tried(names[i]);
  errors.add(ATTNC_ERROR_MISMATCH, message + context);
}

} // namespace attnc::rt
