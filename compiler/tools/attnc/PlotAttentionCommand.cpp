//===- PlotAttentionCommand.cpp - The `attnc plot-attention` subcommand ---===//
#include "PlotAttentionCommand.h"

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
cl::opt<std::string> jsonPath(
    "json",
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

int reportError(const llvm::Twine &message) {
  llvm::WithColor::error() << message << "\n";
  return 1;
}

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
  const cl::Option *dumpOnly[] = {&headIndex,    &average,
                                   &batchIndex,   &tokensOption,
                                   &keyTokensOption, &maxValue};
  for (const cl::Option *other : dumpOnly)
    if (other->getNumOccurrences())
      return reportError("--" + other->ArgStr +
                         " does not go with --image (every head is drawn, "
                         "each panel on its own scale)");
  attnc::ImageAttentionRequest request{dumpPath,  modelDir,
                                       weightsPath, preprocessorConfigPath,
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
  Expected<st::File> file = st::File::open(dumpPath);
  if (!file)
    return reportError(file.error().message());
  const std::map<std::string, std::string> &meta = file->metadata();

  std::string name = (kAttentionOutputPrefix + llvm::Twine(siteIndex)).str();
  const st::TensorInfo *tensor = file->find(name);
  if (!tensor) {
    std::string sites;
    for (const st::TensorInfo &t : file->tensors())
      if (llvm::StringRef(t.name).starts_with(kAttentionOutputPrefix))
        sites += (sites.empty() ? "" : ", ") + t.name;
    return reportError("'" + dumpPath + "' has no tensor '" + name + "' (" +
                       (sites.empty() ? "no attention tensors: is it a file "
                                        "of attnc run --dump-attention?"
                                      : "it has " + sites) +
                       ")");
  }
  if (tensor->dtype != ATTNC_DTYPE_F32 || tensor->shape.size() != 5)
    return reportError("'" + name +
                       "' is not an f32 [layers, batch, heads, "
                       "queries, keys] tensor");
  const std::vector<int64_t> &shape = tensor->shape;
  int64_t layers = shape[0], batch = shape[1], heads = shape[2],
          queries = shape[3], keys = shape[4];
  if (layers < 1 || batch < 1 || heads < 1 || queries < 1 || keys < 1)
    return reportError("'" + name + "' is empty");

  std::optional<std::vector<int64_t>> layerList =
      indexList(meta, name + ".layers", layers);
  std::optional<std::vector<int64_t>> headList =
      indexList(meta, name + ".heads", heads);
  if (!layerList || !headList)
    return reportError("metadata '" + name + ".layers' or '" + name +
                       ".heads' does not match the tensor's shape");
  int64_t layer =
      layerIndex.getNumOccurrences() ? positionOf(*layerList, layerIndex) : 0;
  if (layer < 0)
    return reportError("--layer " + std::to_string(layerIndex) +
                       ": the file holds layers " + joinIndices(*layerList));
  if (batchIndex < 0 || batchIndex >= batch)
    return reportError("--batch " + std::to_string(batchIndex) +
                       ": the batch has " + std::to_string(batch) +
                       (batch == 1 ? " entry" : " entries"));
  std::vector<int64_t> drawn;
  if (headIndex.getNumOccurrences()) {
    int64_t head = positionOf(*headList, headIndex);
    if (head < 0)
      return reportError("--head " + std::to_string(headIndex) +
                         ": the file holds heads " + joinIndices(*headList));
    drawn.push_back(head);
  } else {
    for (int64_t h = 0; h < heads; ++h)
      drawn.push_back(h);
  }

  auto inputOf = [&](const char *suffix) -> std::string {
    auto it = meta.find(name + suffix);
    return it == meta.end() ? "" : it->second;
  };
  std::string queryInput = inputOf(".queries"), keyInput = inputOf(".keys");
  Expected<std::vector<std::string>> rowLabels =
      labelsFor(meta, queryInput, tokensOption, "tokens", queries, "queries");
  if (!rowLabels)
    return reportError(rowLabels.error().message());
  // --tokens labels the keys too when they are the same sequence.
  bool sameTokens = keyInput == queryInput && queries == keys;
  Expected<std::vector<std::string>> colLabels = labelsFor(
      meta, keyInput,
      keyTokensOption.empty() && sameTokens ? tokensOption : keyTokensOption,
      keyTokensOption.empty() && sameTokens ? "tokens" : "key-tokens", keys,
      "keys");
  if (!colLabels)
    return reportError(colLabels.error().message());

  // The weights of one (layer, batch, head): [queries, keys], copied out of
  // the mapping, which need not be aligned for floats.
  int64_t matrix = queries * keys;
  auto weights = [&](int64_t head) {
    std::vector<float> values(matrix);
    const char *at = static_cast<const char *>(tensor->data) +
                     (((layer * batch + batchIndex) * heads + head) * matrix) *
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

  plot::HeatmapFigure figure;
  for (const std::string &t : *rowLabels)
    figure.rowLabels.push_back(plot::displayToken(t));
  for (const std::string &t : *colLabels)
    figure.colLabels.push_back(plot::displayToken(t));
  if (average) {
    plot::Panel panel{"mean of heads " + joinIndices(*headList), queries, keys,
                      std::vector<float>(matrix, 0.0f)};
    for (int64_t h : drawn) {
      std::vector<float> values = weights(h);
      for (int64_t i = 0; i < matrix; ++i)
        panel.values[i] += values[i] / static_cast<float>(drawn.size());
    }
    blankZeros(panel.values);
    figure.panels.push_back(std::move(panel));
  } else {
    for (int64_t h : drawn) {
      plot::Panel panel{"head " + std::to_string((*headList)[h]), queries, keys,
                        weights(h)};
      blankZeros(panel.values);
      figure.panels.push_back(std::move(panel));
    }
  }

  double largest = 0;
  for (const plot::Panel &panel : figure.panels)
    for (float v : panel.values)
      if (!std::isnan(v))
        largest = std::max(largest, static_cast<double>(v));
  figure.maxValue = maxValue.getNumOccurrences() ? maxValue.getValue()
                                                 : (largest > 0 ? largest : 1);
  if (!(figure.maxValue > 0))
    return reportError("--max-value must be positive");

  auto model = meta.find("model");
  figure.title =
      (model == meta.end() ? "" : model->second + " ") + name + ", layer " +
      std::to_string((*layerList)[layer]) +
      (batch > 1 ? ", batch entry " + std::to_string(batchIndex) : "");
  auto describe = [](const char *axis, const std::string &input) {
    return std::string(axis) + (input.empty() ? "" : " (" + input + ")");
  };
  figure.subtitle = describe("rows: queries", queryInput) + " attend to " +
                    describe("columns: keys", keyInput);

  std::string svgText = plot::renderHeatmaps(figure);
  if (llvm::StringRef(outputPath).ends_with_insensitive(".png"))
    return writePng(outputPath, svgText);
  return writeText(outputPath, svgText);
}
