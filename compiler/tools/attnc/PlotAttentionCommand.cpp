//===- PlotAttentionCommand.cpp - The `attnc plot-attention` subcommand ---===//
#include "PlotAttentionCommand.h"
#include "ReportError.h"

#include "AttentionDump.h"
#include "ImageAttentionPlot.h"

#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Frontend/Json.h"
#include "attnc/Plot/Heatmap.h"
#include "attnc/Safetensors.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace cl = llvm::cl;

llvm::cl::SubCommand attnc::plotAttentionSubCommand(
    "plot-attention",
    "Draw attention heatmaps from a file of attnc run --dump-attention");

using attnc::reportError;

namespace {

cl::SubCommand &sub = attnc::plotAttentionSubCommand;

cl::opt<std::string>
    dumpPath(cl::Positional, cl::Required,
             cl::desc("<attention.safetensors | model.so (with --image)>"),
             cl::sub(sub));
cl::opt<std::string>
    modelDir(cl::Positional, cl::Optional,
             cl::desc("[model-dir] (with --image: the model's directory, "
                      "with its weights and preprocessor_config.json)"),
             cl::sub(sub));
cl::opt<std::string> imagePath(
    "image",
    cl::desc("Run the model (compiled with --debug-attention) on this "
             "picture and draw the class token's attention over it"),
    cl::value_desc("picture.png|jpg"), cl::sub(sub));
cl::opt<std::string> weightsPath(
    "weights", cl::desc("With --image: the weights (default: the directory's)"),
    cl::value_desc("file|dir"), cl::sub(sub));
cl::opt<std::string> preprocessorConfigPath(
    "preprocessor-config",
    cl::desc("With --image: the preprocessor_config.json (default: the "
             "directory's, else ViTImageProcessor's defaults)"),
    cl::value_desc("file"), cl::sub(sub));
cl::opt<std::string>
    jsonPath("json",
             cl::desc("With --image: also write the numbers behind the picture "
                      "(per-head grids, their mean, the rollout) as JSON"),
             cl::value_desc("file"), cl::sub(sub));
cl::opt<std::string> outputPath(
    "o", cl::Required,
    cl::desc("Write the plot here: SVG, or PNG when the name ends in .png"),
    cl::value_desc("file"), cl::sub(sub));
cl::opt<unsigned> siteIndex("site", cl::init(0),
                            cl::desc("The attention site, attention.<n> "
                                     "(default: 0)"),
                            cl::value_desc("n"), cl::sub(sub));
cl::opt<std::string> tensorName(
    "tensor",
    cl::desc("Draw this tensor of the file instead of attention.<n>: any f32 "
             "[queries, keys], [batch, queries, keys] or [batch, heads, "
             "queries, keys], e.g. an output of attnc run --outputs"),
    cl::value_desc("name"), cl::sub(sub));
cl::opt<int64_t> layerIndex(
    "layer", cl::desc("The model's layer to draw (default: the first dumped)"),
    cl::value_desc("L"), cl::sub(sub));
cl::opt<int64_t>
    headIndex("head",
              cl::desc("Draw only this head of the model (default: one panel "
                       "per dumped head)"),
              cl::value_desc("H"), cl::sub(sub));
cl::opt<bool> average("average",
                      cl::desc("Draw one panel: the mean over the dumped "
                               "heads"),
                      cl::sub(sub));
cl::opt<int64_t> batchIndex("batch", cl::init(0),
                            cl::desc("The batch entry (default: 0)"),
                            cl::value_desc("b"), cl::sub(sub));
cl::opt<std::string> tokensOption(
    "tokens",
    cl::desc("Labels of the queries (and of the keys, if as many): "
             "comma-separated, \\, for a comma in a label (default: the "
             "dump's token strings, else token ids, else positions)"),
    cl::value_desc("a,b,c"), cl::sub(sub));
cl::opt<std::string>
    keyTokensOption("key-tokens",
                    cl::desc("Labels of the keys, when they differ from the "
                             "queries' (cross-attention)"),
                    cl::value_desc("a,b,c"), cl::sub(sub));
cl::opt<double> maxValue(
    "max-value",
    cl::desc("Top of the color scale (default: the largest weight drawn)"),
    cl::value_desc("p"), cl::sub(sub));
cl::opt<double> pngScale("scale", cl::init(1),
                         cl::desc("PNG output: pixels per SVG unit "
                                  "(default: 1)"),
                         cl::value_desc("s"), cl::sub(sub));

/// A JSON array of integers in the metadata, or `fallback` if absent.
std::optional<std::vector<int64_t>>
indexList(const std::map<std::string, std::string> &meta,
          const std::string &key, int64_t fallbackCount) {
  auto it = meta.find(key);
  std::vector<int64_t> list;
  if (it == meta.end()) {
    for (int64_t i = 0; i < fallbackCount; ++i)
      list.push_back(i);
    return list;
  }
  llvm::Expected<llvm::json::Value> value = attnc::parseJson(it->second);
  if (!value) {
    llvm::consumeError(value.takeError());
    return std::nullopt;
  }
  const llvm::json::Array *array = value->getAsArray();
  if (!array || static_cast<int64_t>(array->size()) != fallbackCount)
    return std::nullopt;
  for (const llvm::json::Value &v : *array) {
    std::optional<int64_t> i = v.getAsInteger();
    if (!i)
      return std::nullopt;
    list.push_back(*i);
  }
  return list;
}

/// Comma-separated labels; \, is a comma inside a label and \\ a backslash
/// (a character-level model has "," as a token).
std::vector<std::string> splitTokens(llvm::StringRef text) {
  std::vector<std::string> items(1);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size() &&
        (text[i + 1] == ',' || text[i + 1] == '\\'))
      items.back() += text[++i];
    else if (c == ',')
      items.emplace_back();
    else
      items.back() += c;
  }
  return items;
}

