//===- Parser.cpp - Spirit X3 parser of the attn DSL ----------------------===//
//
// The grammar runs directly over the SourceMgr buffer (`const char *`), so a
// node's location is the iterator where its text starts. Semantic actions
// build the tree on an operand stack held in a Builder that the grammar
// reaches through the X3 context; every rule either fails before its first
// action fires, succeeds, or throws at an expectation point, so the stack
// never holds half-built alternatives.
//
// This is the only file of the front end built with exceptions: expectation
// failures and the grammar's own SyntaxErrors are caught in parseModel() and
// turned into diagnostics.
//
//===----------------------------------------------------------------------===//

#include "attnc/Frontend/Parser.h"

#include "SourceScan.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <boost/spirit/home/x3.hpp>

#include <cassert>
#include <charconv>
#include <cmath>

namespace x3 = boost::spirit::x3;
using namespace attnc;
using namespace attnc::ast;

namespace {

/// Bound the parser's recursion (parentheses, arguments, conditionals) and
/// the height of the tree it builds (which also grows through loops: `-`
/// signs, `^T`, operator chains), so that neither the parser nor the
/// recursive passes after it (Sema, MLIRGen, the destructors) can run out of
/// stack on hostile input.
constexpr unsigned kMaxNesting = 256;
constexpr unsigned kMaxHeight = 1024;

using Iter = const char *;
using Range = boost::iterator_range<Iter>;

llvm::SMLoc locOf(Iter p) { return llvm::SMLoc::getFromPointer(p); }

/// An error found by the grammar's own checks rather than by an expectation
/// point; parsing stops.
struct SyntaxError {
  Iter where;
  std::string message;
};

// Names of expectation points the boundary rewrites into a better message.
constexpr const char *kCloseModel = "'}' to close the model";
constexpr const char *kEndOfInput = "end of input";

/// Builds the tree as the grammar recognizes it.
struct Builder {
  explicit Builder(DiagnosticReporter &diag)
      : diag(diag), model(std::make_unique<Model>()) {}

  DiagnosticReporter &diag;
  std::unique_ptr<Model> model;
  /// Set when a recoverable error was reported; the parse goes on so that
  /// later syntax errors are found too, but no tree is returned.
  bool failed = false;

  // Finished subexpressions, with the height of each subtree.
  struct Operand {
    ExprPtr expr;
    unsigned height;
  };
  std::vector<Operand> operands;
  // Identifiers waiting to become an IdentExpr, a callee or a keyword.
  std::vector<std::pair<std::string, Iter>> names;
  struct CallFrame {
    std::unique_ptr<CallExpr> call;
    unsigned height = 0; // of the tallest argument
    bool sawKeyword = false;
  };
  std::vector<CallFrame> calls;
  unsigned depth = 0;

  // The declaration being parsed (declarations do not nest).
  Iter declLoc = nullptr;
  std::string declName;
  Iter declNameLoc = nullptr;
  TypeSpec type;
  std::optional<WeightLayout> layout;
  Iter layoutLoc = nullptr;
  std::optional<std::string> from;
  Iter fromLoc = nullptr;
  Iter braceLoc = nullptr;

  void recoverableError(Iter at, const llvm::Twine &message) {
    diag.error(locOf(at), message);
    failed = true;
  }

  void push(ExprPtr e, unsigned height) {
    if (height > kMaxHeight)
      throw SyntaxError{e->getLoc().getPointer(),
                        "expression nested too deeply"};
    operands.push_back({std::move(e), height});
  }
  Operand pop() {
    assert(!operands.empty() && "grammar popped an empty operand stack");
    Operand o = std::move(operands.back());
    operands.pop_back();
    return o;
  }

  void enter(Iter at) {
    if (++depth > kMaxNesting)
      throw SyntaxError{at, "expression nested too deeply"};
  }
  void leave() { --depth; }

  //===--- Expressions ----------------------------------------------------===//

