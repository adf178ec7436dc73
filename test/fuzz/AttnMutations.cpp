//===- AttnMutations.cpp - Structure-aware mutations of .attn text --------===//

#include "AttnMutations.h"

// Internal headers of the front end (compiler/lib/Frontend): the builtin
// table and the lexical rules, so that the mutator keeps no second copy.
#include "Builtins.h"
#include "SourceScan.h"

#include "attnc/Frontend/AST.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <utility>
#include <vector>

using namespace attnc;
using namespace attnc::fuzz;
using llvm::SmallVector;
using llvm::StringRef;

namespace {

size_t pick(std::minstd_rand &rng, size_t n) { return rng() % n; }
template <typename T>
const T &pickFrom(std::minstd_rand &rng, const T *items, size_t n) {
  return items[pick(rng, n)];
}
template <typename Range> auto pickOf(std::minstd_rand &rng, const Range &r) {
  return r[pick(rng, r.size())];
}

/// The words that begin a statement (the statement rules of Parser.cpp).
bool startsStatement(StringRef word) {
  return llvm::is_contained({"const", "require", "dim", "input", "param", "let",
                             "output", "block", "return"},
                            word);
}

SmallVector<StringRef> elementTypeNames() {
  using ast::ElementType;
  SmallVector<StringRef> names;
  for (ElementType t : {ElementType::F32, ElementType::I32, ElementType::I64})
    names.push_back(ast::stringifyElementType(t));
  return names;
}

SmallVector<StringRef> operatorSpellings() {
  using Op = ast::BinaryExpr::Op;
  SmallVector<StringRef> spellings;
  for (unsigned op = 0; op <= unsigned(Op::Ge); ++op)
    spellings.push_back(ast::BinaryExpr::spelling(Op(op)));
  return spellings;
}

/// Numbers that reach the edges of Sema's checks: zero, one, fractions,
/// the limits of i32, i64 and f32, and beyond a double.
// clang-format off
const char *const kNumbers[] = {
    "0", "1", "2", "3", "7", "64", "0.5", "1e-6", "1.0", "0.0",
    "2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
    "1e38", "1e39", "1e400"};
// clang-format on

std::string someNumber(std::minstd_rand &rng) {
  return pickFrom(rng, kNumbers, std::size(kNumbers));
}

/// A number near `old` (one more or less, twice or half) or one of
/// kNumbers, other than `old`.
std::string otherNumber(StringRef old, std::minstd_rand &rng) {
  int64_t n;
  if (!old.getAsInteger(10, n) && n > 1 && n < (int64_t(1) << 40) &&
      pick(rng, 2)) {
    switch (pick(rng, 4)) {
    case 0:
      return std::to_string(n + 1);
    case 1:
      return std::to_string(n - 1);
    case 2:
      return std::to_string(n * 2);
    default:
      return std::to_string(n / 2);
    }
  }
  std::string number = someNumber(rng);
  return number == old ? "0" + number : number;
}

enum class Kind { Name, Number, String, Punct };

struct Token {
  Kind kind;
  size_t begin, end; // offsets into the text
  /// Brackets around the token; a bracket is outside the pair it opens or
  /// closes.
  unsigned depth;
  /// The index of the innermost open bracket around the token, or -1.
  size_t parent;
};

/// A token range [first, last), as an argument, a dim or a statement.
using Span = std::pair<size_t, size_t>;

/// The text as tokens, with the structure the mutations need.
class Source {
public:
  explicit Source(StringRef text);

  StringRef text;
  std::vector<Token> tokens;

  size_t size() const { return tokens.size(); }
  StringRef str(size_t i) const {
    return text.slice(tokens[i].begin, tokens[i].end);
  }
  bool is(size_t i, StringRef s) const { return i < size() && str(i) == s; }
  bool isName(size_t i) const {
    return i < size() && tokens[i].kind == Kind::Name;
  }
  size_t beginOf(Span s) const { return tokens[s.first].begin; }
  size_t endOf(Span s) const { return tokens[s.second - 1].end; }
  StringRef textOf(Span s) const { return text.slice(beginOf(s), endOf(s)); }

