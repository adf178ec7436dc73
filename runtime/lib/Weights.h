//===- Weights.h - Parameters bound to a checkpoint -------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_WEIGHTS_H
#define ATTNC_RUNTIME_LIB_WEIGHTS_H

#include "Checkpoint.h"
#include "Manifest.h"
#include "Support.h"

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace attnc::rt {

/// Every tensor name a parameter may read, alternatives and layers
/// included (a prefix that explains only an alternative's name is still the
/// checkpoint's prefix).
std::set<std::string> requiredTensorNames(const Manifest &manifest);

/// A checkpoint checked against a model's parameters. Tensors of the
/// parameter's dtype are used in place in the file's mapping; the others are
/// converted once, and stacked parameters (manifest "layers") and tensors not
/// aligned to their element size are copied (and the checkpoint pages they
/// were copied from dropped). A parameter reads the first of its sources
/// (manifest "tensor", then "tensor_else") that the checkpoint holds;
/// parameters that read the same tensors share one buffer. Packed
/// parameters are built from their members' buffers.
class Weights {
public:
  /// Bytes done and in all, after each parameter bound and pack built.
  using Progress = std::function<void(uint64_t done, uint64_t total)>;

  /// Fails with every missing or mismatched tensor, one per line.
  static Expected<Weights> load(const Manifest &manifest,
                                const std::string &path,
                                const Progress &progress = nullptr);

  /// One per manifest parameter, in manifest order.
  const std::vector<const void *> &buffers() const { return paramData; }
  /// One per manifest pack ("packed_params"), in manifest order.
  const std::vector<const void *> &packBuffers() const { return packData; }
  /// Tensors of the checkpoint that no parameter uses, and the like.
  const std::vector<std::string> &warnings() const { return notes; }

private:
  explicit Weights(Checkpoint checkpoint)
      : checkpoint(std::move(checkpoint)) {}
  /// For a parameter no pack reads.
  static constexpr size_t kNoPack = SIZE_MAX;
  /// Gives back the memory of parameter `index` once every pack of it, and
  /// of the parameters sharing its buffer, is built (`lastPack`: each
  /// parameter's last pack; `built`: the pack just built): its pages of the
  /// checkpoint's mapping (read again on demand), or its copy if the code
  /// reads it only through packs (manifest "read": false; the slots become
  /// NULL).
  void releasePacked(const Manifest &manifest, size_t index,
                     const std::vector<size_t> &lastPack, size_t built);
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
