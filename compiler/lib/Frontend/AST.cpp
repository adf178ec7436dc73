//===- AST.cpp - Abstract syntax tree of the attn DSL ---------------------===//

#include "attnc/Frontend/AST.h"

#include <charconv>
#include <cmath>

using namespace attnc::ast;

llvm::StringRef attnc::ast::stringifyElementType(ElementType t) {
  switch (t) {
  case ElementType::F32:
    return "f32";
  case ElementType::I32:
    return "i32";
  case ElementType::I64:
    return "i64";
  }
  return "?";
}

llvm::StringRef attnc::ast::stringifyStorageType(StorageType t) {
  switch (t) {
  case StorageType::F32:
    return "f32";
  case StorageType::BF16:
    return "bf16";
  case StorageType::F16:
    return "f16";
  }
  return "?";
}

std::string attnc::ast::formatScalar(const Scalar &s) {
  if (s.isInteger)
    return std::to_string(s.asInt());
  char buf[64];
  // Whole numbers read best written out (500000.0, not 5e+05) as long as
  // every digit is exact.
  bool whole = std::abs(s.value) < 1e15 && s.value == std::trunc(s.value);
  auto [end, ec] =
      whole ? std::to_chars(buf, buf + sizeof(buf), s.value,
                            std::chars_format::fixed)
            : std::to_chars(buf, buf + sizeof(buf), s.value);
  std::string text(buf, ec == std::errc() ? end : buf);
  // Keep floats recognizable: 2.0 rather than 2.
  if (text.find_first_of(".eEn") == std::string::npos)
    text += ".0";
  return text;
}

std::string TensorType::str() const {
  std::string s = storage == StorageType::F32
                      ? stringifyElementType(elementType).str()
                      : stringifyStorageType(storage).str();
  s += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += shape[i].str();
  }
  s += ']';
  return s;
}

llvm::StringRef BinaryExpr::spelling(Op op) {
  switch (op) {
  case Op::Add:
    return "+";
  case Op::Sub:
    return "-";
  case Op::Mul:
    return "*";
  case Op::Div:
    return "/";
  case Op::Mod:
    return "%";
  case Op::MatMul:
    return "@";
  case Op::Eq:
    return "==";
  case Op::Ne:
    return "!=";
  case Op::Lt:
    return "<";
  case Op::Le:
    return "<=";
  case Op::Gt:
    return ">";
  case Op::Ge:
    return ">=";
  }
  return "?";
}
