//===- AttentionDump.h - A debug build's attention outputs -----*- C++ -*-===//
//
// A model compiled with --debug-attention returns, besides its outputs, one
// `attention.<n>` output per attention site: f32 [layers, batch, heads,
// queries, keys] (without `layers` outside a layer loop). `attnc run` and
// `attnc generate` write the layers and heads asked for to a safetensors
// file that `attnc plot-attention` reads:
//
//   attention.<n>: f32 [layers, batch, heads, queries, keys] (always rank 5)
//   __metadata__:
//     axes                   "layer,batch,head,query,key"
//     model                  the model's name
//     attention.<n>.layers   JSON array: the model's index of each layer kept
//     attention.<n>.heads    JSON array: the model's index of each head kept
//     attention.<n>.queries  the input whose tokens the queries are (if any)
//     attention.<n>.keys     the input whose tokens the keys are (if any)
//     token_ids.<input>      JSON array of rows (one per batch entry) of ids
//     tokens.<input>         JSON array of rows of token strings, when known
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_ATTENTIONDUMP_H
#define ATTNC_TOOLS_ATTNC_ATTENTIONDUMP_H

#include "attnc/runtime.hpp"

#include <map>
#include <string>
#include <vector>

namespace attnc {

struct AttentionDumpRequest {
  std::string path;
  /// "all" or comma-separated indices, as on the command line.
  std::string layers = "all";
  std::string heads = "all";
  /// Metadata to add, e.g. `tokens.input_ids`.
  std::map<std::string, std::string> metadata;
  std::string producer;
};

/// The text of one token for `tokens.<input>`: its bytes when they are
/// UTF-8, else with each byte that is not part of a UTF-8 character as
/// `<0xNN>` (a byte-level token may hold part of a character).
std::string tokenLabel(const std::string &bytes);

/// "all" (every index below `count`) or "i,j,..." (each below `count`, no
/// repeats), for the error messages of `--<what>`.
Expected<std::vector<int64_t>>
parseIndexList(const std::string &text, int64_t count, const std::string &what);

/// Checks before a run that `model` has attention outputs and that each of
/// the request's layers and heads exists in some site (each site dumps the
/// listed ones it has; one with none of them is left out).
Status checkAttentionDump(const Model &model,
                          const AttentionDumpRequest &request);

/// Writes the attention outputs among `outputs` of a run of `model` on
/// `inputs` as described above. Fails if the model has none (it was not
/// compiled with --debug-attention) or an index is out of range.
Status writeAttentionDump(const Model &model,
                          const std::vector<attnc_tensor> &inputs,
                          const attnc_tensor *outputs, size_t numOutputs,
                          const AttentionDumpRequest &request);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_ATTENTIONDUMP_H
