//===- Decoder.h - A causal language model, one token at a time -*- C++ -*-===//
//
// The contract a compiled decoder model follows (docs/abi.md): an input
// `input_ids` (i64[batch, seq]) and an output `logits` (f32[batch, seq,
// vocab], vocab static). Generation only talks to the Decoder interface, so
// a decoder that keeps a KV cache can replace RecomputingDecoder without
// changing anything else.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DECODER_H
#define ATTNC_DECODER_H

#include "attnc/runtime.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace attnc {

/// One score per vocabulary entry for the token after the last one seen.
using Logits = std::vector<float>;

class Decoder {
public:
  virtual ~Decoder() = default;

  virtual int64_t vocabSize() const = 0;
  /// The most tokens a sequence may hold, when the model declares it.
  virtual std::optional<int64_t> contextLength() const = 0;

  /// Starts a new sequence with `tokens` (at least one).
  virtual Expected<Logits> prefill(const std::vector<int64_t> &tokens) = 0;
  /// Appends `token` to the sequence.
  virtual Expected<Logits> step(int64_t token) = 0;
};

/// Runs the model's ordinary forward over the whole sequence at every step:
/// quadratic work, but it needs nothing beyond the forward entry point.
class RecomputingDecoder final : public Decoder {
public:
  /// Checks that `model` (which must outlive the decoder, with its weights
  /// loaded) follows the decoder contract.
  static Expected<std::unique_ptr<RecomputingDecoder>>
  create(const Model &model);

  int64_t vocabSize() const override { return vocab; }
  std::optional<int64_t> contextLength() const override { return context; }
  Expected<Logits> prefill(const std::vector<int64_t> &tokens) override;
  Expected<Logits> step(int64_t token) override;

private:
  RecomputingDecoder(const Model &model, int64_t vocab,
                     std::optional<int64_t> context)
      : model(model), vocab(vocab), context(context) {}

  Expected<Logits> run();

  const Model &model;
  int64_t vocab;
  std::optional<int64_t> context;
  std::vector<int64_t> sequence;
};

/// Keeps a KV cache in a session (models compiled with attnc_model_step):
/// the prompt is one prefill step, each new token one step whose cost is
/// linear in the sequence length. The cache holds `capacity` tokens: the
/// model's declared context length, or `fallbackCapacity` when it declares
/// none.
class CachingDecoder final : public Decoder {
public:
  static Expected<std::unique_ptr<CachingDecoder>>
  create(const Model &model, int64_t fallbackCapacity = 2048);

  int64_t vocabSize() const override { return vocab; }
  std::optional<int64_t> contextLength() const override { return capacity; }
  Expected<Logits> prefill(const std::vector<int64_t> &tokens) override;
  Expected<Logits> step(int64_t token) override;

private:
  CachingDecoder(Session session, int64_t vocab, int64_t capacity)
      : session(std::move(session)), vocab(vocab), capacity(capacity) {}

  Expected<Logits> feed(std::vector<int64_t> tokens);

  Session session;
  int64_t vocab;
  int64_t capacity;
};

/// The best decoder for `model`: CachingDecoder when the model has a KV
/// cache, RecomputingDecoder otherwise.
Expected<std::unique_ptr<Decoder>> createDecoder(const Model &model);

/// The context length a model declares through the shape of its learned
/// position table: the first dimension of the parameter stored as
/// `wpe.weight` (GPT-2) or `position_embeddings.weight`, with any prefix.
std::optional<int64_t> declaredContextLength(const Model &model);

} // namespace attnc

#endif // ATTNC_DECODER_H
