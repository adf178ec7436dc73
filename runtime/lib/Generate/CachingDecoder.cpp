//===- CachingDecoder.cpp - Decoding with a session's KV cache ------------===//
#include "DecoderSupport.h"

namespace attnc {

Expected<std::unique_ptr<CachingDecoder>>
CachingDecoder::create(const Model &model, int64_t capacity) {
  Expected<int64_t> vocab = checkDecoderContract(model);
  if (!vocab)
    return vocab.error();
  if (!attnc_model_has_kv_cache(model.get()))
    return Error(ATTNC_ERROR_STATE, "model '" + std::string(model.name()) +
                                        "' has no KV cache entry");
  Expected<Session> session = model.createSession();
  if (!session)
    return session.error();
  if (Status s = session->enableKVCache(capacity); !s)
    return s.error();
  // The decoder contract makes input_ids i64[batch, seq].
  size_t seqDim = 0;
  for (const attnc_tensor_info &input : model.inputs())
    if (input.name == std::string_view(detail::kInputIds))
      for (size_t d = 0; d < model.numDims(); ++d)
        if (input.dim_names[1] && model.dimName(d) == input.dim_names[1])
          seqDim = d;
  return std::unique_ptr<CachingDecoder>(
      new CachingDecoder(std::move(*session), *vocab,
                         declaredContextLength(model), model.numDims(),
                         seqDim));
}

Status CachingDecoder::reserve(int64_t tokens) {
  std::vector<int64_t> dims(numDims, 1);
  if (seqDim < numDims)
    dims[seqDim] = tokens;
  return session.reserve(dims);
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

Expected<Logits> CachingDecoder::feed(std::vector<int64_t> tokens) {
  int64_t shape[2];
  attnc_tensor input = detail::inputIds(tokens, shape);
  Expected<OutputView> outputs = session.step(&input, 1);
  if (!outputs)
    return outputs.error();
  // A step entry returns the last new token's logits only
  // (attnc-step-last-position); one built before that returns every row.
  return detail::lastLogits(*outputs, shape[1], vocab,
                            detail::Rows::EveryOrLast);
}

} // namespace attnc
