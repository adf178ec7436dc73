//===- PreTokenizer.cpp - tokenizer.json pre-tokenizers -------------------===//
//
// Follows Hugging Face's tokenizers (pre_tokenizers/*.rs and the
// SplitDelimiterBehavior folds in normalizer.rs), step for step.
//
//===----------------------------------------------------------------------===//
#include "PreTokenizer.h"

#include "Gpt2Split.h"
#include "Normalizer.h"
#include "UnicodeTables.h"
#include "Utf8.h"

#include <algorithm>
#include <cctype>
#include <functional>

namespace attnc::rt {
namespace {

using Ranges = std::vector<std::pair<size_t, size_t>>;

/// Each character for which `is` holds is a delimiter on its own.
Ranges charMatches(std::string_view text,
                   const std::function<bool(char32_t)> &is) {
  Ranges matches;
  for (size_t pos = 0; pos < text.size();) {
    utf8::CodePoint c = utf8::decode(text, pos);
    if (c.valid && is(c.value))
      matches.emplace_back(pos, pos + c.size);
    pos += c.size;
  }
  return matches;
}

void appendRanges(std::string_view text, const Ranges &ranges,
                  std::vector<std::string> &out) {
  for (auto [begin, end] : ranges)
    if (end > begin)
      out.emplace_back(text.substr(begin, end - begin));
}

/// HF's Metaspace: spaces become the replacement, a prefix is added, and
/// each replacement starts a word.
void metaspace(const PreTokenizerStep &step, std::string_view word,
               bool prefix, std::vector<std::string> &out) {
  std::string text;
  for (char c : word)
    if (c == ' ')
      text += step.replacement;
    else
      text += c;
  if (prefix && text.compare(0, step.replacement.size(), step.replacement) != 0)
    text.insert(0, step.replacement);
  if (!step.split) {
    if (!text.empty())
      out.push_back(std::move(text));
    return;
  }
  Ranges matches;
  for (size_t at = text.find(step.replacement); at != std::string::npos;
       at = text.find(step.replacement, at + step.replacement.size()))
    matches.emplace_back(at, at + step.replacement.size());
  appendRanges(text, splitRanges(text.size(), matches,
                                 SplitBehavior::MergedWithNext, false),
               out);
}

const Regex &whitespaceWords() {
  static const std::shared_ptr<const Regex> regex =
      *Regex::compile(R"(\w+|[^\w\s]+)", /*literal=*/false);
  return *regex;
}

Status applyStep(const PreTokenizerStep &step, std::string_view word,
                 bool first, std::vector<std::string> &out) {
  using Kind = PreTokenizerStep::Kind;
  auto space = [](char32_t c) { return unicode::isWhitespace(c); };
  switch (step.kind) {
  case Kind::ByteLevel: {
    std::string prefixed;
    if (step.addPrefixSpace && word.front() != ' ') {
      prefixed = " " + std::string(word);
      word = prefixed;
    }
    if (!step.useRegex) {
      out.emplace_back(word);
      return Status::success();
    }
    for (std::string_view piece : splitGpt2(word))
      out.emplace_back(piece);
    return Status::success();
  }
  case Kind::Split: {
    auto matches = step.pattern->findAll(word);
    if (!matches)
      return matches.error();
    appendRanges(word,
                 splitRanges(word.size(), *matches, step.behavior, step.invert),
                 out);
    return Status::success();
  }
  case Kind::Metaspace: {
    using Prepend = PreTokenizerStep::Prepend;
    bool prefix = step.prepend == Prepend::Always ||
                  (step.prepend == Prepend::First && first);
    metaspace(step, word, prefix, out);
    return Status::success();
  }
  case Kind::Bert: {
    std::vector<std::string> words;
    appendRanges(word, splitRanges(word.size(), charMatches(word, space),
                                   SplitBehavior::Removed, false),
                 words);
    auto punctuation = [](char32_t c) {
      return (c < 0x80 && std::ispunct(static_cast<int>(c))) ||
             unicode::isPunctuation(c);
    };
    for (const std::string &w : words)
      appendRanges(w, splitRanges(w.size(), charMatches(w, punctuation),
                                  SplitBehavior::Isolated, false),
                   out);
    return Status::success();
  }
  case Kind::Whitespace: {
    auto matches = whitespaceWords().findAll(word);
    if (!matches)
      return matches.error();
    appendRanges(word, *matches, out);
    return Status::success();
  }
  case Kind::WhitespaceSplit:
    appendRanges(word, splitRanges(word.size(), charMatches(word, space),
                                   SplitBehavior::Removed, false),
                 out);
    return Status::success();
  case Kind::Digits: {
    auto digit = [](char32_t c) { return c >= U'0' && c <= U'9'; };
    appendRanges(word,
                 splitRanges(word.size(), charMatches(word, digit),
                             step.individualDigits ? SplitBehavior::Isolated
                                                   : SplitBehavior::Contiguous,
                             false),
                 out);
    return Status::success();
  }
  }
  return Status::success();
}

} // namespace

std::vector<std::pair<size_t, size_t>>
splitRanges(size_t size, const std::vector<std::pair<size_t, size_t>> &matches,
            SplitBehavior behavior, bool invert) {
  // The text as alternating pieces, each flagged whether it is a delimiter.
  struct Piece {
    size_t begin, end;
    bool delimiter;
  };
  std::vector<Piece> pieces;
  size_t previous = 0;
  for (auto [begin, end] : matches) {
    if (begin > previous)
      pieces.push_back({previous, begin, invert});
    pieces.push_back({begin, end, !invert});
    previous = end;
  }
  if (previous < size)
    pieces.push_back({previous, size, invert});

  Ranges result;
  bool previousDelimiter = false;
  switch (behavior) {
  case SplitBehavior::Removed:
    for (const Piece &p : pieces)
      if (!p.delimiter)
        result.emplace_back(p.begin, p.end);
    break;
  case SplitBehavior::Isolated:
    for (const Piece &p : pieces)
      result.emplace_back(p.begin, p.end);
    break;
  case SplitBehavior::MergedWithPrevious:
    for (const Piece &p : pieces) {
      if (p.delimiter && !previousDelimiter && !result.empty())
        result.back().second = p.end;
      else
        result.emplace_back(p.begin, p.end);
      previousDelimiter = p.delimiter;
    }
    break;
  case SplitBehavior::MergedWithNext:
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
      if (it->delimiter && !previousDelimiter && !result.empty())
        result.back().first = it->begin;
      else
        result.emplace_back(it->begin, it->end);
      previousDelimiter = it->delimiter;
    }
    std::reverse(result.begin(), result.end());
    break;
  case SplitBehavior::Contiguous:
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (i > 0 && pieces[i].delimiter == previousDelimiter)
        result.back().second = pieces[i].end;
      else
        result.emplace_back(pieces[i].begin, pieces[i].end);
      previousDelimiter = pieces[i].delimiter;
    }
    break;
  }
  return result;
}

Status preTokenize(const std::vector<PreTokenizerStep> &steps,
                   std::string_view text, bool atTextStart,
                   std::vector<std::string> &words) {
  std::vector<std::string> current;
  if (!text.empty())
    current.emplace_back(text);
  for (const PreTokenizerStep &step : steps) {
    std::vector<std::string> next;
    for (size_t i = 0; i < current.size(); ++i)
      if (Status s = applyStep(step, current[i], atTextStart && i == 0, next);
          !s)
        return s;
    current = std::move(next);
  }
  for (std::string &word : current)
    words.push_back(std::move(word));
  return Status::success();
}

} // namespace attnc::rt
