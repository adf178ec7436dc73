//===- AttentionDump.cpp - Writing a debug build's attention outputs ------===//
#include "AttentionDump.h"

#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

#include "attnc/Safetensors.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <tuple>

namespace attnc {
namespace {

Error invalidArgument(const std::string &message) {
  return Error(ATTNC_ERROR_INVALID_ARGUMENT, message);
}

std::string toJson(llvm::json::Value value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << value;
  return text;
}

/// One `attention.<n>` output and what of it to keep.
struct Site {
  const attnc_tensor *output;
  const attnc_tensor_info *info;
  bool stacked;
  int64_t layers, batch, heads, queries, keys;
};

std::optional<Site> asSite(const attnc_tensor &output,
                           const attnc_tensor_info &info) {
  if (!llvm::StringRef(output.name).starts_with(kAttentionOutputPrefix) ||
      output.dtype != ATTNC_DTYPE_F32 || (output.rank != 4 && output.rank != 5))
    return std::nullopt;
  const int64_t *s = output.shape;
  bool stacked = output.rank == 5;
  if (!stacked)
    return Site{&output, &info, false, 1, s[0], s[1], s[2], s[3]};
  return Site{&output, &info, true, s[0], s[1], s[2], s[3], s[4]};
}

/// The rows of an integer [batch, seq] input as a JSON array of arrays.
llvm::json::Array idRows(const attnc_tensor &input) {
  llvm::json::Array rows;
  int64_t batch = input.shape[0], seq = input.shape[1];
  size_t size = attnc_dtype_size(input.dtype);
  const char *bytes = static_cast<const char *>(input.data);
  for (int64_t b = 0; b < batch; ++b) {
    llvm::json::Array row;
    for (int64_t s = 0; s < seq; ++s) {
      // Inputs may be misaligned (they can point into a mapped file).
      const char *at = bytes + (b * seq + s) * size;
      if (input.dtype == ATTNC_DTYPE_I64) {
        int64_t id;
        std::memcpy(&id, at, sizeof id);
        row.push_back(id);
      } else {
        int32_t id;
        std::memcpy(&id, at, sizeof id);
        row.push_back(id);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

bool isTokenInput(const attnc_tensor &input) {
  return (input.dtype == ATTNC_DTYPE_I64 || input.dtype == ATTNC_DTYPE_I32) &&
         input.rank == 2;
}

/// The first token input (in manifest order) whose sequence dimension is the
/// dim `dimName`: the tokens that the queries or keys of a site are.
const char *tokenInputFor(const std::vector<attnc_tensor_info> &infos,
                          const std::vector<attnc_tensor> &inputs,
                          const char *dimName) {
  if (!dimName)
    return nullptr;
  for (const attnc_tensor_info &info : infos) {
    if (info.rank != 2 || !info.dim_names[1] ||
        std::strcmp(info.dim_names[1], dimName) != 0)
      continue;
    for (const attnc_tensor &input : inputs)
      if (std::strcmp(input.name, info.name) == 0 && isTokenInput(input))
        return info.name;
  }
  return nullptr;
}

} // namespace

std::string tokenLabel(const std::string &bytes) {
  std::string label;
  for (size_t i = 0; i < bytes.size();) {
    auto *begin = reinterpret_cast<const llvm::UTF8 *>(bytes.data() + i);
    unsigned length = llvm::getNumBytesForUTF8(bytes[i]);
    if (i + length <= bytes.size() &&
        llvm::isLegalUTF8Sequence(begin, begin + length)) {
      label.append(bytes, i, length);
      i += length;
      continue;
    }
    label += "<0x" +
             llvm::utohexstr(static_cast<unsigned char>(bytes[i]),
                             /*LowerCase=*/false, /*Width=*/2) +
             ">";
    ++i;
  }
  return label;
}

Expected<std::vector<int64_t>> parseIndexList(const std::string &text,
                                              int64_t count,
                                              const std::string &what) {
  std::vector<int64_t> indices;
  if (llvm::StringRef(text).trim() == "all") {
    for (int64_t i = 0; i < count; ++i)
      indices.push_back(i);
    return indices;
  }
  llvm::SmallVector<llvm::StringRef> items;
  llvm::StringRef(text).split(items, ',');
  for (llvm::StringRef item : items) {
    int64_t index;
    if (item.trim().getAsInteger(10, index) || index < 0)
      return invalidArgument("--" + what + " " + text + ": '" + item.str() +
                             "' is not an index (expected all or i,j,...)");
    if (index >= count)
      return invalidArgument("--" + what + " " + text + ": " +
                             std::to_string(index) + " is out of range (" +
                             std::to_string(count) + " " + what + ": 0.." +
                             std::to_string(count - 1) + ")");
    if (std::find(indices.begin(), indices.end(), index) != indices.end())
      return invalidArgument("--" + what + " " + text + ": " +
                             std::to_string(index) + " is listed twice");
    indices.push_back(index);
  }
  return indices;
}

/// A site's name and its number of layers or heads.
using SiteCount = std::pair<std::string, int64_t>;

/// The indices of `text` each site has. Sites may differ in their numbers of
/// layers (a 6-layer encoder beside a 2-layer decoder): each keeps the listed
/// indices below its own count; an index that no site has is an error, told
/// against the site with the most.
Expected<std::vector<std::vector<int64_t>>>
selectPerSite(const std::string &text, const std::vector<SiteCount> &sites,
              const std::string &what) {
  size_t widest = 0;
  for (size_t i = 1; i < sites.size(); ++i)
    if (sites[i].second > sites[widest].second)
      widest = i;
  Expected<std::vector<int64_t>> listed =
      parseIndexList(text, sites[widest].second, what);
  if (!listed)
    return Error(listed.error().code(),
                 listed.error().message() + " of " + sites[widest].first);
  std::vector<std::vector<int64_t>> kept;
  for (const SiteCount &site : sites) {
    std::vector<int64_t> &indices = kept.emplace_back();
    for (int64_t index : *listed)
      if (index < site.second)
        indices.push_back(index);
  }
  return kept;
}

Status checkAttentionDump(const Model &model,
                          const AttentionDumpRequest &request) {
  std::vector<SiteCount> layers, heads;
  for (const attnc_tensor_info &info : model.outputs()) {
    if (!llvm::StringRef(info.name).starts_with(kAttentionOutputPrefix) ||
        (info.rank != 4 && info.rank != 5))
      continue;
    bool stacked = info.rank == 5;
    layers.emplace_back(info.name, stacked ? info.shape[0] : 1);
    heads.emplace_back(info.name, info.shape[stacked ? 2 : 1]);
  }
  if (layers.empty())
    return invalidArgument(
        "model '" + std::string(model.name()) +
        "' has no attention outputs: compile it with --debug-attention to "
        "dump attention probabilities");
  for (auto [text, counts, what] :
       {std::tuple{&request.layers, &layers, "layers"},
        std::tuple{&request.heads, &heads, "heads"}})
    if (auto kept = selectPerSite(*text, *counts, what); !kept)
      return kept.error();
  return Status::success();
}

Status writeAttentionDump(const Model &model,
                          const std::vector<attnc_tensor> &inputs,
                          const attnc_tensor *outputs, size_t numOutputs,
                          const AttentionDumpRequest &request) {
  std::vector<attnc_tensor_info> outputInfos = model.outputs();
  std::vector<Site> sites;
  for (size_t i = 0; i < numOutputs && i < outputInfos.size(); ++i)
    if (std::optional<Site> site = asSite(outputs[i], outputInfos[i]))
      sites.push_back(*site);
  if (sites.empty())
    return invalidArgument(
        "model '" + std::string(model.name()) +
        "' has no attention outputs: compile it with --debug-attention to "
        "dump attention probabilities");

  std::map<std::string, std::string> metadata = request.metadata;
  metadata["producer"] = request.producer;
  metadata["model"] = std::string(model.name());
  metadata["axes"] = "layer,batch,head,query,key";
  std::vector<attnc_tensor_info> inputInfos = model.inputs();
  for (const attnc_tensor &input : inputs)
    if (isTokenInput(input))
      metadata["token_ids." + std::string(input.name)] = toJson(idRows(input));

  // Kept alive until the file is written.
  std::vector<std::vector<float>> data(sites.size());
  std::vector<std::vector<int64_t>> shapes(sites.size());
  std::map<std::string, st::TensorView> views;
  std::vector<SiteCount> layerCounts, headCounts;
  for (const Site &site : sites) {
    layerCounts.emplace_back(site.output->name, site.layers);
    headCounts.emplace_back(site.output->name, site.heads);
  }
  auto siteLayers = selectPerSite(request.layers, layerCounts, "layers");
  if (!siteLayers)
    return siteLayers.error();
  auto siteHeads = selectPerSite(request.heads, headCounts, "heads");
  if (!siteHeads)
    return siteHeads.error();
  for (auto [i, site] : llvm::enumerate(sites)) {
    std::string name = site.output->name;
    const std::vector<int64_t> *layers = &(*siteLayers)[i];
    const std::vector<int64_t> *heads = &(*siteHeads)[i];
    // A site without any of the listed layers (or heads) is left out.
    if (layers->empty() || heads->empty())
      continue;

    // [layers, batch, heads, queries, keys]: copy the kept (layer, head)
    // matrices of each batch entry.
    int64_t matrix = site.queries * site.keys;
    const float *source = static_cast<const float *>(site.output->data);
    std::vector<float> &kept = data[i];
    kept.reserve(layers->size() * site.batch * heads->size() * matrix);
    for (int64_t layer : *layers)
      for (int64_t b = 0; b < site.batch; ++b)
        for (int64_t head : *heads) {
          const float *from =
              source + ((layer * site.batch + b) * site.heads + head) * matrix;
          kept.insert(kept.end(), from, from + matrix);
        }
    shapes[i] = {static_cast<int64_t>(layers->size()), site.batch,
                 static_cast<int64_t>(heads->size()), site.queries, site.keys};
    views[name] = {ATTNC_DTYPE_F32, shapes[i], kept.data()};

    metadata[name + ".layers"] = toJson(llvm::json::Array(*layers));
    metadata[name + ".heads"] = toJson(llvm::json::Array(*heads));
    int32_t rank = site.info->rank;
    if (const char *queries =
            tokenInputFor(inputInfos, inputs, site.info->dim_names[rank - 2]))
      metadata[name + ".queries"] = queries;
    if (const char *keys =
            tokenInputFor(inputInfos, inputs, site.info->dim_names[rank - 1]))
      metadata[name + ".keys"] = keys;
  }
  if (views.empty())
    return invalidArgument("--layers " + request.layers + " --heads " +
                           request.heads +
                           ": no attention site has both some of those layers "
                           "and some of those heads");
  return st::write(request.path, views, metadata);
}

} // namespace attnc