  void number(Range r) {
    llvm::StringRef text(r.begin(), r.size());
    bool isInteger = text.find_first_of(".eE") == llvm::StringRef::npos;
    double value = 0;
    auto [end, ec] = std::from_chars(r.begin(), r.end(), value);
    if (ec != std::errc() || end != r.end() || !std::isfinite(value)) {
      recoverableError(r.begin(), "number '" + text + "' is out of range");
      value = 0;
    } else if (isInteger && value >= 9223372036854775808.0) {
      // Integers are carried in doubles (Scalar::value); 2^63 - 1 itself
      // rounds up to 2^63, so the bound is on the double.
      recoverableError(r.begin(),
                       "integer literal '" + text + "' is too large");
      value = 0;
    }
    push(std::make_unique<NumberExpr>(locOf(r.begin()), value, isInteger), 1);
  }

  void pushName(Range r) {
    names.emplace_back(std::string(r.begin(), r.end()), r.begin());
  }

  void makeIdent() {
    auto [name, at] = std::move(names.back());
    names.pop_back();
    push(std::make_unique<IdentExpr>(locOf(at), std::move(name)), 1);
  }

  void openCall() {
    auto [name, at] = std::move(names.back());
    names.pop_back();
    calls.push_back({std::make_unique<CallExpr>(locOf(at), std::move(name))});
  }

  void positionalArg() {
    Operand arg = pop();
    CallFrame &frame = calls.back();
    if (frame.sawKeyword)
      recoverableError(arg.expr->getLoc().getPointer(),
                       "positional argument after keyword argument");
    frame.height = std::max(frame.height, arg.height);
    frame.call->args.push_back(std::move(arg.expr));
  }

  void keywordArg() {
    Operand value = pop();
    auto [name, at] = std::move(names.back());
    names.pop_back();
    CallFrame &frame = calls.back();
    frame.sawKeyword = true;
    frame.height = std::max(frame.height, value.height);
    frame.call->kwargs.push_back(
        KeywordArg{locOf(at), std::move(name), std::move(value.expr)});
  }

  void closeCall() {
    CallFrame frame = std::move(calls.back());
    calls.pop_back();
    push(std::move(frame.call), frame.height + 1);
  }

  void binary(BinaryExpr::Op op, Iter at) {
    Operand rhs = pop();
    Operand lhs = pop();
    unsigned height = std::max(lhs.height, rhs.height) + 1;
    push(std::make_unique<BinaryExpr>(locOf(at), op, std::move(lhs.expr),
                                      std::move(rhs.expr)),
         height);
  }

  void negate(const std::vector<Range> &minuses) {
    Operand operand = pop();
    // `- - x` is Unary(Unary(x)): wrap from the innermost sign outwards.
    for (auto it = minuses.rbegin(); it != minuses.rend(); ++it) {
      auto e = std::make_unique<UnaryExpr>(locOf(it->begin()),
                                           std::move(operand.expr));
      operand.expr = std::move(e);
      if (++operand.height > kMaxHeight)
        throw SyntaxError{minuses.front().begin(),
                          "expression nested too deeply"};
    }
    operands.push_back(std::move(operand));
  }

  void transpose(Iter at) {
    Operand operand = pop();
    push(std::make_unique<TransposeExpr>(locOf(at), std::move(operand.expr)),
         operand.height + 1);
  }

  void conditional(Iter at) {
    Operand elseExpr = pop();
    Operand thenExpr = pop();
    Operand cond = pop();
    unsigned height =
        std::max({cond.height, thenExpr.height, elseExpr.height}) + 1;
    push(std::make_unique<ConditionalExpr>(locOf(at), std::move(cond.expr),
                                           std::move(thenExpr.expr),
                                           std::move(elseExpr.expr)),
         height);
  }

  //===--- Declarations ---------------------------------------------------===//

