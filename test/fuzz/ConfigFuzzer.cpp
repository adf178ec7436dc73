//===- ConfigFuzzer.cpp - libFuzzer target for config.json overrides -----===//
//
// Input: a config.json, as `attnc compile --config` reads it. Parses one of
// the examples (chosen by the input's length, so every input meets each),
// reads the file's overrides for it (readConfigOverrides) and checks the
// model with them (checkModel), as the driver does.
//
// Besides crashes and sanitizer reports, it checks: a stage fails exactly
// when it reports an error, every error has text, no message shows a C++
// type name, and every override names a constant of the model, comes from
// the file, and has a value that is a number (or 0/1 for a boolean).
//
//===----------------------------------------------------------------------===//
#include "attnc/Frontend/Config.h"
#include "attnc/Frontend/Diagnostics.h"
#include "attnc/Frontend/Parser.h"
#include "attnc/Frontend/Sema.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

using namespace attnc;

namespace {

const char *const kModels[] = {ATTNC_FUZZ_EXAMPLES "/gpt2.attn",
                               ATTNC_FUZZ_EXAMPLES "/llama.attn",
                               ATTNC_FUZZ_EXAMPLES "/bert.attn"};

[[noreturn]] void bug(llvm::StringRef what, llvm::StringRef details) {
  llvm::errs() << "attnc config fuzzer: " << what << "\n" << details << "\n";
  std::abort();
}

/// Messages quote the file, so a name counts only if the input lacks it.
void checkMessages(llvm::StringRef input, llvm::StringRef messages) {
  for (llvm::StringRef internal : {"boost", "spirit", "_GLOBAL__N", "nlohmann",
                                   "std::"})
    if (messages.contains(internal) && !input.contains(internal))
      bug("a message shows an internal name", messages);
}

bool isNumber(llvm::StringRef text) {
  double value;
  return !text.empty() && !text.getAsDouble(value);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  const char *modelPath = kModels[size % std::size(kModels)];
  auto file = llvm::MemoryBuffer::getFile(modelPath);
  if (!file)
    bug("cannot read the example", modelPath);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  std::string messages;
  llvm::raw_string_ostream messageStream(messages);
  DiagnosticReporter diag(sourceMgr, messageStream, /*errorLimit=*/0);
  std::unique_ptr<ast::Model> model =
      parseModel(sourceMgr.getMainFileID(), diag);
  if (!model)
    bug("the example does not parse", messages);

  // A memory file: a path readConfigOverrides can open, without disk I/O.
  int fd = memfd_create("config.json", MFD_CLOEXEC);
  if (fd < 0)
    bug("memfd_create failed", "");
  for (size_t done = 0; done < size;) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0)
      bug("cannot write the memory file", "");
    done += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);

  llvm::SmallVector<ConstOverride> overrides;
  bool read = readConfigOverrides(path, *model, diag, overrides);
  close(fd);
  checkMessages(input, messages);
  if (read == diag.hasErrors())
    bug(read ? "readConfigOverrides reported an error but succeeded"
             : "readConfigOverrides failed without an error",
        messages);
  if (!read)
    return 0;
  for (const ConstOverride &o : overrides) {
    if (o.origin != path)
      bug("an override does not name the file", o.name);
    if (!isNumber(o.value))
      bug("override '" + o.name + "' is not a number", o.value);
  }

  bool checked = checkModel(*model, overrides, diag);
  checkMessages(input, messages);
  if (checked == diag.hasErrors())
    bug(checked ? "checkModel reported an error but succeeded"
                : "checkModel failed without an error",
        messages);
  return 0;
}
