//===- Weights.h - Parameters bound to a safetensors file -------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_WEIGHTS_H
#define ATTNC_RUNTIME_LIB_WEIGHTS_H

#include "Manifest.h"
#include "Support.h"
#include "attnc/Safetensors.h"

#include <string>
#include <vector>

namespace attnc::rt {

/// A weights file checked against a model's parameters. The tensors are
/// used in place in the file's mapping, except those not aligned to their
/// element size, which are copied.
class Weights {
public:
  /// Fails with every missing or mismatched parameter, one per line.
  static Expected<Weights> load(const Manifest &manifest,
                                const std::string &path);

  /// One per manifest parameter, in manifest order.
  const std::vector<const void *> &buffers() const { return paramData; }
  /// Tensors of the file that no parameter uses.
  const std::vector<std::string> &warnings() const { return unused; }

private:
  explicit Weights(st::File file) : file(std::move(file)) {}

  st::File file;
  std::vector<AlignedBuffer> copies;
  std::vector<const void *> paramData;
  std::vector<std::string> unused;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_WEIGHTS_H