  void declKeyword(Range r) {
    declLoc = r.begin();
    type = TypeSpec();
    layout.reset();
    from.reset();
  }
  void setDeclName(Range r) {
    declName.assign(r.begin(), r.end());
    declNameLoc = r.begin();
  }
  template <typename D> void finishValueDecl() {
    Operand value = pop();
    model->decls.push_back(std::make_unique<D>(
        locOf(declLoc), declName, locOf(declNameLoc), std::move(value.expr)));
  }
  void dimName(Range r) {
    model->decls.push_back(std::make_unique<DimDecl>(
        locOf(declLoc), std::string(r.begin(), r.end()), locOf(r.begin())));
  }
  void typeStart(Range r) {
    type.loc = locOf(r.begin());
    type.elementType.assign(r.begin(), r.end());
  }
  void typeDim() { type.dims.push_back(pop().expr); }
  void finishInput() {
    model->decls.push_back(std::make_unique<InputDecl>(
        locOf(declLoc), declName, locOf(declNameLoc), std::move(type)));
  }
  void finishParam() {
    auto param = std::make_unique<ParamDecl>(
        locOf(declLoc), declName, locOf(declNameLoc), std::move(type));
    param->layout = layout;
    if (layout)
      param->layoutLoc = locOf(layoutLoc);
    param->checkpointName = from;
    if (from)
      param->checkpointNameLoc = locOf(fromLoc);
    model->decls.push_back(std::move(param));
  }
};

struct BuilderTag;
template <typename Context> Builder &builder(const Context &ctx) {
  return x3::get<BuilderTag>(ctx);
}

//===----------------------------------------------------------------------===//
// Custom parsers
//===----------------------------------------------------------------------===//

/// Counts recursion through the expression rule (parentheses, arguments,
/// conditionals) and stops it at kMaxNesting before the stack runs out.
template <typename Subject>
struct NestDirective : x3::unary_parser<Subject, NestDirective<Subject>> {
  using base_type = x3::unary_parser<Subject, NestDirective<Subject>>;
  static bool const is_pass_through_unary = true;
  constexpr NestDirective(const Subject &subject) : base_type(subject) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iter &first, const Iter &last, const Context &ctx, RContext &rctx,
             Attribute &attr) const {
    Builder &b = builder(ctx);
    x3::skip_over(first, last, ctx);
    b.enter(first);
    bool ok = this->subject.parse(first, last, ctx, rctx, attr);
    b.leave();
    return ok;
  }
};
struct NestGen {
  template <typename Subject>
  constexpr NestDirective<
      typename x3::extension::as_parser<Subject>::value_type>
  operator[](const Subject &subject) const {
    return {x3::as_parser(subject)};
  }
};
constexpr NestGen nest{};

/// `"..."` on one line. Reports an unterminated string at its opening quote,
/// which is where the reader has to look.
struct StringParser : x3::parser<StringParser> {
  using attribute_type = x3::unused_type;

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iter &first, const Iter &last, const Context &ctx, RContext &,
             Attribute &) const {
    x3::skip_over(first, last, ctx);
    if (first == last || *first != '"')
      return false;
    Iter p = first + 1;
    while (p != last && *p != '"' && *p != '\n')
      ++p;
    if (p == last || *p != '"')
      throw SyntaxError{first, "unterminated string"};
    Builder &b = builder(ctx);
    // The name goes into the model's JSON manifest, which must be UTF-8.
    size_t bad = 0;
    if (!llvm::json::isUTF8(llvm::StringRef(first + 1, p - first - 1), &bad))
      b.recoverableError(first + 1 + bad,
                         "the checkpoint tensor name is not valid UTF-8");
    b.from = std::string(first + 1, p);
    b.fromLoc = first;
    first = p + 1;
    return true;
  }
};

/// A named rule made in place: `x > named("']'", lit(']'))` reports
/// "expected ']'" when the expectation fails.
struct NamedTag {};
template <typename Attribute = x3::unused_type, typename Parser>
auto named(const char *name, const Parser &p) {
  return x3::rule<NamedTag, Attribute>{name} = x3::as_parser(p);
}

/// Attaches an action that reads the attribute of `p` alone. Without omit[],
/// X3 would hand the action the enclosing parser's attribute (an optional or
/// a container of it) instead.
template <typename Parser, typename Action>
auto act(const Parser &p, Action f) {
  return x3::omit[x3::as_parser(p)[f]];
}

