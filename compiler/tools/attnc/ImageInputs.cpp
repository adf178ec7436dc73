//===- ImageInputs.cpp - A picture as a vision model's input --------------===//
#include "ImageInputs.h"

#include "ConfigCheck.h"

#include "attnc/Image.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

using namespace attnc;

namespace {

constexpr const char *kPixelValues = "pixel_values";
constexpr const char *kLogits = "logits";

Error mismatch(const attnc_tensor_info &input, const std::string &why) {
  return Error(ATTNC_ERROR_MISMATCH, "--image: input '" +
                                         std::string(input.name) + "' (" +
                                         formatType(input) + ") " + why);
}

/// pixel_values, else the only f32 input of rank 4. (The info's pointers
/// point into the model.)
std::optional<attnc_tensor_info> pictureInput(const Model &model) {
  std::optional<attnc_tensor_info> found;
  int rank4 = 0;
  for (const attnc_tensor_info &input : model.inputs()) {
    if (llvm::StringRef(input.name) == kPixelValues)
      return input;
    if (input.dtype == ATTNC_DTYPE_F32 && input.rank == 4) {
      found = input;
      ++rank4;
    }
  }
  return rank4 == 1 ? found : std::nullopt;
}

} // namespace

Expected<ImageInput> ImageInput::build(const Model &model,
                                       const std::string &picturePath,
                                       const std::string &preprocessingPath) {
  std::optional<attnc_tensor_info> input = pictureInput(model);
  if (!input)
    return Error(ATTNC_ERROR_MISMATCH,
                 "--image: model '" + std::string(model.name()) +
                     "' has no input for a picture (pixel_values, or one "
                     "f32 input of rank 4 [batch, 3, height, width])");
  if (input->dtype != ATTNC_DTYPE_F32 || input->rank != 4)
    return mismatch(*input, "must be f32[batch, 3, height, width]");
  if (input->shape[1] >= 0 && input->shape[1] != 3)
    return mismatch(*input, "has " + std::to_string(input->shape[1]) +
                                " channels; a picture has 3 (RGB)");
  if (input->shape[0] >= 0 && input->shape[0] != 1)
    return mismatch(*input, "has a batch of " +
                                std::to_string(input->shape[0]) +
                                "; --image gives one picture");
  for (const attnc_tensor_info &other : model.inputs())
    if (llvm::StringRef(other.name) != input->name && !other.has_default)
      return Error(ATTNC_ERROR_MISMATCH,
                   "--image: model '" + std::string(model.name()) +
                       "' also takes input '" + other.name +
                       "', which has no default; give the inputs with "
                       "--inputs instead");

  image::Preprocessing steps;
  if (!preprocessingPath.empty()) {
    Expected<image::Preprocessing> read =
        image::readPreprocessing(preprocessingPath);
    if (!read)
      return read.error();
    steps = *read;
  } else if (input->shape[2] > 0 && input->shape[3] > 0) {
    steps.height = static_cast<int>(input->shape[2]);
    steps.width = static_cast<int>(input->shape[3]);
  }
  Expected<image::Picture> picture = image::readPicture(picturePath);
  if (!picture)
    return picture.error();
  int height = steps.doResize ? steps.height : picture->height;
  int width = steps.doResize ? steps.width : picture->width;
  if ((input->shape[2] >= 0 && input->shape[2] != height) ||
      (input->shape[3] >= 0 && input->shape[3] != width))
    return mismatch(*input,
                    "takes " + std::to_string(input->shape[2]) + "x" +
                        std::to_string(input->shape[3]) +
                        " pictures (height x width), but the picture is " +
                        (steps.doResize ? "resized to " : "") +
                        std::to_string(height) + "x" + std::to_string(width) +
                        (preprocessingPath.empty()
                             ? ""
                             : " (" + preprocessingPath + ")"));
  ImageInput result;
  result.name = input->name;
  result.shape = {1, 3, height, width};
  result.values = image::pixelValues(*picture, steps);
  result.shown = steps.doResize ? image::resize(*picture, width, height,
                                                steps.resample)
                                : std::move(*picture);
  return result;
}

attnc_tensor ImageInput::tensor() const {
  return {name.c_str(), ATTNC_DTYPE_F32, 4, shape.data(),
          const_cast<float *>(values.data())};
}

Status attnc::printTopClasses(llvm::raw_ostream &os, const TensorList &outputs,
                              const std::string &configPath, int top,
                              bool json) {
  const attnc_tensor *logits = outputs.find(kLogits);
  if (!logits || logits->dtype != ATTNC_DTYPE_F32 ||
      !(logits->rank == 2 && logits->shape[0] == 1))
    return Error(ATTNC_ERROR_MISMATCH,
                 "--image: the model has no output 'logits' f32[1, labels] "
                 "to rank classes by; pass --outputs FILE to write what it "
                 "returns");
  int64_t n = logits->shape[1];
  const float *x = static_cast<const float *>(logits->data);
  std::vector<std::string> labels(n);
  if (!configPath.empty()) {
    Expected<llvm::json::Object> config = readJsonObject(configPath);
    if (!config)
      return config.error();
    if (const llvm::json::Object *map = config->getObject("id2label"))
      for (const auto &[key, value] : *map) {
        int64_t id;
        std::optional<llvm::StringRef> label = value.getAsString();
        if (llvm::StringRef(key).getAsInteger(10, id) || id < 0 || id >= n ||
            !label)
          return Error(ATTNC_ERROR_FORMAT,
                       configPath + ": id2label maps \"" + key.str() +
                           "\", which is not a class of the model's " +
                           std::to_string(n) +
                           " logits, or not to a string");
        labels[id] = label->str();
      }
  }
  // Probabilities as softmax in double: the order is the logits' order.
  double max = *std::max_element(x, x + n), sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += std::exp(double(x[i]) - max);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  size_t shown = std::min<size_t>(top, n);
  std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                    [&](int64_t a, int64_t b) {
                      return x[a] > x[b] || (x[a] == x[b] && a < b);
                    });
  llvm::json::Array rows;
  for (size_t r = 0; r < shown; ++r) {
    int64_t id = order[r];
    double p = std::exp(double(x[id]) - max) / sum;
    std::string label = labels[id].empty() ? "class " + std::to_string(id)
                                           : labels[id];
    if (json)
      rows.push_back(llvm::json::Object{{"id", id},
                                        {"label", label},
                                        {"probability", p},
                                        {"logit", double(x[id])}});
    else
      os << llvm::format("%2zu. %-30s %.4f  (id %lld, logit %.4f)\n", r + 1,
                         label.c_str(), p, static_cast<long long>(id),
                         double(x[id]));
  }
  if (json)
    os << llvm::json::Value(llvm::json::Object{{"top", std::move(rows)}})
       << "\n";
  return Status::success();
}
