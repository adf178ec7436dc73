//===- Regex.cpp - PCRE2 patterns for tokenizer.json ----------------------===//
//
// Text that is not valid UTF-8 is allowed: a malformed byte matches nothing,
// so it is left between matches, where the byte-level model still encodes
// it. The well-formed runs between such bytes are matched one by one, with
// PCRE2_NO_UTF_CHECK, rather than with PCRE2_MATCH_INVALID_UTF, which looks
// for the next malformed byte on every call (quadratic in the text).
//
//===----------------------------------------------------------------------===//
#define PCRE2_CODE_UNIT_WIDTH 8
#include "Regex.h"

#include "Support.h"
#include "Utf8.h"

#include <pcre2.h>

namespace attnc::rt {
namespace {

std::string pcre2Message(int code) {
  PCRE2_UCHAR buffer[256];
  int length = pcre2_get_error_message(code, buffer, sizeof buffer);
  return length < 0 ? "error " + std::to_string(code)
                    : std::string(reinterpret_cast<char *>(buffer), length);
}

struct MatchData {
  explicit MatchData(const pcre2_code *code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
  pcre2_match_data *data;
};

} // namespace

Expected<std::shared_ptr<const Regex>> Regex::compile(const std::string &pattern,
                                                      bool literal) {
  // PCRE2 refuses UCP (meaningless there) with LITERAL.
  uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code *compiled =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()),
                    pattern.size(), options, &code, &offset, nullptr);
  if (!compiled)
    return Error(ATTNC_ERROR_FORMAT, "invalid pattern '" + truncate(pattern) +
                                         "' at offset " +
                                         std::to_string(offset) + ": " +
                                         pcre2Message(code));
  std::shared_ptr<Regex> regex(new Regex());
  regex->source = pattern;
  regex->code = compiled;
  // Without JIT support (or memory for it) the interpreter is used.
  pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);
  return std::shared_ptr<const Regex>(std::move(regex));
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code *>(code)); }

Expected<std::vector<std::pair<size_t, size_t>>>
Regex::findAll(std::string_view text) const {
  auto *compiled = static_cast<const pcre2_code *>(code);
  MatchData match(compiled);
  if (!match.data)
    return Error(ATTNC_ERROR_OUT_OF_MEMORY, "out of memory matching a pattern");
  std::vector<std::pair<size_t, size_t>> matches;
  // The matches within text[begin, end), a well-formed run.
  auto matchRun = [&](size_t begin, size_t end) -> Status {
    auto subject = reinterpret_cast<PCRE2_SPTR>(text.data() + begin);
    size_t size = end - begin;
    uint32_t options = PCRE2_NO_UTF_CHECK | (begin > 0 ? PCRE2_NOTBOL : 0) |
                       (end < text.size() ? PCRE2_NOTEOL : 0);
    for (size_t from = 0; from <= size;) {
      int rc = pcre2_match(compiled, subject, size, from, options, match.data,
                           nullptr);
      // JIT code has a small fixed stack; the interpreter's grows on the heap.
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(compiled, subject, size, from, options | PCRE2_NO_JIT,
                         match.data, nullptr);
      if (rc == PCRE2_ERROR_NOMATCH)
        break;
      if (rc < 0)
        return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                     "pattern '" + truncate(source) +
                         "' failed on the text: " + pcre2Message(rc));
      PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match.data);
      size_t first = ovector[0], last = ovector[1];
      if (last > first) {
        matches.emplace_back(begin + first, begin + last);
        from = last;
        continue;
      }
      // An empty match: look again one character further on.
      if (first >= size)
        break;
      from = first + utf8::decode(text, begin + first).size;
    }
    return Status::success();
  };
  // Matches never span a malformed byte; an empty text is matched once.
  Status failure = Status::success();
  auto matchEach = [&](size_t begin, size_t end) {
    failure = matchRun(begin, end);
    return static_cast<bool>(failure);
  };
  if (text.empty())
    matchEach(0, 0);
  else
    utf8::forEachRun(text, matchEach, [](size_t) { return true; });
  if (!failure)
    return failure.error();
  return matches;
}

} // namespace attnc::rt