//===----------------------------------------------------------------------===//
// Lexical rules
//===----------------------------------------------------------------------===//

// Character classes are spelled as sets rather than x3::alpha and friends,
// which call <cctype> on possibly negative chars (bytes >= 0x80).
const auto idStart = x3::char_("a-zA-Z_");
const auto idChar = x3::char_("a-zA-Z0-9_");
const auto digit = x3::char_("0-9");

const auto skipper = x3::char_(" \t\r\n\f\v") |
                     (x3::lit('#') >> *(x3::char_ - '\n')) |
                     (x3::lit("//") >> *(x3::char_ - '\n'));

auto kw(const char *word) { return x3::lexeme[x3::lit(word) >> !idChar]; }

// Reserved words; scan::isReservedWord() knows the same list.
const auto keyword =
    x3::lexeme[(x3::lit("model") | "const" | "dim" | "input" | "param" | "let" |
                "output" | "layout" | "from") >>
               !idChar];
const auto nameToken = x3::lexeme[idStart >> *idChar];
const auto ident = x3::raw[nameToken - keyword];

const auto numberToken =
    x3::raw[x3::lexeme[+digit >> -('.' >> +digit) >>
                       -(x3::char_("eE") > -x3::char_("+-") >
                         named("digits in the exponent", +digit))]];

//===----------------------------------------------------------------------===//
// Semantic actions
//===----------------------------------------------------------------------===//

