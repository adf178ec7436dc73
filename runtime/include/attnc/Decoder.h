//===- Decoder.h - A causal language model, one token at a time -*- C++ -*-===//
//
// The contract a compiled decoder model follows: an input `input_ids`
// (i64[batch, seq]) and an output `logits` (f32[batch, seq, vocab], vocab
// static). Generation only talks to the Decoder interface; a model compiled
// with a step entry (docs/abi.md: attnc_model_step) gets a CachingDecoder,
// any other a RecomputingDecoder.
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
  /// Whether step() costs one token's work (true) or the whole sequence's.
  virtual bool usesKvCache() const = 0;

  /// Prepares the memory of a prefill of `tokens` tokens, so that the
  /// prefill itself pays no first-time costs (optional).
  virtual Status reserve(int64_t tokens) {
    (void)tokens;
    return Status::success();
  }
  /// Starts a new sequence with `tokens` (at least one).
  virtual Expected<Logits> prefill(const std::vector<int64_t> &tokens) = 0;
  /// Appends `token` to the sequence.
  virtual Expected<Logits> step(int64_t token) = 0;
};

/// The vocabulary size of a model that follows the decoder contract, or an
/// error that says how it does not.
Expected<int64_t> checkDecoderContract(const Model &model);

/// The context length a model declares: its integer constant `n_positions`,
/// `n_ctx`, `max_position_embeddings` or `max_seq_len`, else the first
/// dimension of its parameter stored as `wpe.weight` or
/// `position_embeddings.weight` (with any prefix).
std::optional<int64_t> declaredContextLength(const Model &model);

/// A CachingDecoder for `model` if it has a step entry and `useKvCache`,
/// else a RecomputingDecoder. `model` must outlive the decoder, with its
/// weights loaded; `capacity` is the most tokens a sequence will hold.
Expected<std::unique_ptr<Decoder>> createDecoder(const Model &model,
                                                 int64_t capacity,
                                                 bool useKvCache = true);

/// Runs the model's ordinary forward over the whole sequence at every step:
/// quadratic work, but it needs nothing beyond the forward entry point.
class RecomputingDecoder final : public Decoder {
public:
  static Expected<std::unique_ptr<RecomputingDecoder>>
  create(const Model &model);

  int64_t vocabSize() const override { return vocab; }
  std::optional<int64_t> contextLength() const override { return context; }
  bool usesKvCache() const override { return false; }
  Expected<Logits> prefill(const std::vector<int64_t> &tokens) override;
  Expected<Logits> step(int64_t token) override;

private:
  RecomputingDecoder(Session session, int64_t vocab,
                     std::optional<int64_t> context)
      : session(std::move(session)), vocab(vocab), context(context) {}

  Expected<Logits> run();

  Session session;
  int64_t vocab;
  std::optional<int64_t> context;
  std::vector<int64_t> sequence;
};

/// Keeps a KV cache in a session (models compiled with attnc_model_step):
/// the prompt is one prefill step, each new token one step whose cost is
/// linear in the sequence length.
class CachingDecoder final : public Decoder {
public:
  /// `capacity`: the most tokens a sequence will hold. Fails if the model has
  /// no KV cache entry.
  static Expected<std::unique_ptr<CachingDecoder>> create(const Model &model,
                                                          int64_t capacity);

  int64_t vocabSize() const override { return vocab; }
  std::optional<int64_t> contextLength() const override { return context; }
  bool usesKvCache() const override { return true; }
  Status reserve(int64_t tokens) override;
  Expected<Logits> prefill(const std::vector<int64_t> &tokens) override;
  Expected<Logits> step(int64_t token) override;

private:
  CachingDecoder(Session session, int64_t vocab,
                 std::optional<int64_t> context, size_t numDims,
                 size_t seqDim)
      : session(std::move(session)), vocab(vocab), context(context),
        numDims(numDims), seqDim(seqDim) {}

  Expected<Logits> feed(std::vector<int64_t> tokens);

  Session session;
  int64_t vocab;
  std::optional<int64_t> context;
  /// The model's dynamic dims, and the index of input_ids' sequence dim.
  size_t numDims, seqDim;
};

} // namespace attnc

#endif // ATTNC_DECODER_H
