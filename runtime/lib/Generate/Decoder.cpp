//===- Decoder.cpp - A causal language model, one token at a time ---------===//
#include "attnc/Decoder.h"

#include <cstring>
#include <string>
#include <string_view>

namespace attnc {
namespace {

constexpr const char *kInputIds = "input_ids";
constexpr const char *kLogits = "logits";

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

Expected<std::unique_ptr<RecomputingDecoder>>
RecomputingDecoder::create(const Model &model) {
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
  const attnc_tensor_info *logits = find(outputs, kLogits);
  if (!logits)
    return contract(model, "it has no output 'logits'");
  if (logits->dtype != ATTNC_DTYPE_F32 || logits->rank != 3 ||
      logits->dim_names[2] != nullptr || logits->shape[2] < 1)
    return contract(model, "its logits is " + formatType(*logits));
  return std::unique_ptr<RecomputingDecoder>(new RecomputingDecoder(
      model, logits->shape[2], declaredContextLength(model)));
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

namespace {
/// The logits of the last of `count` tokens, checking the output's shape.
Expected<Logits> lastLogits(const attnc_tensor *logits, int64_t count,
                            int64_t vocab) {
  if (!logits || logits->rank != 3 || logits->shape[0] != 1 ||
      logits->shape[1] != count || logits->shape[2] != vocab)
    return Error(ATTNC_ERROR_MODEL,
                 "the model returned logits of shape " +
                     (logits ? formatShape(logits->shape, logits->rank)
                             : std::string("(none)")) +
                     " for " + std::to_string(count) + " tokens");
  const float *last =
      static_cast<const float *>(logits->data) + (count - 1) * vocab;
  return Logits(last, last + vocab);
}
} // namespace

Expected<Logits> RecomputingDecoder::run() {
  int64_t shape[] = {1, static_cast<int64_t>(sequence.size())};
  attnc_tensor input{kInputIds, ATTNC_DTYPE_I64, 2, shape, sequence.data()};
  Expected<TensorList> outputs = model.run(&input, 1);
  if (!outputs)
    return outputs.error();
  return lastLogits(outputs->find(kLogits), shape[1], vocab);
}

Expected<std::unique_ptr<CachingDecoder>>
CachingDecoder::create(const Model &model, int64_t fallbackCapacity) {
  // The same contract as the recomputing decoder, plus the step entry.
  Expected<std::unique_ptr<RecomputingDecoder>> checked =
      RecomputingDecoder::create(model);
  if (!checked)
    return checked.error();
  if (!attnc_model_has_kv_cache(model.get()))
    return Error(ATTNC_ERROR_STATE, "model '" + std::string(model.name()) +
                                        "' has no KV cache entry");
  int64_t capacity =
      declaredContextLength(model).value_or(fallbackCapacity);
  Expected<Session> session = model.createSession();
  if (!session)
    return session.error();
  if (Status s = session->enableKVCache(capacity); !s)
    return s.error();
  return std::unique_ptr<CachingDecoder>(new CachingDecoder(
      std::move(*session), (*checked)->vocabSize(), capacity));
}

Expected<Logits> CachingDecoder::feed(std::vector<int64_t> tokens) {
  int64_t shape[] = {1, static_cast<int64_t>(tokens.size())};
  attnc_tensor input{kInputIds, ATTNC_DTYPE_I64, 2, shape, tokens.data()};
  Expected<OutputView> outputs = session.step(&input, 1);
  if (!outputs)
    return outputs.error();
  return lastLogits(outputs->find(kLogits), shape[1], vocab);
}

Expected<Logits> CachingDecoder::prefill(const std::vector<int64_t> &tokens) {
  if (tokens.empty())
    return Error(ATTNC_ERROR_INVALID_ARGUMENT, "prefill: no tokens");
  session.resetKVCache();
  return feed(tokens);
}

Expected<Logits> CachingDecoder::step(int64_t token) {
  if (session.kvPosition() <= 0)
    return Error(ATTNC_ERROR_STATE, "step before prefill");
  return feed({token});
}

Expected<std::unique_ptr<Decoder>> createDecoder(const Model &model) {
  if (attnc_model_has_kv_cache(model.get())) {
    Expected<std::unique_ptr<CachingDecoder>> caching =
        CachingDecoder::create(model);
    if (!caching)
      return caching.error();
    return std::unique_ptr<Decoder>(std::move(*caching));
  }
  Expected<std::unique_ptr<RecomputingDecoder>> recomputing =
      RecomputingDecoder::create(model);
  if (!recomputing)
    return recomputing.error();
  return std::unique_ptr<Decoder>(std::move(*recomputing));
}

std::optional<int64_t> declaredContextLength(const Model &model) {
  for (const attnc_tensor_info &param : model.params()) {
    std::string_view tensor = param.tensor ? param.tensor : param.name;
    for (std::string_view table : {"wpe.weight", "position_embeddings.weight"})
      if ((tensor == table || endsWith(tensor, "." + std::string(table))) &&
          param.rank == 2)
        return param.shape[0];
  }
  return std::nullopt;
}

} // namespace attnc