/// Row `batch` of a JSON array of rows of strings or integers.
std::optional<std::vector<std::string>> metadataRow(llvm::StringRef json,
                                                    int64_t batch) {
  llvm::Expected<llvm::json::Value> value = attnc::parseJson(json);
  if (!value) {
    llvm::consumeError(value.takeError());
    return std::nullopt;
  }
  const llvm::json::Array *rows = value->getAsArray();
  if (!rows || batch >= static_cast<int64_t>(rows->size()))
    return std::nullopt;
  const llvm::json::Array *row = (*rows)[batch].getAsArray();
  if (!row)
    return std::nullopt;
  std::vector<std::string> tokens;
  for (const llvm::json::Value &item : *row) {
    if (std::optional<llvm::StringRef> s = item.getAsString())
      tokens.push_back(s->str());
    else if (std::optional<int64_t> i = item.getAsInteger())
      tokens.push_back(std::to_string(*i));
    else
      return std::nullopt;
  }
  return tokens;
}

/// The labels of `count` queries or keys: from an option, else the dump's
/// tokens of the input `input`, else its token ids, else positions.
attnc::Expected<std::vector<std::string>>
labelsFor(const std::map<std::string, std::string> &meta, llvm::StringRef input,
          const std::string &option, const char *optionName, int64_t count,
          const char *what) {
  if (!option.empty()) {
    std::vector<std::string> tokens = splitTokens(option);
    if (static_cast<int64_t>(tokens.size()) != count)
      return attnc::Error(ATTNC_ERROR_INVALID_ARGUMENT,
                          std::string("--") + optionName + " has " +
                              std::to_string(tokens.size()) +
                              " tokens, but there are " +
                              std::to_string(count) + " " + what);
    return tokens;
  }
  for (const char *prefix : {"tokens.", "token_ids."}) {
    auto it = input.empty() ? meta.end() : meta.find(prefix + input.str());
    if (it == meta.end())
      continue;
    std::optional<std::vector<std::string>> row =
        metadataRow(it->second, batchIndex);
    if (!row || static_cast<int64_t>(row->size()) != count)
      return attnc::Error(ATTNC_ERROR_FORMAT,
                          "metadata '" + it->first + "' does not hold " +
                              std::to_string(count) + " " + what +
                              " for batch entry " + std::to_string(batchIndex));
    return *row;
  }
  std::vector<std::string> positions;
  for (int64_t i = 0; i < count; ++i)
    positions.push_back(std::to_string(i));
  return positions;
}

std::string joinIndices(const std::vector<int64_t> &list) {
  std::string text;
  for (int64_t i : list)
    text += (text.empty() ? "" : ", ") + std::to_string(i);
  return text;
}

