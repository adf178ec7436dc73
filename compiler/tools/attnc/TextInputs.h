//===- TextInputs.h - Model inputs from a tokenized text --------*- C++ -*-===//
//
// `attnc run model.so DIR --text "..."`: an encoder (BERT-like) takes the
// text's ids as input_ids, with attention_mask and token_type_ids when it
// declares them, as a Hugging Face tokenizer's output would hold them for
// one unpadded sequence.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_TEXTINPUTS_H
#define ATTNC_TOOLS_ATTNC_TEXTINPUTS_H

#include "attnc/runtime.hpp"

#include <string>
#include <vector>

namespace attnc {

class TextInputs {
public:
  /// input_ids = `ids`; attention_mask all ones, token_type_ids all zeros;
  /// each [1, n] (or [n] for a rank-1 input), in the input's dtype (i64,
  /// i32 or f32). Fails when the model has no input_ids, when a declared
  /// size does not fit the text, or when another input has no default.
  static Expected<TextInputs> build(const Model &model,
                                    const std::vector<int64_t> &ids);

  /// Views of the tensors; valid while this object lives.
  std::vector<attnc_tensor> tensors() const;

private:
  struct Tensor {
    std::string name;
    attnc_dtype dtype;
    std::vector<int64_t> shape;
    std::vector<char> bytes;
  };
  std::vector<Tensor> inputs;
};

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_TEXTINPUTS_H