  /// The bracket that closes the one at `open`, or size() if none does.
  size_t closing(size_t open) const {
    for (size_t j = open + 1; j < size(); ++j) {
      if (tokens[j].depth < tokens[open].depth)
        break;
      if (tokens[j].depth == tokens[open].depth)
        return tokens[j].kind == Kind::Punct &&
                       StringRef(")]}").contains(str(j)[0])
                   ? j
                   : size();
    }
    return size();
  }

  /// The items between the bracket at `open` and its closing one, split at
  /// commas: the arguments of a call, the dims of a shape.
  SmallVector<Span> items(size_t open) const {
    SmallVector<Span> result;
    size_t close = closing(open);
    if (close == size() || close == open + 1)
      return result;
    size_t first = open + 1;
    for (size_t j = open + 1; j <= close; ++j) {
      if (j == close ||
          (tokens[j].depth == tokens[open].depth + 1 && is(j, ","))) {
        if (j > first)
          result.push_back({first, j});
        first = j + 1;
      }
    }
    return result;
  }

  /// The names followed by '(': builtin calls and block calls.
  SmallVector<size_t> calls(bool builtinsOnly) const {
    SmallVector<size_t> result;
    for (size_t i = 0; i + 1 < size(); ++i)
      if (isName(i) && is(i + 1, "(") &&
          (!builtinsOnly || sema::isBuiltin(str(i))))
        result.push_back(i);
    return result;
  }

  /// Every statement, from its first word to the next statement at its
  /// depth or the brace that closes its model or block.
  SmallVector<Span> statements() const {
    SmallVector<Span> result;
    for (size_t i = 0; i < size(); ++i) {
      if (!isName(i) || !startsStatement(str(i)))
        continue;
      size_t j = i + 1;
      while (j < size() && tokens[j].depth >= tokens[i].depth &&
             !(tokens[j].depth == tokens[i].depth && isName(j) &&
               startsStatement(str(j))))
        ++j;
      result.push_back({i, j});
    }
    return result;
  }

  /// Whether token `i` is a name the model declares or uses: no reserved
  /// word, builtin or element type, and not the words of `layout [in, out]`
  /// and `^T`.
  bool isUserName(size_t i) const {
    if (!isName(i))
      return false;
    StringRef s = str(i);
    if (scan::isReservedWord(s) || sema::isBuiltin(s) ||
        llvm::is_contained(elementTypeNames(), s) || (i && is(i - 1, "^")))
      return false;
    size_t open = tokens[i].parent;
    return !(open != size_t(-1) && open > 0 && is(open, "[") &&
             is(open - 1, "layout"));
  }

  /// The distinct user names (isUserName), in order of first use.
  const SmallVector<StringRef> &names() const {
    if (!namesCache) {
      namesCache.emplace();
      llvm::StringSet<> seen;
      for (size_t i = 0; i < size(); ++i)
        if (isUserName(i) && seen.insert(str(i)).second)
          namesCache->push_back(str(i));
    }
    return *namesCache;
  }