const auto onNumber = [](auto &ctx) { builder(ctx).number(x3::_attr(ctx)); };
const auto onName = [](auto &ctx) { builder(ctx).pushName(x3::_attr(ctx)); };
const auto onIdent = [](auto &ctx) { builder(ctx).makeIdent(); };
const auto onOpenCall = [](auto &ctx) { builder(ctx).openCall(); };
const auto onCloseCall = [](auto &ctx) { builder(ctx).closeCall(); };
const auto onPositional = [](auto &ctx) { builder(ctx).positionalArg(); };
const auto onKeyword = [](auto &ctx) { builder(ctx).keywordArg(); };
const auto onNegate = [](auto &ctx) { builder(ctx).negate(x3::_attr(ctx)); };
const auto onTranspose = [](auto &ctx) {
  builder(ctx).transpose(x3::_attr(ctx).begin());
};
const auto onConditional = [](auto &ctx) {
  builder(ctx).conditional(x3::_attr(ctx).begin());
};
auto onBinary(BinaryExpr::Op op) {
  return [op](auto &ctx) { builder(ctx).binary(op, x3::_attr(ctx).begin()); };
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

x3::rule<struct ExprRule> const expr = "an expression";
const auto expectExpr = named("an expression", expr);

const auto closeParen = named("')'", x3::lit(')'));

// `name = value`, recognized by looking ahead so that `a == b` stays a
// positional comparison.
const auto keywordArg = ((&(nameToken >> '=' >> !x3::lit('=')) >>
                          act(ident, onName) >> '=') > expectExpr)[onKeyword];
const auto argument = keywordArg | expr[onPositional];
const auto callArgs = -(argument >> *(',' > named("an argument", argument)));

const auto callOrIdent = act(ident, onName) >>
                         ((x3::lit('(')[onOpenCall] > callArgs >
                           closeParen)[onCloseCall] |
                          x3::eps[onIdent]);

const auto primary =
    act(numberToken, onNumber) | callOrIdent | ('(' > expectExpr > closeParen);

const auto postfix = primary >> *act(x3::raw[x3::lit('^')] >
                                         named("'T' after '^'", kw("T")),
                                     onTranspose);

const auto unary =
    act(named<std::vector<Range>>("'-'", +x3::raw[x3::lit('-')]) >
            named("an expression", postfix),
        onNegate) |
    postfix;

using Op = BinaryExpr::Op;
template <typename Operand>
auto binaryOp(const char *spelling, Op op, const Operand &operand) {
  return act(x3::raw[x3::lit(spelling)] > operand, onBinary(op));
}

const auto mulOperand = named("an expression", unary);
const auto mul = unary >> *(binaryOp("*", Op::Mul, mulOperand) |
                            binaryOp("/", Op::Div, mulOperand) |
                            binaryOp("%", Op::Mod, mulOperand) |
                            binaryOp("@", Op::MatMul, mulOperand));

const auto addOperand = named("an expression", mul);
const auto add = mul >> *(binaryOp("+", Op::Add, addOperand) |
                          binaryOp("-", Op::Sub, addOperand));

const auto cmpOperand = named("an expression", add);
const auto cmp = add >> *(binaryOp("==", Op::Eq, cmpOperand) |
                          binaryOp("!=", Op::Ne, cmpOperand) |
                          binaryOp("<=", Op::Le, cmpOperand) |
                          binaryOp(">=", Op::Ge, cmpOperand) |
                          binaryOp("<", Op::Lt, cmpOperand) |
                          binaryOp(">", Op::Gt, cmpOperand));

const auto expr_def =
    nest[cmp >> -act(x3::raw[x3::lit('?')] > expectExpr >
                         named("':' in conditional expression", x3::lit(':')) >
                         expectExpr,
                     onConditional)];

BOOST_SPIRIT_DEFINE(expr)

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

const auto onDeclKeyword = [](auto &ctx) {
  builder(ctx).declKeyword(x3::_attr(ctx));
};
const auto onDeclName = [](auto &ctx) {
  builder(ctx).setDeclName(x3::_attr(ctx));
};
template <typename D> auto onValueDecl() {
  return [](auto &ctx) { builder(ctx).template finishValueDecl<D>(); };
}

template <typename D>
auto valueDecl(const char *keyword, const char *nameWhat,
               const char *equalWhat) {
  return (act(x3::raw[kw(keyword)], onDeclKeyword) >
          named(nameWhat, act(ident, onDeclName)) >
          named(equalWhat, x3::lit('=')) > expectExpr)[onValueDecl<D>()];
}

const auto constDecl =
    valueDecl<ConstDecl>("const", "a constant name", "'=' after constant name");
const auto letDecl =
    valueDecl<LetDecl>("let", "a value name", "'=' after value name");
const auto outputDecl =
    valueDecl<OutputDecl>("output", "an output name", "'=' after output name");

const auto onDimName = [](auto &ctx) { builder(ctx).dimName(x3::_attr(ctx)); };
const auto dimName = named("a dimension name", act(ident, onDimName));
// The parentheses keep each expectation on a named parser: X3 would name an
// unnamed sequence by its C++ type.
const auto dimDecl = (act(x3::raw[kw("dim")], onDeclKeyword) > dimName) >>
                     *(',' > dimName);

const auto onTypeStart = [](auto &ctx) {
  builder(ctx).typeStart(x3::_attr(ctx));
};
const auto onTypeDim = [](auto &ctx) { builder(ctx).typeDim(); };
const auto type =
    named("a tensor type such as f32[...]",
          named("an element type", act(ident, onTypeStart)) >
              named("'[' after the element type", x3::lit('[')) >
              // named(): an expectation failure names an unnamed action by
              // its C++ type.
              -(expr[onTypeDim] >>
                *(',' > named("an expression", expr[onTypeDim]))) >
              named("']'", x3::lit(']')));

const auto onInput = [](auto &ctx) { builder(ctx).finishInput(); };
const auto inputDecl =
    (act(x3::raw[kw("input")], onDeclKeyword) >
     named("an input name", act(ident, onDeclName)) >
     named("':' after input name", x3::lit(':')) > type)[onInput];

const auto setLayout = [](WeightLayout layout) {
  return [layout](auto &ctx) { builder(ctx).layout = layout; };
};
const auto onLayoutKeyword = [](auto &ctx) {
  builder(ctx).layoutLoc = x3::_attr(ctx).begin();
};
const auto comma = named("','", x3::lit(','));
const auto layoutClause =
    act(x3::raw[kw("layout")], onLayoutKeyword) >
    named("'[' after 'layout'", x3::lit('[')) >
    named("'in' or 'out'",
          (kw("in") > comma >
           named("'out'", kw("out")))[setLayout(WeightLayout::InOut)] |
              (kw("out") > comma >
               named("'in'", kw("in")))[setLayout(WeightLayout::OutIn)]) >
    named("']'", x3::lit(']'));
const auto fromClause = kw("from") >
                        named("a string naming the checkpoint tensor",
                              StringParser{});

const auto onParam = [](auto &ctx) { builder(ctx).finishParam(); };
const auto paramDecl = ((act(x3::raw[kw("param")], onDeclKeyword) >
                         named("a parameter name", act(ident, onDeclName)) >
                         named("':' after parameter name", x3::lit(':')) >
                         type) >>
                        -layoutClause >> -fromClause)[onParam];

const auto decl =
    constDecl | dimDecl | inputDecl | paramDecl | letDecl | outputDecl;

const auto onModelKeyword = [](auto &ctx) {
  builder(ctx).model->loc = locOf(x3::_attr(ctx).begin());
};
const auto onModelName = [](auto &ctx) {
  Model &m = *builder(ctx).model;
  m.name.assign(x3::_attr(ctx).begin(), x3::_attr(ctx).end());
  m.nameLoc = locOf(x3::_attr(ctx).begin());
};
const auto onOpenBrace = [](auto &ctx) {
  builder(ctx).braceLoc = x3::_attr(ctx).begin();
};

const auto model =
    named("'model'", act(x3::raw[kw("model")], onModelKeyword) >
                         named("a model name", act(ident, onModelName)) >
                         named("'{' after the model name",
                               act(x3::raw[x3::lit('{')], onOpenBrace)) >
                         *decl > named(kCloseModel, x3::lit('}')));

const auto file = x3::eps > model > named(kEndOfInput, x3::eoi);

} // namespace