/// Where `value` sits in `list`, or -1.
int64_t positionOf(const std::vector<int64_t> &list, int64_t value) {
  auto it = llvm::find(list, value);
  return it == list.end() ? -1 : it - list.begin();
}

int writeText(const std::string &path, const std::string &text) {
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return reportError("cannot write '" + path + "': " + ec.message());
  out.os() << text;
  out.os().flush();
  if (out.os().has_error())
    return reportError("cannot write '" + path + "'");
  out.keep();
  return 0;
}

int writePng(const std::string &path, const std::string &svgText) {
  llvm::ErrorOr<std::string> converter =
      llvm::sys::findProgramByName("rsvg-convert");
  if (!converter)
    return reportError("writing a PNG needs rsvg-convert (Debian package "
                       "librsvg2-bin), which is not installed; write an .svg "
                       "instead");
  llvm::SmallString<128> svgPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("attnc-plot", "svg", svgPath))
    return reportError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeSvg(svgPath);
  if (int rc = writeText(std::string(svgPath), svgText))
    return rc;
  std::string zoom = llvm::formatv("{0}", pngScale.getValue()).str();
  llvm::SmallVector<llvm::StringRef> args{
      *converter, "--format", "png", "--zoom", zoom, "--output", path, svgPath};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*converter, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    return reportError("rsvg-convert failed" +
                       (message.empty() ? "" : ": " + message));
  return 0;
}

/// plot-attention --image: a vision model run on a picture.
int plotOverPicture() {
  const cl::Option *dumpOnly[] = {&tensorName, &headIndex,    &average,         &batchIndex,
                                  &tokensOption, &keyTokensOption, &maxValue};
  for (const cl::Option *other : dumpOnly)
    if (other->getNumOccurrences())
      return reportError("--" + other->ArgStr +
                         " does not go with --image (every head is drawn, "
                         "each panel on its own scale)");
  attnc::ImageAttentionRequest request{
      dumpPath,  modelDir,  weightsPath, preprocessorConfigPath,
      imagePath, siteIndex, std::nullopt};
  if (layerIndex.getNumOccurrences())
    request.layer = layerIndex;
  attnc::Expected<attnc::ImageAttentionPlot> plot =
      attnc::plotImageAttention(request);
  if (!plot)
    return reportError(plot.error().message());
  if (!jsonPath.empty())
    if (int rc = writeText(jsonPath, plot->json))
      return rc;
  if (llvm::StringRef(outputPath).ends_with_insensitive(".png"))
    return writePng(outputPath, plot->svg);
  return writeText(outputPath, plot->svg);
}

/// One attention site of a dump: its tensor and which of the model's
/// layers and heads it holds.
struct DumpSite {
  std::string name;
  const attnc::st::TensorInfo *tensor = nullptr;
  int64_t layers = 0, batch = 0, heads = 0, queries = 0, keys = 0;
  std::vector<int64_t> layerList, headList;
};

