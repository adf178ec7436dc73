//===- ImageAttentionPlot.cpp - plot-attention over a picture -------------===//
#include "ImageAttentionPlot.h"

#include "ImageInputs.h"
#include "ModelDirectory.h"

#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Image.h"
#include "attnc/Plot/ImageAttention.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace attnc;
using namespace attnc::plot;

namespace {

/// Panels are drawn at least this many pixels wide (integer zoom).
constexpr int kMinPanelPixels = 160;

Error invalid(const std::string &message) {
  return Error(ATTNC_ERROR_INVALID_ARGUMENT, message);
}

/// The probabilities of one attention output, as [layers][heads, q, k].
struct SiteProbs {
  const float *data = nullptr;
  int64_t layers = 1, heads = 0, tokens = 0;
  const float *layer(int64_t l) const {
    return data + l * heads * tokens * tokens;
  }
};

Expected<SiteProbs> siteProbs(const Model &model, const TensorList &outputs,
                              unsigned site) {
  std::string name = (kAttentionOutputPrefix + llvm::Twine(site)).str();
  const attnc_tensor *t = outputs.find(name);
  if (!t) {
    bool any = false;
    for (const attnc_tensor &out : outputs)
      any |= llvm::StringRef(out.name).starts_with(kAttentionOutputPrefix);
    return Error(ATTNC_ERROR_MISMATCH,
                 any ? "model '" + std::string(model.name()) +
                           "' has no attention output '" + name + "' (--site)"
                     : "model '" + std::string(model.name()) +
                           "' returns no attention probabilities: compile it "
                           "with --debug-attention");
  }
  // [layers, batch, heads, q, k] in a layer loop, [batch, heads, q, k] else.
  bool looped = t->rank == 5;
  if (t->dtype != ATTNC_DTYPE_F32 || (t->rank != 4 && !looped))
    return Error(ATTNC_ERROR_MISMATCH,
                 "'" + name +
                     "' is not f32 [layers, batch, heads, queries, "
                     "keys]");
  const int64_t *s = t->shape + (looped ? 1 : 0);
  if (s[0] != 1 || s[2] != s[3])
    return Error(ATTNC_ERROR_MISMATCH,
                 "'" + name +
                     "' is not the self-attention of one picture's "
                     "tokens (batch 1, as many queries as keys)");
  return SiteProbs{static_cast<const float *>(t->data),
                   looped ? t->shape[0] : 1, s[1], s[2]};
}

std::string formatValue(double v) { return llvm::formatv("{0:g4}", v).str(); }

Expected<ImagePanel> panelOf(std::string title, const Raster &raster,
                             std::string caption) {
  image::Picture picture{raster.width, raster.height, raster.rgb};
  Expected<std::string> png = image::encodePng(picture);
  if (!png)
    return png.error();
  return ImagePanel{std::move(title), std::move(caption), raster.width,
                    raster.height, std::move(*png)};
}

void writeArray(llvm::json::OStream &j, llvm::ArrayRef<double> values) {
  j.array([&] {
    for (double v : values)
      j.value(v);
  });
}

} // namespace

