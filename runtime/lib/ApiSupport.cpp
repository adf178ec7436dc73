//===- ApiSupport.cpp - Shared plumbing of the C API entry points ---------===//
#include "ApiSupport.h"

namespace attnc::rt {

thread_local std::string lastError;

} // namespace attnc::rt
