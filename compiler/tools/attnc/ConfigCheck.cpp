//===- ConfigCheck.cpp - A compiled model against config.json -------------===//
#include "ConfigCheck.h"

#include "attnc/Frontend/Json.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>

using namespace attnc;

namespace {

/// Config values are written by Python and compiled through text, so a
/// float constant may differ from its key in the last bits.
constexpr double kFloatTolerance = 1e-6;

/// The shortest decimal that reads back as `value`.
std::string formatNumber(double value) {
  std::string text;
  for (int precision = 1; precision <= 17; ++precision) {
    text.clear();
    llvm::raw_string_ostream(text) << llvm::format("%.*g", precision, value);
    if (std::strtod(text.c_str(), nullptr) == value)
      break;
  }
  return text;
}

std::string formatConstant(const attnc_constant &c) {
  return c.is_integer ? std::to_string(c.int_value)
                      : formatNumber(c.float_value);
}

bool sameValue(const attnc_constant &c, double value) {
  if (c.is_integer)
    return value == static_cast<double>(c.int_value);
  double scale = std::max(std::fabs(c.float_value), std::fabs(value));
  return std::fabs(c.float_value - value) <= kFloatTolerance * scale;
}

} // namespace

Expected<llvm::json::Object> attnc::readJsonObject(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return Error(ATTNC_ERROR_IO, "cannot read '" + path +
                                     "': " + buffer.getError().message());
  // A hostile file of 100000 '[' overflowed llvm::json::parse's stack.
  llvm::Expected<llvm::json::Value> json = parseJson((*buffer)->getBuffer());
  if (!json)
    return Error(ATTNC_ERROR_FORMAT,
                 path + ": invalid JSON: " + llvm::toString(json.takeError()));
  if (llvm::json::Object *object = json->getAsObject())
    return std::move(*object);
  return Error(ATTNC_ERROR_FORMAT, path + ": expected a JSON object");
}

Status attnc::checkConstantsAgainstConfig(const Model &model,
                                          llvm::StringRef modelPath,
                                          const std::string &configPath,
                                          llvm::StringRef configArg) {
  Expected<llvm::json::Object> config = readJsonObject(configPath);
  if (!config)
    return config.error();
  std::string message;
  for (const attnc_constant &c : model.constants()) {
    const llvm::json::Value *value = config->get(c.name);
    if (!value || value->getAsNull())
      continue;
    std::optional<double> number = value->getAsNumber();
    if (std::optional<bool> b = value->getAsBoolean())
      number = *b ? 1 : 0;
    std::string written;
    llvm::raw_string_ostream(written) << *value;
    if (number && sameValue(c, *number))
      continue;
    message += configPath + ": " + c.name + " is " + written + ", but '" +
               modelPath.str() + "' was compiled with " + c.name + " = " +
               formatConstant(c) + "\n";
  }
  if (message.empty())
    return Status::success();
  return Error(ATTNC_ERROR_MISMATCH,
               message + "compile the model for this checkpoint: attnc "
                         "compile " +
                   std::string(model.name()) + ".attn --config " +
                   configArg.str() + " -o " + modelPath.str());
}
