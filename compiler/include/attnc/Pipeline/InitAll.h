//===- InitAll.h - The dialects and passes attnc registers ------*- C++ -*-===//
//
// One place registers what attnc uses (as CIRCT's InitAllDialects.h and
// InitAllPasses.h): attnc-opt and the driver call these, and no layer
// registers for another.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PIPELINE_INITALL_H
#define ATTNC_PIPELINE_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace attnc {

/// The dialects, interface models and LLVM IR translations attnc uses; only
/// these, to keep the build and start-up small.
void registerAttncDialects(mlir::DialectRegistry &registry);

/// attnc's passes and the upstream passes its pipelines use, so that every
/// step is available by name to attnc-opt and --mlir-print-ir-* options.
void registerAttncPasses();

} // namespace attnc

#endif // ATTNC_PIPELINE_INITALL_H