attnc::Expected<DumpSite> openSite(const attnc::st::File &file) {
  using attnc::Error;
  DumpSite site;
  site.name = (attnc::kAttentionOutputPrefix + llvm::Twine(siteIndex)).str();
  if (!tensorName.empty())
    site.name = tensorName;
  const std::string &name = site.name;
  site.tensor = file.find(name);
  if (!site.tensor && !tensorName.empty()) {
    std::string names;
    for (const attnc::st::TensorInfo &t : file.tensors())
      names += (names.empty() ? "" : ", ") + t.name;
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "'" + dumpPath + "' has no tensor '" + name + "' (it has " +
                     (names.empty() ? "none" : names) + ")");
  }
  if (!site.tensor) {
    std::string sites;
    for (const attnc::st::TensorInfo &t : file.tensors())
      if (llvm::StringRef(t.name).starts_with(attnc::kAttentionOutputPrefix))
        sites += (sites.empty() ? "" : ", ") + t.name;
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "'" + dumpPath + "' has no tensor '" + name + "' (" +
                     (sites.empty() ? "no attention tensors: is it a file "
                                      "of attnc run --dump-attention?"
                                    : "it has " + sites) +
                     ")");
  }
  // --tensor: the leading dims that are missing have size 1.
  std::vector<int64_t> shape = site.tensor->shape;
  if (!tensorName.empty() && shape.size() >= 2 && shape.size() <= 4)
    shape.insert(shape.begin(), 5 - shape.size(), 1);
  if (site.tensor->dtype != ATTNC_DTYPE_F32 || shape.size() != 5)
    return Error(ATTNC_ERROR_FORMAT,
                 "'" + name +
                     (tensorName.empty()
                          ? "' is not an f32 [layers, batch, heads, queries, "
                            "keys] tensor"
                          : "' is not an f32 [queries, keys], [batch, "
                            "queries, keys] or [batch, heads, queries, keys] "
                            "tensor"));
  site.layers = shape[0];
  site.batch = shape[1];
  site.heads = shape[2];
  site.queries = shape[3];
  site.keys = shape[4];
  if (site.layers < 1 || site.batch < 1 || site.heads < 1 || site.queries < 1 ||
      site.keys < 1)
    return Error(ATTNC_ERROR_FORMAT, "'" + name + "' is empty");
  const std::map<std::string, std::string> &meta = file.metadata();
  std::optional<std::vector<int64_t>> layerList =
      indexList(meta, name + ".layers", site.layers);
  std::optional<std::vector<int64_t>> headList =
      indexList(meta, name + ".heads", site.heads);
  if (!layerList || !headList)
    return Error(ATTNC_ERROR_FORMAT,
                 "metadata '" + name + ".layers' or '" + name +
                     ".heads' does not match the tensor's shape");
  site.layerList = std::move(*layerList);
  site.headList = std::move(*headList);
  return site;
}

/// What to draw: a position in the site's layers and positions in its heads.
struct Selection {
  int64_t layer = 0;
  std::vector<int64_t> heads;
};

attnc::Expected<Selection> selectDrawn(const DumpSite &site) {
  using attnc::Error;
  Selection selected;
  selected.layer = layerIndex.getNumOccurrences()
                       ? positionOf(site.layerList, layerIndex)
                       : 0;
  if (selected.layer < 0)
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "--layer " + std::to_string(layerIndex) +
                     ": the file holds layers " + joinIndices(site.layerList));
  if (batchIndex < 0 || batchIndex >= site.batch)
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "--batch " + std::to_string(batchIndex) + ": the batch has " +
                     std::to_string(site.batch) +
                     (site.batch == 1 ? " entry" : " entries"));
  if (headIndex.getNumOccurrences()) {
    int64_t head = positionOf(site.headList, headIndex);
    if (head < 0)
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   "--head " + std::to_string(headIndex) +
                       ": the file holds heads " + joinIndices(site.headList));
    selected.heads.push_back(head);
  } else {
    for (int64_t h = 0; h < site.heads; ++h)
      selected.heads.push_back(h);
  }
  return selected;
}

/// The figure's panels: one per drawn head, or their mean.
void addPanels(attnc::plot::HeatmapFigure &figure, const DumpSite &site,
               const Selection &selected) {
  // The weights of one (layer, batch, head): [queries, keys], copied out of
  // the mapping, which need not be aligned for floats.
  int64_t matrix = site.queries * site.keys;
  auto weights = [&](int64_t head) {
    std::vector<float> values(matrix);
    const char *at =
        static_cast<const char *>(site.tensor->data) +
        (((selected.layer * site.batch + batchIndex) * site.heads + head) *
         matrix) *
            sizeof(float);
    std::memcpy(values.data(), at, matrix * sizeof(float));
    return values;
  };
  // Masks give weight exactly 0; so does nothing else short of underflow.
  auto blankZeros = [](std::vector<float> &values) {
    for (float &v : values)
      if (v == 0.0f)
        v = std::numeric_limits<float>::quiet_NaN();
  };
  if (average) {
    attnc::plot::Panel panel{"mean of heads " + joinIndices(site.headList),
                             site.queries, site.keys,
                             std::vector<float>(matrix, 0.0f)};
    for (int64_t h : selected.heads) {
      std::vector<float> values = weights(h);
      for (int64_t i = 0; i < matrix; ++i)
        panel.values[i] +=
            values[i] / static_cast<float>(selected.heads.size());
    }
    blankZeros(panel.values);
    figure.panels.push_back(std::move(panel));
    return;
  }
  for (int64_t h : selected.heads) {
    attnc::plot::Panel panel{"head " + std::to_string(site.headList[h]),
                             site.queries, site.keys, weights(h)};
    blankZeros(panel.values);
    figure.panels.push_back(std::move(panel));
  }
}