std::unique_ptr<Model> attnc::parseModel(unsigned bufferId,
                                         DiagnosticReporter &diag) {
  const llvm::MemoryBuffer *buffer =
      diag.getSourceMgr().getMemoryBuffer(bufferId);
  Iter begin = buffer->getBufferStart();
  Iter end = buffer->getBufferEnd();
  Builder b(diag);
  Iter start = begin;
  if (llvm::StringRef(begin, end - begin).starts_with("\xEF\xBB\xBF"))
    start += 3; // a UTF-8 byte order mark
  Iter first = start;
  try {
    if (!x3::phrase_parse(first, end, x3::with<BuilderTag>(b)[file], skipper))
      throw SyntaxError{scan::skipTrivia(first, end), "expected 'model'"};
  } catch (const SyntaxError &e) {
    diag.error(locOf(e.where), e.message);
    return nullptr;
  } catch (const x3::expectation_failure<Iter> &e) {
    // The offending token is the next one after the failure point. When it
    // is on a later line, the reader is better served by a caret just after
    // what was written (as in "expected ']'" at the end of a line) than by
    // one at the start of the next declaration.
    Iter at = scan::skipTrivia(e.where(), end);
    Iter previous = scan::previousTokenEnd(start, at);
    Iter missing =
        previous != start &&
                llvm::StringRef(previous, at - previous).contains('\n')
            ? previous
            : at;
    const std::string &what = e.which();
    if (what == kEndOfInput) {
      diag.error(locOf(at), "trailing characters after the model");
    } else if (what == kCloseModel && at == end) {
      diag.error(locOf(missing),
                 "expected '}' to close model '" + b.model->name + "'");
      diag.note(locOf(b.braceLoc), "to match this '{'");
    } else if (what == kCloseModel) {
      diag.error(locOf(at), "unexpected " + scan::describeToken(at, end) +
                                "; expected a declaration (const, dim, "
                                "input, param, let, output)");
    } else {
      std::string message = "expected " + what;
      llvm::StringRef word = scan::identifierAt(at, end);
      if (llvm::StringRef(what).ends_with(" name") &&
          scan::isReservedWord(word))
        message += "; '" + word.str() + "' is a reserved word";
      diag.error(locOf(missing), message);
    }
    return nullptr;
  }
  if (b.failed)
    return nullptr;
  return std::move(b.model);
}
