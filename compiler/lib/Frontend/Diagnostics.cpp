//===- Diagnostics.cpp - Located front-end diagnostics --------------------===//

#include "attnc/Frontend/Diagnostics.h"

using namespace attnc;

/// SourceMgr prints a diagnostic without a location as `<unknown>:0: ...`;
/// command-line errors (such as a bad -D) read better as plain `error: ...`.
static void print(llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os,
                  llvm::SMLoc loc, llvm::SourceMgr::DiagKind kind,
                  const llvm::Twine &message) {
  if (loc.isValid()) {
    sourceMgr.PrintMessage(os, loc, kind, message);
    return;
  }
  llvm::SMDiagnostic(/*filename=*/"", kind, message.str())
      .print(/*ProgName=*/nullptr, os);
}

void DiagnosticReporter::error(llvm::SMLoc loc, const llvm::Twine &message) {
  ++numErrors;
  if (errorLimit != 0 && numErrors > errorLimit) {
    // Say once that we stopped, then stay quiet; the count keeps growing so
    // that callers still see every error as a failure.
    if (numErrors == errorLimit + 1)
      print(sourceMgr, os, llvm::SMLoc(), llvm::SourceMgr::DK_Error,
            "too many errors emitted, stopping now");
    lastSuppressed = true;
    return;
  }
  lastSuppressed = false;
  print(sourceMgr, os, loc, llvm::SourceMgr::DK_Error, message);
}

void DiagnosticReporter::warning(llvm::SMLoc loc, const llvm::Twine &message) {
  if (errorLimit != 0 && numErrors > errorLimit) {
    lastSuppressed = true;
    return;
  }
  lastSuppressed = false;
  print(sourceMgr, os, loc, llvm::SourceMgr::DK_Warning, message);
}

void DiagnosticReporter::note(llvm::SMLoc loc, const llvm::Twine &message) {
  if (lastSuppressed)
    return;
  print(sourceMgr, os, loc, llvm::SourceMgr::DK_Note, message);
}
