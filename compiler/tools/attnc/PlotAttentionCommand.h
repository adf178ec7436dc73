//===- PlotAttentionCommand.h - attnc plot-attention -----------*- C++ -*-===//
//
//   attnc plot-attention attn.safetensors -o attn.svg|attn.png
//       [--site N] [--layer L] [--head H | --average] [--batch B]
//       [--tokens "a,b,c"] [--key-tokens "x,y"] [--max-value P] [--scale S]
//
// Draws heatmaps of what `attnc run --dump-attention` wrote: for one
// attention site, layer and batch entry, one panel per head (or one for
// their average), rows the queries and columns the keys, labeled with the
// tokens (from the options, else from the dump's metadata, else positions).
// Cells of weight exactly 0 (what causal and padding masks give) are left
// blank. PNG output goes through rsvg-convert (Debian: librsvg2-bin).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_PLOTATTENTIONCOMMAND_H
#define ATTNC_TOOLS_ATTNC_PLOTATTENTIONCOMMAND_H

#include "llvm/Support/CommandLine.h"

namespace attnc {

extern llvm::cl::SubCommand plotAttentionSubCommand;

/// Call after llvm::cl::ParseCommandLineOptions when plotAttentionSubCommand
/// is active. Returns the process exit code.
int plotAttentionCommandMain();

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_PLOTATTENTIONCOMMAND_H
