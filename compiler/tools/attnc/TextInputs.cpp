//===- TextInputs.cpp - Model inputs from a tokenized text ----------------===//
#include "TextInputs.h"

#include "llvm/ADT/StringRef.h"

#include <cstring>
#include <optional>

using namespace attnc;

namespace {

constexpr const char *kInputIds = "input_ids";
constexpr const char *kAttentionMask = "attention_mask";
constexpr const char *kTokenTypeIds = "token_type_ids";

/// The value every position of a text-derived input holds, or nullopt for
/// input_ids (the ids themselves) and inputs the text does not fill.
std::optional<int64_t> fillValue(llvm::StringRef name) {
  if (name == kAttentionMask)
    return 1;
  if (name == kTokenTypeIds)
    return 0;
  return std::nullopt;
}

template <typename T>
std::vector<char> toBytes(const std::vector<int64_t> &values) {
  std::vector<char> bytes(values.size() * sizeof(T));
  for (size_t i = 0; i < values.size(); ++i) {
    T v = static_cast<T>(values[i]);
    std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
  }
  return bytes;
}

Error mismatch(const attnc_tensor_info &input, const std::string &why) {
  return Error(ATTNC_ERROR_MISMATCH, "--text: input '" +
                                         std::string(input.name) + "' (" +
                                         formatType(input) + ") " + why);
}

} // namespace

Expected<TextInputs> TextInputs::build(const Model &model,
                                       const std::vector<int64_t> &ids) {
  TextInputs result;
  bool haveIds = false;
  int64_t n = static_cast<int64_t>(ids.size());
  for (const attnc_tensor_info &input : model.inputs()) {
    llvm::StringRef name(input.name);
    std::optional<int64_t> fill = fillValue(name);
    bool isIds = name == kInputIds;
    if (!isIds && !fill) {
      if (input.has_default)
        continue;
      return mismatch(input, "is not one --text fills (input_ids, "
                             "attention_mask, token_type_ids); give the "
                             "inputs with --inputs instead");
    }
    haveIds |= isIds;
    if (input.rank != 1 && input.rank != 2)
      return mismatch(input, "must be [batch, seq] or [seq] for --text");
    int64_t seq = input.shape[input.rank - 1];
    if (seq >= 0 && seq != n)
      return mismatch(input, "takes " + std::to_string(seq) +
                                 " tokens; the text has " + std::to_string(n));
    if (input.rank == 2 && input.shape[0] >= 0 && input.shape[0] != 1)
      return mismatch(input, "has a batch of " +
                                 std::to_string(input.shape[0]) +
                                 "; --text gives one sequence");
    std::vector<int64_t> values = isIds ? ids : std::vector<int64_t>(n, *fill);
    Tensor tensor{input.name, input.dtype, {}, {}};
    tensor.shape = input.rank == 2 ? std::vector<int64_t>{1, n}
                                   : std::vector<int64_t>{n};
    switch (input.dtype) {
    case ATTNC_DTYPE_I64:
      tensor.bytes = toBytes<int64_t>(values);
      break;
    case ATTNC_DTYPE_I32:
      tensor.bytes = toBytes<int32_t>(values);
      break;
    case ATTNC_DTYPE_F32:
      tensor.bytes = toBytes<float>(values);
      break;
    default:
      return mismatch(input, "must be i64, i32 or f32 for --text");
    }
    result.inputs.push_back(std::move(tensor));
  }
  if (!haveIds)
    return Error(ATTNC_ERROR_MISMATCH,
                 "--text: model '" + std::string(model.name()) +
                     "' has no input 'input_ids' to take the text's tokens");
  return result;
}

std::vector<attnc_tensor> TextInputs::tensors() const {
  std::vector<attnc_tensor> views;
  for (const Tensor &t : inputs)
    views.push_back({t.name.c_str(), t.dtype,
                     static_cast<int32_t>(t.shape.size()), t.shape.data(),
                     const_cast<char *>(t.bytes.data())});
  return views;
}
