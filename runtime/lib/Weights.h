//===- Weights.h - Parameters bound to a checkpoint -------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_WEIGHTS_H
#define ATTNC_RUNTIME_LIB_WEIGHTS_H

#include "Checkpoint.h"
#include "Manifest.h"
#include "Support.h"

#include <string>
#include <vector>

namespace attnc::rt {

/// A checkpoint checked against a model's parameters. Tensors of the
/// parameter's dtype are used in place in the file's mapping; the others are
/// converted once, and stacked parameters (manifest "layers") and tensors not
/// aligned to their element size are copied (and the checkpoint pages they
/// were copied from dropped). Packed parameters are built from their
/// members' buffers.
class Weights {
public:
  /// Fails with every missing or mismatched tensor, one per line.
  static Expected<Weights> load(const Manifest &manifest,
                                const std::string &path);

  /// One per manifest parameter, in manifest order.
  const std::vector<const void *> &buffers() const { return paramData; }
  /// One per manifest pack ("packed_params"), in manifest order.
  const std::vector<const void *> &packBuffers() const { return packData; }
  /// Tensors of the checkpoint that no parameter uses, and the like.
  const std::vector<std::string> &warnings() const { return notes; }

private:
  explicit Weights(Checkpoint checkpoint)
      : checkpoint(std::move(checkpoint)) {}
  /// Gives back the memory of parameter `index` once every pack of it is
  /// built: its pages of the checkpoint's mapping (read again on demand), or
  /// its copy if the code reads it only through packs (manifest "read":
  /// false; the slot becomes NULL).
  void releasePacked(const Manifest &manifest, size_t index);
  /// Maps in every page the code reads (packs, copies, parameters used in
  /// place), so that the first run takes no page faults on them.
  /// `lastPack[i]` is SIZE_MAX unless parameter i is a pack's member.
  void makeResident(const Manifest &manifest,
                    const std::vector<size_t> &lastPack);

  Checkpoint checkpoint;
  std::vector<AlignedBuffer> copies;
  std::vector<const void *> paramData, packData;
  std::vector<std::string> notes;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_WEIGHTS_H