  /// The text with bytes [begin, end) replaced by `with`.
  std::string replace(size_t begin, size_t end, StringRef with) const {
    return (text.take_front(begin) + with + text.drop_front(end)).str();
  }
  std::string replaceToken(size_t i, StringRef with) const {
    return replace(tokens[i].begin, tokens[i].end, with);
  }
  std::string insert(size_t at, StringRef what) const {
    return replace(at, at, what);
  }
  /// The text without item `k` of `list` and one comma next to it.
  std::string removeItem(llvm::ArrayRef<Span> list, size_t k) const {
    if (k > 0)
      return replace(endOf(list[k - 1]), endOf(list[k]), "");
    if (list.size() > 1)
      return replace(beginOf(list[0]), beginOf(list[1]), "");
    return replace(beginOf(list[0]), endOf(list[0]), "");
  }

private:
  mutable std::optional<SmallVector<StringRef>> namesCache;
};

Source::Source(StringRef source) : text(source) {
  const char *begin = text.begin(), *end = text.end();
  unsigned depth = 0;
  SmallVector<size_t> open; // the open brackets around p
  for (const char *p = scan::skipTrivia(begin, end); p != end;
       p = scan::skipTrivia(p, end)) {
    const char *q = p + 1;
    Kind kind = Kind::Punct;
    StringRef name = scan::identifierAt(p, end);
    if (!name.empty()) {
      kind = Kind::Name;
      q = p + name.size();
    } else if (llvm::isDigit(*p)) {
      kind = Kind::Number;
      while (q != end &&
             (llvm::isAlnum(*q) || *q == '.' ||
              ((*q == '+' || *q == '-') && (q[-1] == 'e' || q[-1] == 'E'))))
        ++q;
    } else if (*p == '"') {
      kind = Kind::String;
      while (q != end && *q != '"' && *q != '\n')
        ++q;
      if (q != end && *q == '"')
        ++q;
    } else if (q != end && *q == '=' && StringRef("=!<>").contains(*p)) {
      ++q;
    }
    bool opens = kind == Kind::Punct && StringRef("([{").contains(*p);
    bool closes = kind == Kind::Punct && StringRef(")]}").contains(*p);
    if (closes && depth) {
      --depth;
      open.pop_back();
    }
    tokens.push_back({kind, size_t(p - begin), size_t(q - begin), depth,
                      open.empty() ? size_t(-1) : open.back()});
    if (opens) {
      ++depth;
      open.push_back(tokens.size() - 1);
    }
    p = q;
  }
}

using Result = std::optional<std::string>;

/// A value for an argument: a number, or a name of the model.
std::string someValue(const Source &s, std::minstd_rand &rng) {
  const SmallVector<StringRef> &names = s.names();
  if (names.empty() || pick(rng, 2))
    return someNumber(rng);
  return pickOf(rng, names).str();
}

/// A keyword parameter name for a call of `callee`: mostly its own, else
/// one of another builtin or one of its positional parameters (which must
/// be passed positionally).
StringRef someKeyword(StringRef callee, std::minstd_rand &rng) {
  SmallVector<StringRef> names;
  switch (pick(rng, 5)) {
  case 0:
    names = sema::builtinPositionalNames(callee);
    break;
  case 1:
    names = sema::builtinKeywordNames(pickOf(rng, sema::builtinNames()));
    break;
  default:
    names = sema::builtinKeywordNames(callee);
  }
  if (names.empty())
    names = sema::builtinKeywordNames("attention");
  return pickOf(rng, names);
}

Result swapBuiltin(const Source &s, std::minstd_rand &rng) {
  SmallVector<size_t> calls = s.calls(/*builtinsOnly=*/true);
  if (calls.empty())
    return std::nullopt;
  size_t i = pickOf(rng, calls);
  SmallVector<StringRef> names = sema::builtinNames();
  llvm::erase(names, s.str(i));
  return s.replaceToken(i, pickOf(rng, names));
}

Result changeNumber(const Source &s, std::minstd_rand &rng) {
  SmallVector<size_t> numbers;
  for (size_t i = 0; i < s.size(); ++i)
    if (s.tokens[i].kind == Kind::Number)
      numbers.push_back(i);
  if (numbers.empty())
    return std::nullopt;
  size_t i = pickOf(rng, numbers);
  return s.replaceToken(i, otherNumber(s.str(i), rng));
}

/// The element type names followed by '[' (the types of inputs and params).
SmallVector<size_t> tensorTypes(const Source &s) {
  SmallVector<size_t> result;
  SmallVector<StringRef> types = elementTypeNames();
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s.isName(i) && s.is(i + 1, "[") && llvm::is_contained(types, s.str(i)))
      result.push_back(i);
  return result;
}

Result changeType(const Source &s, std::minstd_rand &rng) {
  SmallVector<size_t> types = tensorTypes(s);
  if (types.empty())
    return std::nullopt;
  size_t i = pickOf(rng, types);
  SmallVector<StringRef> names = elementTypeNames();
  llvm::erase(names, s.str(i));
  return s.replaceToken(i, pickOf(rng, names));
}

Result changeShape(const Source &s, std::minstd_rand &rng) {
  SmallVector<size_t> types = tensorTypes(s);
  if (types.empty())
    return std::nullopt;
  size_t open = pickOf(rng, types) + 1;
  SmallVector<Span> dims = s.items(open);
  if (dims.empty())
    return s.insert(s.tokens[open].end, someValue(s, rng));
  size_t k = pick(rng, dims.size());
  switch (pick(rng, 3)) {
  case 0:
    return s.removeItem(dims, k);
  case 1:
    return s.insert(s.endOf(dims[k]), (", " + s.textOf(dims[k])).str());
  default:
    return s.replace(s.beginOf(dims[k]), s.endOf(dims[k]), someValue(s, rng));
  }
}