Expected<ImageAttentionPlot>
attnc::plotImageAttention(const ImageAttentionRequest &request) {
  std::string configSource;
  Expected<ModelFiles> files =
      resolveModelFiles({request.modelDir, request.weights, "", "", "",
                         request.preprocessorConfig},
                        configSource);
  if (!files)
    return files.error();
  Expected<Model> model = Model::open(request.modelPath);
  if (!model)
    return model.error();
  bool debugBuild = false;
  for (const attnc_tensor_info &out : model->outputs())
    debugBuild |= llvm::StringRef(out.name).starts_with(kAttentionOutputPrefix);
  if (!debugBuild)
    return Error(ATTNC_ERROR_MISMATCH,
                 "model '" + std::string(model->name()) +
                     "' returns no attention probabilities: compile it with "
                     "--debug-attention");
  Expected<ImageInput> input =
      ImageInput::build(*model, request.picture, files->preprocessorConfig);
  if (!input)
    return input.error();
  if (Status s = model->loadWeights(files->weights); !s)
    return s.error();
  Expected<TensorList> outputs = model->run({input->tensor()});
  if (!outputs)
    return outputs.error();
  Expected<SiteProbs> probs = siteProbs(*model, *outputs, request.site);
  if (!probs)
    return probs.error();

  const image::Picture &shown = input->resized();
  std::optional<PatchGrid> grid =
      patchGrid(probs->tokens, shown.height, shown.width);
  if (!grid)
    return Error(ATTNC_ERROR_MISMATCH,
                 "model '" + std::string(model->name()) +
                     "': " + std::to_string(probs->tokens) +
                     " tokens are not a class token and square patches "
                     "tiling the " +
                     std::to_string(shown.height) + "x" +
                     std::to_string(shown.width) + " picture");
  int64_t layer = request.layer.value_or(probs->layers - 1);
  if (layer < 0 || layer >= probs->layers)
    return invalid("--layer " + std::to_string(layer) + ": model '" +
                   std::string(model->name()) + "' has " +
                   std::to_string(probs->layers) + " layer" +
                   (probs->layers == 1 ? "" : "s") + " (0 to " +
                   std::to_string(probs->layers - 1) + ")");

  // The numbers: each head's class-token row, their mean, the rollout.
  int64_t n = probs->tokens;
  std::vector<std::vector<double>> headRows;
  for (int64_t h = 0; h < probs->heads; ++h) {
    const float *row = probs->layer(layer) + h * n * n;
    headRows.emplace_back(row + 1, row + n);
  }
  std::vector<Matrix> means;
  for (int64_t l = 0; l <= layer; ++l)
    means.push_back(meanOverHeads(probs->layer(l), probs->heads, n));
  std::vector<double> meanRow = classTokenRow(means.back());
  Matrix rollout = attentionRollout(means);
  std::vector<double> rolloutRow = classTokenRow(rollout);

  // The picture.
  Raster picture{shown.width, shown.height, shown.rgb};
  int zoom =
      std::max(1, (kMinPanelPixels + std::max(shown.width, shown.height) - 1) /
                      std::max(shown.width, shown.height));
  ImageFigure figure;
  figure.title = std::string(model->name()) +
                 ": the class token's "
                 "attention, layer " +
                 std::to_string(layer);
  figure.subtitle =
      "a picture of " + std::to_string(shown.height) + "x" +
      std::to_string(shown.width) + " pixels in " + std::to_string(grid->rows) +
      "x" + std::to_string(grid->cols) + " patches of " +
      std::to_string(grid->patch) + "x" + std::to_string(grid->patch);
  auto add = [&](std::string title,
                 const std::vector<double> *values) -> Status {
    double max = 0;
    if (values)
      max = *std::max_element(values->begin(), values->end());
    Raster raster = values ? overlayGrid(picture, *grid, *values, max, zoom)
                           : zoomed(picture, zoom);
    Expected<ImagePanel> panel = panelOf(
        std::move(title), raster, values ? "max " + formatValue(max) : "");
    if (!panel)
      return panel.error();
    figure.panels.push_back(std::move(*panel));
    return Status();
  };
  if (Status s = add("picture", nullptr); !s)
    return s.error();
  for (int64_t h = 0; h < probs->heads; ++h)
    if (Status s = add("head " + std::to_string(h), &headRows[h]); !s)
      return s.error();
  if (Status s = add("mean of heads", &meanRow); !s)
    return s.error();
  if (Status s = add("rollout, layers 0-" + std::to_string(layer), &rolloutRow);
      !s)
    return s.error();

  ImageAttentionPlot plot;
  plot.svg = renderImagePanels(figure);
  llvm::raw_string_ostream os(plot.json);
  llvm::json::OStream j(os, 1);
  j.object([&] {
    j.attribute("model", std::string(model->name()));
    j.attribute("site",
                (kAttentionOutputPrefix + llvm::Twine(request.site)).str());
    j.attribute("layer", layer);
    j.attributeArray("picture", [&] {
      j.value(shown.height);
      j.value(shown.width);
    });
    j.attributeObject("grid", [&] {
      j.attribute("rows", grid->rows);
      j.attribute("cols", grid->cols);
      j.attribute("patch", grid->patch);
    });
    j.attributeArray("heads", [&] {
      for (const std::vector<double> &row : headRows)
        writeArray(j, row);
    });
    j.attributeBegin("mean");
    writeArray(j, meanRow);
    j.attributeEnd();
    j.attributeArray("rollout", [&] {
      for (int64_t i = 0; i < n; ++i)
        writeArray(j, llvm::ArrayRef<double>(rollout.values).slice(i * n, n));
    });
    j.attributeBegin("rollout_class_token");
    writeArray(j, rolloutRow);
    j.attributeEnd();
  });
  os << "\n";
  return plot;
}
