//===- Diagnostics.h - Located front-end diagnostics ------------*- C++ -*-===//
//
// Prints `file:line:col: error: message`, the source line and a caret through
// llvm::SourceMgr, counts errors, and stops printing after a limit so that one
// run reports several independent mistakes without flooding the terminal.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_DIAGNOSTICS_H
#define ATTNC_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace attnc {

class DiagnosticReporter {
public:
  explicit DiagnosticReporter(llvm::SourceMgr &sourceMgr,
                              llvm::raw_ostream &os = llvm::errs(),
                              unsigned errorLimit = 20)
      : sourceMgr(sourceMgr), os(os), errorLimit(errorLimit) {}

  void error(llvm::SMLoc loc, const llvm::Twine &message);
  void warning(llvm::SMLoc loc, const llvm::Twine &message);
  /// Attached to the preceding error or warning; dropped when that was.
  void note(llvm::SMLoc loc, const llvm::Twine &message);

  unsigned errorCount() const { return numErrors; }
  bool hasErrors() const { return numErrors != 0; }
  /// True once the error limit was reached; callers may stop early. An
  /// errorLimit of 0 means no limit.
  bool limitReached() const {
    return errorLimit != 0 && numErrors >= errorLimit;
  }

  llvm::SourceMgr &getSourceMgr() const { return sourceMgr; }

private:
  llvm::SourceMgr &sourceMgr;
  llvm::raw_ostream &os;
  unsigned errorLimit;
  unsigned numErrors = 0;
  bool lastSuppressed = false;
};

} // namespace attnc

#endif // ATTNC_FRONTEND_DIAGNOSTICS_H