Result addKeyword(const Source &s, std::minstd_rand &rng) {
  SmallVector<size_t> calls = s.calls(/*builtinsOnly=*/true);
  if (calls.empty())
    return std::nullopt;
  size_t i = pickOf(rng, calls);
  size_t close = s.closing(i + 1);
  if (close == s.size())
    return std::nullopt;
  std::string kwarg = (someKeyword(s.str(i), rng) + " = ").str();
  kwarg += someValue(s, rng);
  if (!s.items(i + 1).empty())
    kwarg = ", " + kwarg;
  return s.insert(s.tokens[close].begin, kwarg);
}

/// Every keyword argument: the call's name and the argument's index.
SmallVector<std::pair<size_t, size_t>> keywordArguments(const Source &s) {
  SmallVector<std::pair<size_t, size_t>> result;
  for (size_t i : s.calls(/*builtinsOnly=*/false)) {
    SmallVector<Span> args = s.items(i + 1);
    for (size_t k = 0; k < args.size(); ++k)
      if (s.isName(args[k].first) && s.is(args[k].first + 1, "="))
        result.push_back({i, k});
  }
  return result;
}

Result removeKeyword(const Source &s, std::minstd_rand &rng) {
  auto kwargs = keywordArguments(s);
  if (kwargs.empty())
    return std::nullopt;
  auto [call, k] = pickOf(rng, kwargs);
  return s.removeItem(s.items(call + 1), k);
}

Result renameKeyword(const Source &s, std::minstd_rand &rng) {
  auto kwargs = keywordArguments(s);
  if (kwargs.empty())
    return std::nullopt;
  auto [call, k] = pickOf(rng, kwargs);
  size_t name = s.items(call + 1)[k].first;
  return s.replaceToken(name, someKeyword(s.str(call), rng));
}

/// A call with arguments and one of them, chosen by `rng`.
std::optional<std::pair<SmallVector<Span>, size_t>>
someArgument(const Source &s, std::minstd_rand &rng) {
  SmallVector<size_t> calls;
  for (size_t i : s.calls(/*builtinsOnly=*/false))
    if (!s.items(i + 1).empty())
      calls.push_back(i);
  if (calls.empty())
    return std::nullopt;
  SmallVector<Span> args = s.items(pickOf(rng, calls) + 1);
  size_t k = pick(rng, args.size());
  return std::make_pair(std::move(args), k);
}

Result dropArgument(const Source &s, std::minstd_rand &rng) {
  auto arg = someArgument(s, rng);
  if (!arg)
    return std::nullopt;
  return s.removeItem(arg->first, arg->second);
}

Result repeatArgument(const Source &s, std::minstd_rand &rng) {
  auto arg = someArgument(s, rng);
  if (!arg)
    return std::nullopt;
  Span a = arg->first[arg->second];
  return s.insert(s.endOf(a), (", " + s.textOf(a)).str());
}

/// A statement of `statements` at `depth` (in the model, or in a block),
/// other than `except`; nothing when there is none.
std::optional<Span> statementAt(const Source &s,
                                llvm::ArrayRef<Span> statements, unsigned depth,
                                std::minstd_rand &rng,
                                std::optional<Span> except = std::nullopt) {
  SmallVector<Span> candidates;
  for (Span st : statements)
    if (s.tokens[st.first].depth == depth && st != except)
      candidates.push_back(st);
  if (candidates.empty())
    return std::nullopt;
  return pickOf(rng, candidates);
}

// Statements are repeated and moved among those of the same model or block:
// a model's declaration in a block, or a block's `return` in the model, is
// only a syntax error.
Result repeatStatement(const Source &s, std::minstd_rand &rng) {
  SmallVector<Span> statements = s.statements();
  if (statements.empty())
    return std::nullopt;
  Span what = pickOf(rng, statements);
  Span after = *statementAt(s, statements, s.tokens[what.first].depth, rng);
  return s.insert(s.endOf(after), ("\n" + s.textOf(what)).str());
}

Result deleteStatement(const Source &s, std::minstd_rand &rng) {
  SmallVector<Span> statements = s.statements();
  if (statements.empty())
    return std::nullopt;
  Span what = pickOf(rng, statements);
  return s.replace(s.beginOf(what), s.endOf(what), "");
}

