//===- ReportError.h - One way for every subcommand to report an error ----===//
//
// Every subcommand prints its errors the same way: one `error: ` line (in
// colour on a terminal) per line of the message, and exits with code 1.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_REPORTERROR_H
#define ATTNC_TOOLS_ATTNC_REPORTERROR_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/WithColor.h"

namespace attnc {

/// Prints `message`, one `error: ` line per line of it, each after `prefix:`
/// when given, and returns 1 (the exit code for bad input).
inline int reportError(const llvm::Twine &message,
                       llvm::StringRef prefix = "") {
  std::string text = message.str();
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(text).split(lines, '\n');
  for (llvm::StringRef line : lines)
    llvm::WithColor::error(llvm::errs(), prefix) << line << "\n";
  return 1;
}

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_REPORTERROR_H
