//===- AttentionRule.cpp - Shape rule of attention(...) -------------------===//
//
// attention(q, k, v, heads =, kv_heads =, causal =, scale =, mask =,
// window =, alibi =) in its
// two forms: rank 3 (heads split and merged inside) and rank 4 (already
// split), both with grouped-query heads (kv_heads dividing heads) and an
// optional padding mask [batch, keys].
//
//===----------------------------------------------------------------------===//

#include "BuiltinRules.h"

using namespace attnc;
using namespace attnc::ast;
using namespace attnc::sema;
using llvm::Twine;

namespace {

struct Heads {
  int64_t heads, kvHeads;
  Dim headDim;
};

/// q [b, sq, h*d], k and v [b, sk, g*d].
std::optional<Heads> splitInside(Call &c, std::optional<int64_t> heads,
                                 std::optional<int64_t> kvHeads) {
  const TensorType &q = c.tensor(0), &k = c.tensor(1);
  const Expr *headsArg = c.keyword("heads");
  const Expr *kvHeadsArg = c.keyword("kv_heads");
  if (!heads) {
    c.fail("'heads' is required when q, k and v have rank 3");
    return std::nullopt;
  }
  const Dim &width = q.shape[2];
  if (!width.isStatic()) {
    c.fail(c.arg(0).getLoc(),
           "the width must be static to split it into heads, got " + q.str());
    return std::nullopt;
  }
  if (width.size % *heads != 0) {
    c.fail(headsArg->getLoc(),
           Twine(*heads) + " heads do not divide width " + Twine(width.size));
    return std::nullopt;
  }
  int64_t headDim = width.size / *heads;
  int64_t groups = kvHeads.value_or(*heads);
  if (*heads % groups != 0) {
    c.fail(kvHeadsArg->getLoc(), "kv_heads = " + Twine(groups) +
                                     " does not divide heads = " +
                                     Twine(*heads));
    return std::nullopt;
  }
  Dim expected = Dim::fixed(groups * headDim);
  if (k.shape[2] != expected) {
    if (!kvHeads)
      c.fail("widths of q and k differ: " + q.str() + " vs " + k.str() + " " +
             versus(q.shape[2], k.shape[2]));
    else
      c.fail("k and v must have width kv_heads * head_dim = " + Twine(groups) +
             " * " + Twine(headDim) + " = " + Twine(expected.size) + ", got " +
             k.str());
    return std::nullopt;
  }
  return Heads{*heads, groups, Dim::fixed(headDim)};
}

/// q [b, h, sq, d], k and v [b, g, sk, d].
std::optional<Heads> alreadySplit(Call &c, std::optional<int64_t> heads,
                                  std::optional<int64_t> kvHeads) {
  const TensorType &q = c.tensor(0), &k = c.tensor(1);
  const Dim &h = q.shape[1], &g = k.shape[1];
  if (heads && h != Dim::fixed(*heads)) {
    c.fail(c.keyword("heads")->getLoc(), "heads = " + Twine(*heads) +
                                             " but q has " + h.str() +
                                             " heads: " + q.str());
    return std::nullopt;
  }
  if (kvHeads && g != Dim::fixed(*kvHeads)) {
    c.fail(c.keyword("kv_heads")->getLoc(), "kv_heads = " + Twine(*kvHeads) +
                                                " but k has " + g.str() +
                                                " heads: " + k.str());
    return std::nullopt;
  }
  if (!h.isStatic() || !g.isStatic()) {
    c.fail("the head counts must be static: " + q.str() + ", " + k.str());
    return std::nullopt;
  }
  if (h.size % g.size != 0) {
    c.fail("the " + Twine(g.size) + " heads of k and v do not divide the " +
           Twine(h.size) + " heads of q: " + q.str() + ", " + k.str());
    return std::nullopt;
  }
  if (q.shape[3] != k.shape[3]) {
    c.fail("widths of q and k differ: " + q.str() + " vs " + k.str() + " " +
           versus(q.shape[3], k.shape[3]));
    return std::nullopt;
  }
  return Heads{h.size, g.size, q.shape[3]};
}

/// mask [b, sk] for keys k of rank `rank`.
bool checkMask(Call &c, size_t rank) {
  const Expr *maskArg = c.keyword("mask");
  if (!maskArg)
    return true;
  const TensorType &mask = *maskArg->tensorType, &k = c.tensor(1);
  if (mask.rank() != 2)
    return c.fail(maskArg->getLoc(),
                  "mask must have rank 2 [batch, keys], got " + mask.str());
  const Dim &keys = k.shape[rank == 3 ? 1 : 2];
  if (mask.shape[0] != k.shape[0])
    return c.fail(maskArg->getLoc(),
                  "batch dimensions of mask and k differ: " + mask.str() +
                      " vs " + k.str() + " " +
                      versus(mask.shape[0], k.shape[0]));
  if (mask.shape[1] != keys)
    return c.fail(maskArg->getLoc(), "the mask's length differs from the "
                                     "number of keys: " +
                                         mask.str() + " vs " + k.str() + " " +
                                         versus(mask.shape[1], keys));
  return true;
}

} // namespace