Result moveStatement(const Source &s, std::minstd_rand &rng) {
  SmallVector<Span> statements = s.statements();
  if (statements.size() < 2)
    return std::nullopt;
  Span what = pickOf(rng, statements);
  std::optional<Span> after =
      statementAt(s, statements, s.tokens[what.first].depth, rng, what);
  if (!after)
    return std::nullopt;
  size_t from = s.beginOf(what), to = s.endOf(what), at = s.endOf(*after);
  std::string moved = ("\n" + s.textOf(what)).str();
  StringRef t = s.text;
  if (at > to)
    return (t.take_front(from) + t.slice(to, at) + moved + t.drop_front(at))
        .str();
  return (t.take_front(at) + moved + t.slice(at, from) + t.drop_front(to))
      .str();
}

Result swapName(const Source &s, std::minstd_rand &rng) {
  SmallVector<StringRef> names = s.names();
  if (names.size() < 2)
    return std::nullopt;
  SmallVector<size_t> uses;
  for (size_t i = 0; i < s.size(); ++i)
    if (s.isUserName(i))
      uses.push_back(i);
  size_t i = pickOf(rng, uses);
  llvm::erase(names, s.str(i));
  return s.replaceToken(i, pickOf(rng, names));
}

Result swapOperator(const Source &s, std::minstd_rand &rng) {
  SmallVector<StringRef> spellings = operatorSpellings();
  SmallVector<size_t> operators;
  for (size_t i = 0; i < s.size(); ++i)
    if (s.tokens[i].kind == Kind::Punct &&
        llvm::is_contained(spellings, s.str(i)))
      operators.push_back(i);
  if (operators.empty())
    return std::nullopt;
  size_t i = pickOf(rng, operators);
  llvm::erase(spellings, s.str(i));
  return s.replaceToken(i, pickOf(rng, spellings));
}

/// A `#D name=value` line at the top (attnc-fuzz-frontend's -D overrides),
/// mostly for a constant of the model.
Result addOverride(const Source &s, std::minstd_rand &rng) {
  SmallVector<StringRef> constants;
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s.is(i, "const") && s.isName(i + 1))
      constants.push_back(s.str(i + 1));
  SmallVector<StringRef> names = s.names();
  if (constants.empty() || !pick(rng, 4))
    constants = names;
  if (constants.empty())
    return std::nullopt;
  std::string line = ("#D " + pickOf(rng, constants) + "=").str();
  return s.insert(0, line + someNumber(rng) + "\n");
}

using MutationFn = Result (*)(const Source &, std::minstd_rand &);
// In the order of enum Mutation.
const MutationFn kMutations[kNumMutations] = {
    swapBuiltin,    changeNumber,    changeType,      changeShape,
    addKeyword,     removeKeyword,   renameKeyword,   dropArgument,
    repeatArgument, repeatStatement, deleteStatement, moveStatement,
    swapName,       swapOperator,    addOverride,
};

} // namespace

Result fuzz::mutateAttn(StringRef text, Mutation kind, std::minstd_rand &rng) {
  return kMutations[unsigned(kind)](Source(text), rng);
}

Result fuzz::mutateAttn(StringRef text, std::minstd_rand &rng) {
  Source source(text);
  size_t first = pick(rng, kNumMutations);
  for (size_t n = 0; n < kNumMutations; ++n) {
    Result r = kMutations[(first + n) % kNumMutations](source, rng);
    if (r && *r != text)
      return r;
  }
  return std::nullopt;
}

Result fuzz::crossOverAttn(StringRef into, StringRef from,
                           std::minstd_rand &rng) {
  Source a(into), b(from);
  SmallVector<Span> to = a.statements(), taken = b.statements();
  if (to.empty() || taken.empty())
    return std::nullopt;
  Span what = pickOf(rng, taken);
  std::optional<Span> at = statementAt(a, to, b.tokens[what.first].depth, rng);
  if (!at)
    return std::nullopt;
  StringRef statement = b.textOf(what);
  if (pick(rng, 2))
    return a.replace(a.beginOf(*at), a.endOf(*at), statement);
  return a.insert(a.endOf(*at), ("\n" + statement).str());
}
