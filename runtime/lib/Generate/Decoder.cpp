//===- Decoder.cpp - The decoder contract; recomputing decoding -----------===//
#include "DecoderSupport.h"

#include <cstring>
#include <string>
#include <string_view>

namespace attnc {
namespace {

using detail::kInputIds;
using detail::kLogits;

Error contract(const Model &model, const std::string &problem) {
  return Error(ATTNC_ERROR_MISMATCH,
               "model '" + std::string(model.name()) +
                   "' is not a decoder: " + problem +
                   " (a decoder takes input_ids: i64[batch, seq] and "
                   "returns logits: f32[batch, seq, vocab])");
}

const attnc_tensor_info *find(const std::vector<attnc_tensor_info> &infos,
                              const char *name) {
  for (const attnc_tensor_info &info : infos)
    if (std::strcmp(info.name, name) == 0)
      return &info;
  return nullptr;
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

} // namespace

Expected<int64_t> checkDecoderContract(const Model &model) {
  std::vector<attnc_tensor_info> inputs = model.inputs();
  std::vector<attnc_tensor_info> outputs = model.outputs();
  const attnc_tensor_info *ids = find(inputs, kInputIds);
  if (!ids)
    return contract(model, "it has no input 'input_ids'");
  if (ids->dtype != ATTNC_DTYPE_I64 || ids->rank != 2)
    return contract(model, "its input_ids is " + formatType(*ids));
  if (ids->dim_names[1] == nullptr)
    return contract(model, "its input_ids has a fixed sequence length " +
                               std::to_string(ids->shape[1]));
  if (ids->dim_names[0] == nullptr && ids->shape[0] != 1)
    return contract(model, "its input_ids has a fixed batch of " +
                               std::to_string(ids->shape[0]));
  for (const attnc_tensor_info &input : inputs)
    if (&input != ids && !input.has_default)
      return contract(model, "it also needs the input '" +
                                 std::string(input.name) + "'");
  const attnc_tensor_info *logits = find(outputs, kLogits);
  if (!logits)
    return contract(model, "it has no output 'logits'");
  if (logits->dtype != ATTNC_DTYPE_F32 || logits->rank != 3 ||
      logits->dim_names[2] != nullptr || logits->shape[2] < 1)
    return contract(model, "its logits is " + formatType(*logits));
  return logits->shape[2];
}

std::optional<int64_t> declaredContextLength(const Model &model) {
  for (const attnc_constant &constant : model.constants())
    for (std::string_view name :
         {"n_positions", "n_ctx", "max_position_embeddings", "max_seq_len"})
      if (constant.name == name && constant.is_integer &&
          constant.int_value > 0)
        return constant.int_value;
  for (const attnc_tensor_info &param : model.params()) {
    std::string_view tensor = param.tensor ? param.tensor : param.name;
    for (std::string_view table : {"wpe.weight", "position_embeddings.weight"})
      if ((tensor == table || endsWith(tensor, "." + std::string(table))) &&
          param.rank == 2 && param.layers == 0)
        return param.shape[0];
  }
  return std::nullopt;
}

Expected<std::unique_ptr<Decoder>> createDecoder(const Model &model,
                                                 int64_t capacity,
                                                 bool useKvCache) {
  if (useKvCache && attnc_model_has_kv_cache(model.get())) {
    Expected<std::unique_ptr<CachingDecoder>> cached =
        CachingDecoder::create(model, capacity);
    if (!cached)
      return cached.error();
    return std::unique_ptr<Decoder>(std::move(*cached));
  }
  Expected<std::unique_ptr<RecomputingDecoder>> recomputing =
      RecomputingDecoder::create(model);
  if (!recomputing)
    return recomputing.error();
  return std::unique_ptr<Decoder>(std::move(*recomputing));
}

Expected<std::unique_ptr<RecomputingDecoder>>
RecomputingDecoder::create(const Model &model) {
  Expected<int64_t> vocab = checkDecoderContract(model);
  if (!vocab)
    return vocab.error();
  Expected<Session> session = model.createSession();
  if (!session)
    return session.error();
  return std::unique_ptr<RecomputingDecoder>(new RecomputingDecoder(
      std::move(*session), *vocab, declaredContextLength(model)));
}

Expected<Logits> RecomputingDecoder::prefill(const std::vector<int64_t> &tokens) {
  if (tokens.empty())
    return Error(ATTNC_ERROR_INVALID_ARGUMENT, "prefill: no tokens");
  sequence = tokens;
  return run();
}

Expected<Logits> RecomputingDecoder::step(int64_t token) {
  if (sequence.empty())
    return Error(ATTNC_ERROR_STATE, "step before prefill");
  sequence.push_back(token);
  return run();
}

Expected<Logits> RecomputingDecoder::run() {
  int64_t shape[2];
  attnc_tensor input = detail::inputIds(sequence, shape);
  Expected<OutputView> outputs = session.run(&input, 1);
  if (!outputs)
    return outputs.error();
  return detail::lastLogits(*outputs, shape[1], vocab, detail::Rows::Every);
}

namespace detail {

attnc_tensor inputIds(std::vector<int64_t> &tokens, int64_t (&shape)[2]) {
  shape[0] = 1;
  shape[1] = static_cast<int64_t>(tokens.size());
  return {kInputIds, ATTNC_DTYPE_I64, 2, shape, tokens.data()};
}

Expected<Logits> lastLogits(const OutputView &outputs, int64_t tokens,
                            int64_t vocab, Rows rows) {
  const attnc_tensor *logits = outputs.find(kLogits);
  if (!logits || logits->rank != 3 || logits->shape[0] != 1 ||
      !(logits->shape[1] == tokens ||
        (rows == Rows::EveryOrLast && logits->shape[1] == 1)) ||
      logits->shape[2] != vocab)
    return Error(ATTNC_ERROR_MODEL,
                 "the model returned logits of shape " +
                     (logits ? formatShape(logits->shape, logits->rank)
                             : std::string("(none)")) +
                     " for " + std::to_string(tokens) + " tokens");
  const float *last =
      static_cast<const float *>(logits->data) + (logits->shape[1] - 1) * vocab;
  return Logits(last, last + vocab);
}

} // namespace detail
} // namespace attnc
