//===- CachedDecoder.cpp - Decoding with a session's KV cache -------------===//
#include "DecoderSupport.h"

namespace attnc {

Expected<std::unique_ptr<CachedDecoder>>
CachedDecoder::create(const Model &model, int64_t capacity) {
  Expected<int64_t> vocab = checkDecoderContract(model);
  if (!vocab)
    return vocab.error();
  if (!attnc_model_has_kv_cache(model.get()))
    return Error(ATTNC_ERROR_MISMATCH,
                 "model '" + std::string(model.name()) +
                     "' has no step entry for a KV cache");
  Expected<Session> session = model.createSession();
  if (!session)
    return session.error();
  if (attnc_status s =
          attnc_session_enable_kv_cache(session->get(), capacity))
    return Error::fromLastCall(s);
  return std::unique_ptr<CachedDecoder>(new CachedDecoder(
      std::move(*session), *vocab, declaredContextLength(model)));
}

Expected<Logits> CachedDecoder::prefill(const std::vector<int64_t> &tokens) {
  if (tokens.empty())
    return Error(ATTNC_ERROR_INVALID_ARGUMENT, "prefill: no tokens");
  attnc_session_reset_kv_cache(session.get());
  started = true;
  return run(tokens);
}

Expected<Logits> CachedDecoder::step(int64_t token) {
  if (!started)
    return Error(ATTNC_ERROR_STATE, "step before prefill");
  return run({token});
}

Expected<Logits> CachedDecoder::run(std::vector<int64_t> tokens) {
  int64_t shape[2];
  attnc_tensor input = detail::inputIds(tokens, shape);
  const attnc_tensor_list *list = nullptr;
  if (attnc_status s = attnc_session_step(session.get(), &input, 1, &list))
    return Error::fromLastCall(s);
  return detail::lastLogits(OutputView(list), shape[1], vocab);
}

} // namespace attnc
