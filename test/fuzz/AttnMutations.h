//===- AttnMutations.h - Structure-aware mutations of .attn text -*- C++
//-*-===//
//
// The mutations behind attnc-fuzz-frontend-structure's custom mutator
// (AttnMutator.cpp): the text is split into tokens (by the parser's own
// lexical rules, SourceScan.h), and one edit changes its structure while
// keeping the rest byte for byte, so that most mutants still parse and reach
// Sema, MLIRGen and the verifier: another builtin (from the front end's
// builtin table), another number, another element type or shape, a keyword
// argument added, removed or renamed, an argument dropped or repeated, a
// statement repeated, deleted or moved, one name used for another, another
// binary operator, a `#D` override. Free of libFuzzer, so that it can be
// tested alone.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_FUZZ_ATTNMUTATIONS_H
#define ATTNC_TEST_FUZZ_ATTNMUTATIONS_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <random>
#include <string>

namespace attnc::fuzz {

enum class Mutation {
  SwapBuiltin,
  ChangeNumber,
  ChangeType,
  ChangeShape,
  AddKeyword,
  RemoveKeyword,
  RenameKeyword,
  DropArgument,
  RepeatArgument,
  RepeatStatement,
  DeleteStatement,
  MoveStatement,
  SwapName,
  SwapOperator,
  AddOverride,
};
constexpr unsigned kNumMutations = unsigned(Mutation::AddOverride) + 1;

/// `text` with one mutation of kind `kind` applied at a place chosen by
/// `rng`, or nothing when the text has no place for it (no builtin call to
/// swap, no number to change, ...).
std::optional<std::string> mutateAttn(llvm::StringRef text, Mutation kind,
                                      std::minstd_rand &rng);

/// `text` with one mutation of a kind chosen by `rng` among those that
/// apply, or nothing when none does.
std::optional<std::string> mutateAttn(llvm::StringRef text,
                                      std::minstd_rand &rng);

/// `into` with one statement of `from` (a `let`, a `param`, a whole
/// `block`...) inserted after, or put in place of, one of its own statements
/// at the same depth (in the model, or in a block), or nothing when there is
/// none.
std::optional<std::string> crossOverAttn(llvm::StringRef into,
                                         llvm::StringRef from,
                                         std::minstd_rand &rng);

} // namespace attnc::fuzz

#endif // ATTNC_TEST_FUZZ_ATTNMUTATIONS_H
