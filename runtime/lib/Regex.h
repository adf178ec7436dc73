//===- Regex.h - PCRE2 patterns for tokenizer.json ---------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_REGEX_H
#define ATTNC_RUNTIME_LIB_REGEX_H

#include "attnc/runtime.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnc::rt {

/// A compiled pattern, in UTF and Unicode-property (UCP) mode, so that \s,
/// \w, \d and \p{..} mean what they mean to Hugging Face's tokenizers.
/// Immutable once compiled; safe to use from several threads.
class Regex {
public:
  /// `literal`: `pattern` is plain text (a tokenizer.json "String" pattern).
  /// The error names the pattern and PCRE2's reason.
  static Expected<std::shared_ptr<const Regex>>
  compile(const std::string &pattern, bool literal);
  ~Regex();

  /// The [begin, end) byte ranges of the non-overlapping matches in `text`,
  /// leftmost first (an empty match is skipped). Text that is not valid
  /// UTF-8 is an error naming the byte.
  Expected<std::vector<std::pair<size_t, size_t>>>
  findAll(std::string_view text) const;

  const std::string &pattern() const { return source; }

private:
  Regex() = default;
  std::string source;
  void *code = nullptr; // pcre2_code_8
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_REGEX_H
