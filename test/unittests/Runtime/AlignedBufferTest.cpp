//===- AlignedBufferTest.cpp - The runtime's buffers ----------------------===//
//
// Runs against the runtime's internal headers (a static build of the
// sources, see CMakeLists.txt).
//
//===----------------------------------------------------------------------===//
#include "Support.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

using namespace attnc::rt;

namespace {

// Buffers of a huge page or more start on one (Support.cpp: their whole
// huge pages are advised MADV_HUGEPAGE); smaller ones on 64 bytes. Every
// byte is usable.
TEST(AlignedBufferTest, HugePagesForLargeBuffers) {
  for (size_t size :
       {size_t(0), size_t(1), size_t(1000), AlignedBuffer::kHugePage - 1,
        AlignedBuffer::kHugePage, AlignedBuffer::kHugePage * 3 + 100}) {
    AlignedBuffer buffer(size);
    ASSERT_NE(buffer.data(), nullptr) << size;
    EXPECT_EQ(buffer.size(), size);
    auto address = reinterpret_cast<uintptr_t>(buffer.data());
    EXPECT_EQ(address % AlignedBuffer::kAlignment, 0u) << size;
    if (size >= AlignedBuffer::kHugePage)
      EXPECT_EQ(address % AlignedBuffer::kHugePage, 0u) << size;
    std::memset(buffer.data(), 0x5a, size);
    if (size)
      EXPECT_EQ(static_cast<unsigned char *>(buffer.data())[size - 1], 0x5a);
  }
}

} // namespace
