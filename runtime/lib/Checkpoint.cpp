//===- Checkpoint.cpp - The tensors of a weights file or index ------------===//
#include "Checkpoint.h"

#include "Support.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <sys/stat.h>

namespace attnc::rt {
namespace {

using json = nlohmann::json;

bool endsWith(const std::string &text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string describe(const json &value) {
  return truncate(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

/// Whether a relative path has a ".." component, which could lead outside
/// the directory it is relative to.
bool climbsOut(const std::string &path) {
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find('/', begin);
    if (end == std::string::npos)
      end = path.size();
    if (path.compare(begin, end - begin, "..") == 0)
      return true;
    begin = end + 1;
  }
  return false;
}

/// What a model directory keeps its weights in, in order of preference
/// (Hugging Face's names).
constexpr const char *kDirectoryWeights[] = {"model.safetensors",
                                             "model.safetensors.index.json"};

} // namespace

Expected<std::string> Checkpoint::resolve(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return path;
  std::string dir = endsWith(path, "/") ? path : path + "/";
  for (const char *name : kDirectoryWeights)
    if (stat((dir + name).c_str(), &st) == 0 && S_ISREG(st.st_mode))
      return dir + name;
  return Error(ATTNC_ERROR_IO, path + ": no weights in this directory (looked "
                                      "for " + kDirectoryWeights[0] + " and " +
                                   kDirectoryWeights[1] + ")");
}

Expected<Checkpoint> Checkpoint::open(const std::string &given) {
  Expected<std::string> resolved = resolve(given);
  if (!resolved)
    return resolved.error();
  const std::string &path = *resolved;
  Checkpoint checkpoint;
  checkpoint.indexOrFile = path;
  if (endsWith(path, ".json")) {
    if (Status s = checkpoint.openIndex(); !s)
      return s.error();
    return checkpoint;
  }
  Expected<st::File> file = st::File::open(path);
  if (!file)
    return file.error();
  checkpoint.addFile(std::move(*file));
  for (const st::TensorInfo &info : checkpoint.files.back()->tensors())
    checkpoint.entries.emplace(info.name,
                               Entry{&info, &checkpoint.files.back()->path()});
  return checkpoint;
}

void Checkpoint::addFile(st::File file) {
  files.push_back(std::make_unique<st::File>(std::move(file)));
}

Status Checkpoint::openIndex() {
  const std::string &path = indexOrFile;
  auto formatError = [&](const std::string &message) {
    return Error(ATTNC_ERROR_FORMAT, path + ": " + message);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error(ATTNC_ERROR_IO,
                 "cannot open '" + path + "': " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  json index;
  try {
    index = json::parse(text.str());
  } catch (const json::exception &e) {
    return formatError(std::string("index is not valid JSON: ") + e.what());
  }
  if (!index.is_object())
    return formatError("index must be a JSON object, found " +
                       describe(index));
  auto metadata = index.find("metadata");
  if (metadata != index.end() && metadata->is_object())
    for (const auto &[key, value] : metadata->items())
      if (value.is_string())
        indexMetadata.emplace(key, value.get<std::string>());

  auto weightMap = index.find("weight_map");
  if (weightMap == index.end() || !weightMap->is_object())
    return formatError("index has no object \"weight_map\" (tensor name -> "
                       "shard file)");
  // Shard name -> the tensors the index puts in it, in name order.
  std::map<std::string, std::vector<std::string>> shards;
  for (const auto &[name, shard] : weightMap->items()) {
    if (!shard.is_string() || shard.get_ref<const std::string &>().empty())
      return formatError("weight_map: tensor '" + truncate(name) +
                         "' must map to a shard file name, found " +
                         describe(shard));
    const std::string &shardName = shard.get_ref<const std::string &>();
    if (shardName.front() == '/')
      return formatError("weight_map: shard '" + truncate(shardName) +
                         "' of tensor '" + truncate(name) +
                         "' must be relative to the index's directory");
    if (climbsOut(shardName))
      return formatError("weight_map: shard '" + truncate(shardName) +
                         "' of tensor '" + truncate(name) +
                         "' must stay inside the index's directory (no "
                         "'..')");
    shards[shardName].push_back(name);
  }

  std::string directory = directoryOf(path);
  ErrorList errors;
  for (const auto &[shardName, names] : shards) {
    Expected<st::File> file = st::File::open(directory + shardName);
    if (!file) {
      errors.add(file.error().code(),
                 file.error().message() + " (shard of " + path + ", holding '" +
                     names.front() + "'" +
                     (names.size() > 1
                          ? " and " + std::to_string(names.size() - 1) +
                                " more tensors"
                          : std::string()) +
                     ")");
      continue;
    }
    addFile(std::move(*file));
    const st::File &opened = *files.back();
    std::set<std::string_view> listed(names.begin(), names.end());
    for (const std::string &name : names) {
      const st::TensorInfo *info = opened.find(name);
      if (!info) {
        errors.add(ATTNC_ERROR_MISMATCH,
                   path + ": tensor '" + name + "' is mapped to shard '" +
                       shardName + "', which does not contain it");
        continue;
      }
      entries.emplace(name, Entry{info, &opened.path()});
    }
    for (const st::TensorInfo &info : opened.tensors())
      if (!listed.count(info.name))
        notes.push_back(opened.path() + ": tensor '" + info.name +
                        "' is not listed in the index " + path);
  }
  if (!errors.empty())
    return errors.take();
  return Status::success();
}

const Checkpoint::Entry *Checkpoint::find(std::string_view name) const {
  auto it = entries.find(name);
  return it == entries.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, std::string>>
Checkpoint::metadataValues(const std::string &key) const {
  std::vector<std::pair<std::string, std::string>> values;
  if (auto it = indexMetadata.find(key); it != indexMetadata.end())
    values.emplace_back(indexOrFile, it->second);
  for (const auto &file : files)
    if (auto it = file->metadata().find(key); it != file->metadata().end())
      values.emplace_back(file->path(), it->second);
  return values;
}

} // namespace attnc::rt
