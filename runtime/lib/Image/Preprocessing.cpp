//===- Preprocessing.cpp - preprocessor_config.json and pixel values ------===//
#include "attnc/Image.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace attnc::image {
namespace {

using json = nlohmann::json;

std::string describe(const json &value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

} // namespace

Expected<Preprocessing> readPreprocessing(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error(ATTNC_ERROR_IO, "cannot read '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  json config = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded() || !config.is_object())
    return Error(ATTNC_ERROR_FORMAT,
                 path + ": not a JSON object (a preprocessor_config.json)");
  auto bad = [&](const std::string &key, const std::string &expected) {
    return Error(ATTNC_ERROR_FORMAT, path + ": '" + key + "' must be " +
                                         expected + ", not " +
                                         describe(config[key]));
  };
  Preprocessing steps;
  auto flag = [&](const char *key, bool &out) -> Status {
    if (!config.contains(key))
      return Status::success();
    if (!config[key].is_boolean())
      return bad(key, "true or false");
    out = config[key].get<bool>();
    return Status::success();
  };
  for (auto [key, out] : {std::pair{"do_resize", &steps.doResize},
                          std::pair{"do_rescale", &steps.doRescale},
                          std::pair{"do_normalize", &steps.doNormalize}})
    if (Status s = flag(key, *out); !s)
      return s.error();
  bool crop = false;
  if (Status s = flag("do_center_crop", crop); !s)
    return s.error();
  if (crop)
    return Error(ATTNC_ERROR_FORMAT,
                 path + ": 'do_center_crop' is true: center crops (as "
                        "CLIPImageProcessor does) are not supported, only "
                        "ViTImageProcessor's resize to {height, width}");

  if (config.contains("size")) {
    const json &size = config["size"];
    auto positive = [](const json &v) {
      return v.is_number_integer() && v.get<int64_t>() > 0 &&
             v.get<int64_t>() <= 65536;
    };
    if (positive(size)) {
      steps.width = steps.height = size.get<int>();
    } else if (size.is_object() && size.contains("height") &&
               size.contains("width") && positive(size["height"]) &&
               positive(size["width"])) {
      steps.height = size["height"].get<int>();
      steps.width = size["width"].get<int>();
    } else if (size.is_object() && size.contains("shortest_edge")) {
      return Error(ATTNC_ERROR_FORMAT,
                   path + ": 'size' gives a shortest_edge (resize keeping "
                          "the aspect, then crop): not supported, only "
                          "{\"height\": h, \"width\": w} or one number");
    } else {
      return bad("size", "{\"height\": h, \"width\": w} or a positive "
                         "integer");
    }
  }
  if (config.contains("resample")) {
    const json &r = config["resample"];
    if (!r.is_number_integer() || r.get<int64_t>() < 0 || r.get<int64_t>() > 5)
      return bad("resample", "one of Pillow's filters, 0 to 5 (0 nearest, "
                             "1 lanczos, 2 bilinear, 3 bicubic, 4 box, "
                             "5 hamming)");
    steps.resample = static_cast<Resample>(r.get<int>());
  }
  if (config.contains("rescale_factor")) {
    if (!config["rescale_factor"].is_number())
      return bad("rescale_factor", "a number");
    steps.rescaleFactor = config["rescale_factor"].get<double>();
  }
  for (auto [key, out] : {std::pair{"image_mean", &steps.mean},
                          std::pair{"image_std", &steps.std}}) {
    if (!config.contains(key))
      continue;
    const json &v = config[key];
    if (v.is_number()) {
      out->fill(v.get<double>());
    } else if (v.is_array() && v.size() == 3 &&
               std::all_of(v.begin(), v.end(),
                           [](const json &e) { return e.is_number(); })) {
      for (int c = 0; c < 3; ++c)
        (*out)[c] = v[c].get<double>();
    } else {
      return bad(key, "three numbers (one per RGB channel) or one number");
    }
  }
  for (double s : steps.std)
    if (steps.doNormalize && s == 0)
      return bad("image_std", "non-zero");
  return steps;
}

std::vector<float> pixelValues(const Picture &picture,
                               const Preprocessing &steps) {
  Picture sized = steps.doResize ? resize(picture, steps.width, steps.height,
                                          steps.resample)
                                 : picture;
  size_t plane = size_t(sized.width) * sized.height;
  std::vector<float> values(plane * 3);
  for (int c = 0; c < 3; ++c) {
    // As transformers computes it: the rescale in double, rounded to float;
    // the normalization in float.
    float mean = static_cast<float>(steps.mean[c]);
    float std = static_cast<float>(steps.std[c]);
    for (size_t i = 0; i < plane; ++i) {
      uint8_t sample = sized.rgb[i * 3 + c];
      float v = steps.doRescale
                    ? static_cast<float>(sample * steps.rescaleFactor)
                    : static_cast<float>(sample);
      values[c * plane + i] = steps.doNormalize ? (v - mean) / std : v;
    }
  }
  return values;
}

} // namespace attnc::image