/// The figure's title: the model, the site, the layer (and batch entry).
void addTitles(attnc::plot::HeatmapFigure &figure, const DumpSite &site,
               const Selection &selected,
               const std::map<std::string, std::string> &meta,
               const std::string &queryInput, const std::string &keyInput) {
  auto model = meta.find("model");
  figure.title =
      (model == meta.end() ? "" : model->second + " ") + site.name +
      ", layer " + std::to_string(site.layerList[selected.layer]) +
      (site.batch > 1 ? ", batch entry " + std::to_string(batchIndex) : "");
  auto describe = [](const char *axis, const std::string &input) {
    return std::string(axis) + (input.empty() ? "" : " (" + input + ")");
  };
  figure.subtitle = describe("rows: queries", queryInput) + " attend to " +
                    describe("columns: keys", keyInput);
}

int writeFigure(const std::string &svgText) {
  if (llvm::StringRef(outputPath).ends_with_insensitive(".png"))
    return writePng(outputPath, svgText);
  return writeText(outputPath, svgText);
}

} // namespace

int attnc::plotAttentionCommandMain() {
  if (pngScale <= 0 || pngScale > 16)
    return reportError("--scale must be in (0, 16]");
  if (imagePath.getNumOccurrences())
    return plotOverPicture();
  const cl::Option *imageOnly[] = {&weightsPath, &preprocessorConfigPath,
                                   &jsonPath};
  for (const cl::Option *other : imageOnly)
    if (other->getNumOccurrences())
      return reportError("--" + other->ArgStr + " goes with --image");
  if (!modelDir.empty())
    return reportError("a second file ('" + modelDir +
                       "') goes with --image: the model's directory");
  if (headIndex.getNumOccurrences() && average)
    return reportError("--head and --average exclude each other");
  if (!tensorName.empty() && siteIndex.getNumOccurrences())
    return reportError("--site and --tensor exclude each other");
  Expected<st::File> file = st::File::open(dumpPath);
  if (!file)
    return reportError(file.error().message());
  const std::map<std::string, std::string> &meta = file->metadata();
  Expected<DumpSite> site = openSite(*file);
  if (!site)
    return reportError(site.error().message());
  Expected<Selection> selected = selectDrawn(*site);
  if (!selected)
    return reportError(selected.error().message());

  auto inputOf = [&](const char *suffix) -> std::string {
    auto it = meta.find(site->name + suffix);
    return it == meta.end() ? "" : it->second;
  };
  std::string queryInput = inputOf(".queries"), keyInput = inputOf(".keys");
  Expected<std::vector<std::string>> rowLabels = labelsFor(
      meta, queryInput, tokensOption, "tokens", site->queries, "queries");
  if (!rowLabels)
    return reportError(rowLabels.error().message());
  // --tokens labels the keys too when they are the same sequence.
  bool sameTokens = keyInput == queryInput && site->queries == site->keys;
  Expected<std::vector<std::string>> colLabels = labelsFor(
      meta, keyInput,
      keyTokensOption.empty() && sameTokens ? tokensOption : keyTokensOption,
      keyTokensOption.empty() && sameTokens ? "tokens" : "key-tokens",
      site->keys, "keys");
  if (!colLabels)
    return reportError(colLabels.error().message());

  plot::HeatmapFigure figure;
  for (const std::string &t : *rowLabels)
    figure.rowLabels.push_back(plot::displayToken(t));
  for (const std::string &t : *colLabels)
    figure.colLabels.push_back(plot::displayToken(t));
  addPanels(figure, *site, *selected);

  double largest = 0;
  for (const plot::Panel &panel : figure.panels)
    for (float v : panel.values)
      if (!std::isnan(v))
        largest = std::max(largest, static_cast<double>(v));
  figure.maxValue = maxValue.getNumOccurrences() ? maxValue.getValue()
                                                 : (largest > 0 ? largest : 1);
  if (!(figure.maxValue > 0))
    return reportError("--max-value must be positive");
  addTitles(figure, *site, *selected, meta, queryInput, keyInput);
  return writeFigure(plot::renderHeatmaps(figure));
}
