//===- Diagnostics.cpp - Located front-end diagnostics --------------------===//

#include "attnc/Frontend/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <string>

using namespace attnc;

/// A minified or garbage file can hold megabytes on one line: a longer line
/// is shown as a window of this many characters on each side of the column.
static constexpr size_t kMaxShownLine = 160;
static constexpr size_t kWindowContext = 60;

/// LLVM prints no caret under a line holding any non-ASCII byte (it cannot
/// map bytes to columns); we print the line ourselves and put the caret
/// under the character at byte `caret`, counting UTF-8 sequences as one
/// column and copying tabs so that it lines up.
static void printNonASCIISourceLine(llvm::raw_ostream &os,
                                    llvm::StringRef shown, size_t caret) {
  os << shown << '\n';
  std::string indent;
  for (char c : shown.take_front(caret)) {
    bool continuation = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
    if (!continuation)
      indent += c == '\t' ? '\t' : ' ';
  }
  os << indent;
  if (os.has_colors())
    os.changeColor(llvm::raw_ostream::GREEN, /*Bold=*/true);
  os << '^';
  if (os.has_colors())
    os.resetColor();
  os << '\n';
}

static void printLocated(llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os,
                         llvm::SMLoc loc, llvm::SourceMgr::DiagKind kind,
                         const llvm::Twine &message) {
  llvm::SMDiagnostic d = sourceMgr.GetMessage(loc, kind, message);
  llvm::StringRef line = d.getLineContents();
  bool ascii = llvm::none_of(
      line, [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  if (line.size() <= kMaxShownLine && ascii) {
    sourceMgr.PrintMessage(os, d);
    return;
  }
  size_t column = d.getColumnNo();
  std::string shown = line.str();
  size_t caret = column;
  if (line.size() > kMaxShownLine) {
    size_t begin = column > kWindowContext ? column - kWindowContext : 0;
    size_t end = std::min(line.size(), column + kWindowContext);
    shown = (begin ? "..." : "") + line.slice(begin, end).str() +
            (end < line.size() ? "..." : "");
    caret = column - begin + (begin ? 3 : 0);
  }
  // The location is printed as the "program name", since the diagnostic's
  // own column is the caret's position in the shown text.
  std::string where = (d.getFilename() + ":" + llvm::Twine(d.getLineNo()) +
                       ":" + llvm::Twine(column + 1))
                          .str();
  bool shownAscii = llvm::none_of(
      shown, [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  if (shownAscii) {
    llvm::SMDiagnostic(sourceMgr, loc, d.getFilename(), d.getLineNo(),
                       static_cast<int>(caret), kind, d.getMessage(), shown,
                       {})
        .print(where.c_str(), os, /*ShowColors=*/true,
               /*ShowKindLabel=*/true, /*ShowLocation=*/false);
    return;
  }
  // Line -1: the message alone; the source line follows.
  llvm::SMDiagnostic(sourceMgr, loc, d.getFilename(), /*Line=*/-1,
                     /*Col=*/-1, kind, d.getMessage(), "", {})
      .print(where.c_str(), os, /*ShowColors=*/true, /*ShowKindLabel=*/true,
             /*ShowLocation=*/false);
  printNonASCIISourceLine(os, shown, caret);
}

/// SourceMgr prints a diagnostic without a location as `<unknown>:0: ...`;
/// command-line errors (such as a bad -D) read better as plain `error: ...`.
static void print(llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os,
                  llvm::SMLoc loc, llvm::SourceMgr::DiagKind kind,
                  const llvm::Twine &message) {
  if (loc.isValid()) {
    printLocated(sourceMgr, os, loc, kind, message);
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