bool sema::attentionRule(Call &c) {
  const TensorType &q = c.tensor(0), &k = c.tensor(1), &v = c.tensor(2);
  size_t rank = q.rank();
  if (rank != 3 && rank != 4)
    return c.fail(c.arg(0).getLoc(),
                  "q must have rank 3 [batch, seq, width] or 4 [batch, "
                  "heads, seq, head_dim], got " +
                      q.str());
  if (k.rank() != rank || v.rank() != rank)
    return c.fail("q, k and v must have the same rank: " + q.str() + ", " +
                  k.str() + ", " + v.str());
  if (auto i = firstDifference(k.shape, v.shape))
    return c.fail("k and v shapes differ: " + k.str() + " vs " + v.str() + " " +
                  versus(k.shape[*i], v.shape[*i]));
  if (q.shape[0] != k.shape[0])
    return c.fail("batch dimensions of q and k differ: " + q.str() + " vs " +
                  k.str() + " " + versus(q.shape[0], k.shape[0]));

  std::optional<int64_t> heads, kvHeads;
  if (const Expr *e = c.keyword("heads"); e && !(heads = c.positiveInt(*e, "heads")))
    return false;
  if (const Expr *e = c.keyword("kv_heads");
      e && !(kvHeads = c.positiveInt(*e, "kv_heads")))
    return false;
  std::optional<Heads> split = rank == 3 ? splitInside(c, heads, kvHeads)
                                         : alreadySplit(c, heads, kvHeads);
  if (!split || !checkMask(c, rank))
    return false;

  for (const char *flag : {"causal", "alibi"})
    if (const Expr *e = c.keyword(flag)) {
      const Scalar &s = *e->scalar;
      if (s.value != 0 && s.value != 1)
        return c.fail(e->getLoc(), Twine(flag) + " must be 0 or 1, got " +
                                       formatScalar(s));
    }
  if (const Expr *window = c.keyword("window")) {
    // 0 is no window, so that a config's absent or null sliding_window
    // (a constant defaulting to 0) turns it off.
    std::optional<int64_t> w = c.nonNegativeInt(*window, "window");
    if (!w)
      return false;
    const Expr *causal = c.keyword("causal");
    if (*w && (!causal || causal->scalar->value != 1))
      return c.fail(window->getLoc(),
                    "window = " + Twine(*w) + " needs causal = 1");
  }
  if (const Expr *scale = c.keyword("scale");
      scale && !sema::fitsF32(scale->scalar->value))
    return c.fail(scale->getLoc(), "scale " + formatScalar(*scale->scalar) +
                                       " does not fit in f32");
  if (!c.keyword("scale") && !split->headDim.isStatic())
    return c.fail("the head size must be static to derive the default "
                  "scale; pass scale = ...");
  return c.result(q);
}
