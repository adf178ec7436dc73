//===- Checkpoint.h - The tensors of a weights file or index ----*- C++ -*-===//
//
// A checkpoint is one safetensors file, or a Hugging Face sharded checkpoint:
// an index JSON file (any path ending in ".json") whose "weight_map" maps each
// tensor name to a shard file, relative to the index's directory. Every shard
// is mapped and validated, and every tensor the index lists must be in its
// shard. A Hugging Face model directory stands for the checkpoint it
// holds: its model.safetensors, else its model.safetensors.index.json.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_CHECKPOINT_H
#define ATTNC_RUNTIME_LIB_CHECKPOINT_H

#include "attnc/Safetensors.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

class Checkpoint {
public:
  /// A tensor and the path of the file that holds it.
  struct Entry {
    const st::TensorInfo *info;
    const std::string *file;
  };

  /// `path` is a safetensors file, an index, or a model directory.
  static Expected<Checkpoint> open(const std::string &path);
  /// The file `path` stands for: itself, or the one its directory holds.
  static Expected<std::string> resolve(const std::string &path);

  /// The path given to open().
  const std::string &path() const { return indexOrFile; }
  /// nullptr if the checkpoint has no tensor of that name.
  const Entry *find(std::string_view name) const;
  /// Every tensor, by name.
  const std::map<std::string, Entry, std::less<>> &tensors() const {
    return entries;
  }
  /// The "__metadata__" of every file, or the index's "metadata" of strings,
  /// that has `key`: (file, value) pairs.
  std::vector<std::pair<std::string, std::string>>
  metadataValues(const std::string &key) const;
  /// Tensors of shards that the index does not list.
  const std::vector<std::string> &warnings() const { return notes; }

private:
  Checkpoint() = default;
  Status openIndex();
  void addFile(st::File file);

  std::string indexOrFile;
  /// unique_ptr: entries point into the files.
  std::vector<std::unique_ptr<st::File>> files;
  std::map<std::string, Entry, std::less<>> entries;
  std::map<std::string, std::string> indexMetadata;
  std::vector<std::string> notes;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_CHECKPOINT_H
