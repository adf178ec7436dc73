//===- Parser.cpp - Spirit X3 parser of the attn DSL ----------------------===//
//
// The grammar runs directly over the SourceMgr buffer (`const char *`), so a
// node's location is the iterator where its text starts. Semantic actions
// build the tree through a TreeBuilder (TreeBuilder.h) that the grammar
// reaches through the X3 context; every rule either fails before its first
// action fires, succeeds, or throws at an expectation point, so the
// builder's stacks never hold half-built alternatives.
//
// This file and TreeBuilder.cpp are the only ones of the front end built
// with exceptions: expectation failures and SyntaxErrors are caught in
// parseModel() and turned into diagnostics.
//
//===----------------------------------------------------------------------===//

#include "attnc/Frontend/Parser.h"

#include "SourceScan.h"
#include "TreeBuilder.h"

#include "llvm/ADT/StringRef.h"

#include <boost/spirit/home/x3.hpp>

namespace x3 = boost::spirit::x3;
using namespace attnc;
using namespace attnc::ast;
using namespace attnc::parse;

namespace {

// Names of expectation points the boundary rewrites into a better message.
constexpr const char *kCloseModel = "'}' to close the model";
constexpr const char *kCloseBlock = "'}' to close the block";
constexpr const char *kEndOfInput = "end of input";

using Builder = TreeBuilder;

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
    builder(ctx).string(first, std::string(first + 1, p));
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
    x3::lexeme[(x3::lit("model") | "const" | "require" | "dim" | "input" |
                "param" | "let" | "output" | "block" | "return" | "repeat" |
                "layout" | "from" | "else") >>
               !idChar];
const auto nameToken = x3::lexeme[idStart >> *idChar];
const auto ident = x3::raw[nameToken - keyword];

// `2`, `2.`, `2.5`, `25e-1`; docs/language.md allows a bare trailing '.'.
const auto numberToken =
    x3::raw[x3::lexeme[+digit >> -('.' >> *digit) >>
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

// `repeat count block(args)`: the count is an expression that ends where
// the block's name begins (`repeat n_layer layer(x)`).
const auto onRepeatKeyword = [](auto &ctx) {
  builder(ctx).repeatKeyword(x3::_attr(ctx).begin());
};
const auto onCloseRepeat = [](auto &ctx) { builder(ctx).closeRepeat(); };
const auto repeatExpr =
    (act(x3::raw[kw("repeat")], onRepeatKeyword) >
     named("a layer count after 'repeat'", expr) >
     named("a block name", act(ident, onName)) >
     named("'(' after the block name", x3::lit('(')[onOpenCall]) > callArgs >
     closeParen)[onCloseRepeat];

const auto primary = act(numberToken, onNumber) | repeatExpr | callOrIdent |
                     ('(' > expectExpr > closeParen);

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
// Parenthesized so that each expectation point is a named rule: `a > b >> c`
// would expect the unnamed sequence `b >> c`.
const auto dimDecl = (act(x3::raw[kw("dim")], onDeclKeyword) > dimName) >>
                     *(',' > dimName);

const auto onTypeStart = [](auto &ctx) {
  builder(ctx).typeStart(x3::_attr(ctx));
};
const auto onTypeDim = [](auto &ctx) { builder(ctx).typeDim(); };
const auto type = named(
    "a tensor type such as f32[...]",
    named("an element type", act(ident, onTypeStart)) >
        named("'[' after the element type", x3::lit('[')) >
        -(expr[onTypeDim] >> *(',' > named("an expression", expr[onTypeDim]))) >
        named("']'", x3::lit(']')));

const auto onInputDefault = [](auto &ctx) { builder(ctx).inputDefault(); };
const auto onInput = [](auto &ctx) { builder(ctx).finishInput(); };
const auto inputDecl =
    ((act(x3::raw[kw("input")], onDeclKeyword) >
      named("an input name", act(ident, onDeclName)) >
      named("':' after input name", x3::lit(':')) > type) >>
     -act(x3::lit('=') > named("a default value", expr),
          onInputDefault))[onInput];

const auto onLayout = [](WeightLayout layout) {
  return [layout](auto &ctx) { builder(ctx).setLayout(layout); };
};
const auto onLayoutKeyword = [](auto &ctx) {
  builder(ctx).layoutKeyword(x3::_attr(ctx).begin());
};
const auto comma = named("','", x3::lit(','));
const auto layoutClause =
    act(x3::raw[kw("layout")], onLayoutKeyword) >
    named("'[' after 'layout'", x3::lit('[')) >
    named("'in' or 'out'",
          (kw("in") > comma >
           named("'out'", kw("out")))[onLayout(WeightLayout::InOut)] |
              (kw("out") > comma >
               named("'in'", kw("in")))[onLayout(WeightLayout::OutIn)]) >
    named("']'", x3::lit(']'));
const auto onFrom = [](auto &ctx) { builder(ctx).fromClause(); };
const auto onElse = [](auto &ctx) { builder(ctx).elseClause(); };
const auto onStrayElse = [](auto &ctx) {
  builder(ctx).strayElse(x3::_attr(ctx).begin());
};
const auto fromClause =
    act(kw("from") >
            named("a string naming the checkpoint tensor", StringParser{}),
        onFrom) >>
    *act(kw("else") > named("a string naming the alternative checkpoint "
                            "tensor after 'else'",
                            StringParser{}),
         onElse);

const auto onParam = [](auto &ctx) { builder(ctx).finishParam(); };
const auto paramDecl =
    ((act(x3::raw[kw("param")], onDeclKeyword) >
      named("a parameter name", act(ident, onDeclName)) >
      named("':' after parameter name", x3::lit(':')) > type) >>
     -layoutClause >> -(fromClause | act(x3::raw[kw("else")], onStrayElse)))
        [onParam];

const auto onRequire = [](auto &ctx) { builder(ctx).finishRequire(); };
const auto requireDecl =
    (act(x3::raw[kw("require")], onDeclKeyword) >
     named("a condition after 'require'", expr) >
     named("',' and a message after the condition", x3::lit(',')) >
     named("a string: the message when the requirement fails",
           StringParser{}))[onRequire];

const auto onReturn = [](auto &ctx) { builder(ctx).blockReturn(); };
const auto returnDecl =
    (act(x3::raw[kw("return")], onDeclKeyword) > expectExpr)[onReturn];

const auto onBlockName = [](auto &ctx) {
  builder(ctx).blockName(x3::_attr(ctx));
};
const auto onBlockArg = [](auto &ctx) { builder(ctx).blockArg(x3::_attr(ctx)); };
const auto onOpenBlock = [](auto &ctx) {
  builder(ctx).openBlock(x3::_attr(ctx).begin());
};
const auto onCloseBlock = [](auto &ctx) {
  builder(ctx).closeBlock(x3::_attr(ctx).begin());
};
const auto blockArg = named("an argument name", act(ident, onBlockArg));
const auto blockBodyDecl = constDecl | paramDecl | letDecl | returnDecl;
const auto blockDecl =
    act(x3::raw[kw("block")], onDeclKeyword) >
    named("a block name", act(ident, onBlockName)) >
    named("'(' after the block name", x3::lit('(')) >
    -(blockArg >> *(',' > blockArg)) >
    named("')' after the block's arguments", x3::lit(')')) >
    named("'{' after the block's arguments",
          act(x3::raw[x3::lit('{')], onOpenBlock)) >
    *blockBodyDecl >
    named(kCloseBlock, act(x3::raw[x3::lit('}')], onCloseBlock));

const auto decl = constDecl | requireDecl | dimDecl | inputDecl | paramDecl |
                  letDecl | outputDecl | blockDecl;

const auto onModelKeyword = [](auto &ctx) {
  builder(ctx).modelKeyword(x3::_attr(ctx).begin());
};
const auto onModelName = [](auto &ctx) {
  builder(ctx).modelName(x3::_attr(ctx));
};
const auto onOpenBrace = [](auto &ctx) {
  builder(ctx).openModel(x3::_attr(ctx).begin());
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
    // Every expectation point is a named rule; an unnamed one would show
    // up as a mangled type name, which is no message for a user.
    bool unnamed = llvm::StringRef(what).contains("boost");
    if (what == kEndOfInput) {
      diag.error(locOf(at), "trailing characters after the model");
    } else if (what == kCloseModel && at == end) {
      diag.error(locOf(missing),
                 "expected '}' to close model '" + b.model->name + "'");
      diag.note(locOf(b.modelBrace()), "to match this '{'");
    } else if (what == kCloseBlock && at == end) {
      diag.error(locOf(missing), "expected '}' to close block '" +
                                     b.currentBlock()->name + "'");
      diag.note(locOf(b.blockBrace()), "to match this '{'");
    } else if (unnamed) {
      diag.error(locOf(at), "unexpected " + scan::describeToken(at, end));
    } else if (what == kCloseModel) {
      diag.error(locOf(at), "unexpected " + scan::describeToken(at, end) +
                                "; expected a declaration (const, require, "
                                "dim, input, param, let, output, block)");
    } else if (what == kCloseBlock) {
      diag.error(locOf(at), "unexpected " + scan::describeToken(at, end) +
                                " in block '" + b.currentBlock()->name +
                                "'; a block holds const, param and let "
                                "declarations and ends with 'return'");
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
