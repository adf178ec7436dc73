//===- Stats.cpp - attnc compile --stats: a model's datasheet -------------===//
#include "Stats.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/WithColor.h"

#include <cmath>

using namespace attnc;

namespace {

std::string bytesText(double bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  if (unit == 0)
    os << static_cast<int64_t>(bytes) << " bytes";
  else
    os << llvm::format("%.1f ", bytes) << units[unit];
  return text;
}

std::string integer(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%.0f", value);
  return text;
}

bool isBatchDim(llvm::StringRef dim) { return dim.contains("batch"); }

/// A dim's value for the figures: B for batch dims, S for the others.
int64_t valueOf(llvm::StringRef dim, int64_t batch, int64_t seq) {
  return isBatchDim(dim) ? batch : seq;
}

/// The arena's terms as a polynomial over `dims` (plus any other name).
Polynomial arenaFormula(const llvm::json::Array &terms,
                        std::vector<std::string> &dims) {
  Polynomial size;
  for (const llvm::json::Value &term : terms) {
    const llvm::json::Object *object = term.getAsObject();
    if (!object)
      continue;
    Polynomial t = Polynomial::constant(object->getInteger("bytes").value_or(0));
    if (const llvm::json::Array *times = object->getArray("times"))
      for (const llvm::json::Value &name : *times) {
        std::string dim = name.getAsString().value_or("?").str();
        auto it = llvm::find(dims, dim);
        if (it == dims.end()) {
          dims.push_back(dim);
          it = dims.end() - 1;
        }
        t = t * Polynomial::symbol(it - dims.begin());
      }
    size = size + t;
  }
  return size;
}

} // namespace

bool attnc::printModelStats(const ModelCost &cost, llvm::StringRef manifestJson,
                            int64_t batch, int64_t seq, llvm::raw_ostream &os) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(manifestJson);
  const llvm::json::Object *manifest =
      parsed ? parsed->getAsObject() : nullptr;
  if (!manifest) {
    if (!parsed)
      llvm::consumeError(parsed.takeError());
    llvm::WithColor::error(llvm::errs(), "attnc")
        << "--stats: the compiled model's manifest is not a JSON object\n";
    return false;
  }

  std::vector<std::string> dims = cost.dims;
  std::vector<int64_t> values;
  std::string at;
  for (const std::string &dim : dims) {
    values.push_back(valueOf(dim, batch, seq));
    at += (at.empty() ? "" : ", ") + dim + "=" +
          std::to_string(values.back());
  }
  os << "model: " << manifest->getString("name").value_or("?") << "\n";
  os << "parameters: " << cost.parameters << "\n";
  os << "weights: " << cost.weightBytes << " bytes ("
     << bytesText(static_cast<double>(cost.weightBytes)) << ")\n";

  // Per token: per position of the batch's sequences. A model without a
  // sequence dim (an image classifier) takes one input per batch row.
  bool hasBatch = false, hasSeq = false;
  for (const std::string &dim : dims)
    (isBatchDim(dim) ? hasBatch : hasSeq) = true;
  double tokens = (hasBatch ? static_cast<double>(batch) : 1.0) *
                  (hasSeq ? static_cast<double>(seq) : 1.0);
  using Kind = Contraction::Kind;
  os << "FLOPs per " << (hasSeq ? "token" : "input") << " at " << at << ": "
     << integer(cost.flops(values) / tokens) << " (linear "
     << integer(cost.flops(values, Kind::Linear) / tokens) << ", matmul "
     << integer(cost.flops(values, Kind::Matmul) / tokens) << ", attention "
     << integer(cost.flops(values, Kind::Attention) / tokens) << ")\n";
  if (cost.unsized)
    os << "  (" << cost.unsized
       << " contractions of unknown size are not counted)\n";

  const llvm::json::Object *arena = manifest->getObject("arena");
  const llvm::json::Array *forward = arena ? arena->getArray("forward") : nullptr;
  if (!forward) {
    os << "activation memory: not planned (no arena in the manifest)\n";
  } else {
    Polynomial size = arenaFormula(*forward, dims);
    for (size_t i = values.size(); i < dims.size(); ++i)
      values.push_back(valueOf(dims[i], batch, seq));
    int64_t bytes = size.evaluate(values);
    os << "activation memory: " << size.toString(dims) << " bytes\n";
    os << "activation memory at " << at << ": " << bytes << " bytes ("
       << bytesText(static_cast<double>(bytes)) << ")\n";
  }

  const llvm::json::Object *cache = manifest->getObject("kv_cache");
  if (!cache) {
    os << "KV cache: none (not a decoder)\n";
  } else {
    int64_t values = cache->getInteger("floats_per_token").value_or(0);
    llvm::StringRef dtype = cache->getString("dtype").value_or("f32");
    int64_t bytes = dtype == "f32" ? 4 : 2;
    os << "KV cache: " << values * bytes << " bytes per token and batch row ("
       << values << " " << dtype << ")\n";
  }
  return true;
}
