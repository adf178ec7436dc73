//===- ImageInputs.h - A picture as a vision model's input ------*- C++ -*-===//
//
// `attnc run vit.so DIR --image picture.png`: the picture, preprocessed as
// DIR's preprocessor_config.json says, becomes the model's pixel_values
// [1, 3, h, w]; the logits [1, labels] come back as the top classes, named
// by config.json's id2label.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_IMAGEINPUTS_H
#define ATTNC_TOOLS_ATTNC_IMAGEINPUTS_H

#include "attnc/Image.h"
#include "attnc/runtime.hpp"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace attnc {

class ImageInput {
public:
  /// Reads and preprocesses `picture` for `model`'s pixel_values input (or
  /// its only f32 input of rank 4). `preprocessing` is a
  /// preprocessor_config.json, or "" for ViTImageProcessor's defaults
  /// resized to the model's declared size. Fails when the model takes no
  /// such input, when the sizes disagree, or when another input has no
  /// default.
  static Expected<ImageInput> build(const Model &model,
                                    const std::string &picture,
                                    const std::string &preprocessing);

  /// The input tensor; valid while this object lives.
  attnc_tensor tensor() const;

  /// The picture as the model sees it, resized but not normalized (for
  /// drawing over it).
  const image::Picture &resized() const { return shown; }

private:
  image::Picture shown;
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

/// Prints the `top` most probable classes of the output "logits" [1, n]
/// (softmax over n), named by `configPath`'s id2label ("" or no id2label:
/// by index), as lines or (`json`) one JSON object.
Status printTopClasses(llvm::raw_ostream &os, const TensorList &outputs,
                       const std::string &configPath, int top, bool json);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_IMAGEINPUTS_H
