//===- FrontendFuzzer.cpp - libFuzzer target for the DSL front end --------===//
//
// Input: the text of an .attn file. Lines at its top of the form
// `#D name=value` are also passed as -D overrides; to the parser they are
// comments, so every seed is still a plain model.
//
// Runs what `attnc compile --emit=attn` runs (parseModel, checkModel, mlirGen
// and the MLIR verifier), plus the AST dumper and a print/parse round trip of
// the IR, and stops before any lowering. Besides crashes and sanitizer
// reports, it fails when:
//   - a stage rejects the input without reporting an error;
//   - a stage reports an error but accepts the input;
//   - a message shows a C++ type name instead of words;
//   - a model that passed Sema gives IR that does not verify, or that does
//     not print, parse back and print again to the same text;
//   - the IR holds a float attribute that is not finite (a scale factor that
//     overflowed f32 would silently turn every output into inf or NaN).
// At exit it prints what became of the inputs (rejected by the parser or by
// Sema, with or without a `fuzz.attn:line:col:` location, or checked into
// IR), which test/fuzz/run.sh reports.
//
//===----------------------------------------------------------------------===//
#include "attnc/Frontend/ASTDumper.h"
#include "attnc/Frontend/Diagnostics.h"
#include "attnc/Frontend/Parser.h"
#include "attnc/Frontend/Sema.h"
#include "attnc/MLIRGen/MLIRGen.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace attnc;

namespace {

[[noreturn]] void bug(llvm::StringRef what, llvm::StringRef details) {
  llvm::errs() << "attnc front-end fuzzer: " << what << "\n" << details << "\n";
  std::abort();
}

/// Messages are for people: a C++ type name (as Spirit X3 gives for an
/// unnamed parser) that did not come from the input is a bug.
void checkMessages(llvm::StringRef text, llvm::StringRef messages) {
  for (llvm::StringRef internal : {"boost", "spirit", "_GLOBAL__N"})
    if (messages.contains(internal) && !text.contains(internal))
      bug("a message shows an internal name", messages);
}

/// What became of the inputs; printed when libFuzzer ends the process with
/// exit() (-max_total_time, -runs).
struct Outcomes {
  size_t inputs = 0, parserRejected = 0, semaRejected = 0, generated = 0;
  /// Rejections with no error located in the text: at a -D override (a
  /// command-line argument, so unlocated by design), and any other.
  size_t atOverride = 0, unlocated = 0;

  void rejected(llvm::StringRef messages) {
    static llvm::Regex located("^fuzz\\.attn:[0-9]+:[0-9]+: error: ",
                               llvm::Regex::Newline);
    static llvm::Regex override("^error: -D ", llvm::Regex::Newline);
    if (located.match(messages))
      return;
    if (override.match(messages))
      ++atOverride;
    else
      ++unlocated;
  }
  ~Outcomes() {
    if (inputs)
      std::fprintf(stderr,
                   "front-end outcomes: %zu inputs; %zu rejected by the "
                   "parser and %zu by Sema, of them %zu at a -D override and "
                   "%zu with no error located; %zu checked into verified "
                   "IR\n",
                   inputs, parserRejected, semaRejected, atOverride, unlocated,
                   generated);
  }
} outcomes;

/// The `#D name=value` lines at the top of the input.
llvm::SmallVector<ConstOverride> overridesIn(llvm::StringRef text) {
  llvm::SmallVector<ConstOverride> overrides;
  while (text.consume_front("#D ")) {
    auto [line, rest] = text.split('\n');
    auto [name, value] = line.split('=');
    overrides.push_back({name.str(), value.str()});
    text = rest;
  }
  return overrides;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  ++outcomes.inputs;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.attn"), llvm::SMLoc());
  // Messages are rendered (location, source line, caret) but not shown.
  std::string messages;
  llvm::raw_string_ostream messageStream(messages);
  DiagnosticReporter diag(sourceMgr, messageStream, /*errorLimit=*/0);

  std::unique_ptr<ast::Model> model =
      parseModel(sourceMgr.getMainFileID(), diag);
  checkMessages(text, messages);
  if (!model) {
    if (!diag.hasErrors())
      bug("parseModel failed without an error", messages);
    ++outcomes.parserRejected;
    outcomes.rejected(messages);
    return 0;
  }
  if (diag.hasErrors())
    bug("parseModel reported an error but returned a model", messages);

  bool checked = checkModel(*model, overridesIn(text), diag);
  checkMessages(text, messages);
  if (!checked) {
    if (!diag.hasErrors())
      bug("checkModel failed without an error", messages);
    ++outcomes.semaRejected;
    outcomes.rejected(messages);
    return 0;
  }
  if (diag.hasErrors())
    bug("checkModel reported an error but succeeded", messages);

  std::string dump;
  llvm::raw_string_ostream dumpStream(dump);
  dumpAST(*model, sourceMgr, dumpStream);

  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  std::string mlirErrors;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    mlirErrors += d.str() + "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlirGen(context, *model, sourceMgr);
  if (!module)
    bug("a model that passed Sema gave IR that does not verify", mlirErrors);

  module->walk([&](mlir::Operation *op) {
    for (mlir::NamedAttribute attr : op->getAttrs())
      if (auto f = llvm::dyn_cast<mlir::FloatAttr>(attr.getValue()))
        if (!f.getValue().isFinite())
          bug("the IR holds a non-finite constant",
              op->getName().getStringRef().str() + " " +
                  attr.getName().str());
  });

  std::string printed;
  llvm::raw_string_ostream printedStream(printed);
  module->print(printedStream);
  mlir::OwningOpRef<mlir::ModuleOp> reparsed =
      mlir::parseSourceString<mlir::ModuleOp>(printed, &context);
  if (!reparsed || mlir::failed(mlir::verify(*reparsed)))
    bug("the generated IR does not parse back", mlirErrors + printed);
  std::string reprinted;
  llvm::raw_string_ostream reprintedStream(reprinted);
  reparsed->print(reprintedStream);
  if (reprinted != printed)
    bug("the generated IR changes when printed and parsed back",
        printed + "\n---\n" + reprinted);
  ++outcomes.generated;
  return 0;
}
