//===- SafetensorsTest.cpp - Reading and writing safetensors files --------===//
#include "attnc/Safetensors.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <cstring>
#include <vector>

using namespace attnc;
using attnc::test::safetensorsBytes;
using attnc::test::TempPath;
using attnc::test::writeBytes;

namespace {

std::vector<float> floatsOf(const st::TensorInfo &info) {
  std::vector<float> values(info.numElements());
  std::memcpy(values.data(), info.data, info.byteSize());
  return values;
}

TEST(SafetensorsTest, WriteThenRead) {
  TempPath path("w.safetensors");
  std::vector<float> weight = {1, 2, 3, 4, 5, 6};
  std::vector<int64_t> ids = {-1, 1LL << 40};
  std::vector<int8_t> flags = {1, 0, 1};
  std::vector<uint16_t> half = {0x3c00};
  ASSERT_TRUE(st::write(path.str(),
                        {{"weight", {ATTNC_DTYPE_F32, {2, 3}, weight.data()}},
                         {"flags", {ATTNC_DTYPE_I8, {3}, flags.data()}},
                         {"ids", {ATTNC_DTYPE_I64, {2}, ids.data()}},
                         {"half", {ATTNC_DTYPE_BF16, {}, half.data()}},
                         {"empty", {ATTNC_DTYPE_F32, {0, 5}, nullptr}}},
                        {{"format", "pt"}}));

  Expected<st::File> file = st::File::open(path.str());
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->metadata(), (std::map<std::string, std::string>{
                                  {"format", "pt"}}));
  std::vector<std::string> names;
  for (const st::TensorInfo &info : file->tensors()) {
    names.push_back(info.name);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(info.data) %
                  attnc_dtype_size(info.dtype),
              0u)
        << info.name << " is misaligned";
  }
  EXPECT_EQ(names, (std::vector<std::string>{"empty", "flags", "half", "ids",
                                             "weight"}));

  const st::TensorInfo *w = file->find("weight");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->dtype, ATTNC_DTYPE_F32);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(floatsOf(*w), weight);

  const st::TensorInfo *i = file->find("ids");
  ASSERT_TRUE(i);
  EXPECT_EQ(i->dtype, ATTNC_DTYPE_I64);
  EXPECT_EQ(std::memcmp(i->data, ids.data(), 16), 0);

  EXPECT_EQ(file->find("half")->shape, std::vector<int64_t>{});
  EXPECT_EQ(file->find("half")->byteSize(), 2u);
  EXPECT_EQ(file->find("empty")->byteSize(), 0u);
  EXPECT_EQ(std::memcmp(file->find("flags")->data, flags.data(), 3), 0);
  EXPECT_EQ(file->find("missing"), nullptr);
}

TEST(SafetensorsTest, WriterLayout) {
  TempPath path("layout.safetensors");
  int8_t byte = 7;
  double wide = 2.5;
  ASSERT_TRUE(st::write(path.str(),
                        {{"a", {ATTNC_DTYPE_I8, {1}, &byte}},
                         {"b", {ATTNC_DTYPE_F64, {1}, &wide}}}));
  Expected<st::File> file = st::File::open(path.str());
  ASSERT_TRUE(file) << file.error().message();
  // The 8-byte element goes first, without gaps; the data section is aligned.
  EXPECT_EQ(file->find("b")->begin, 0u);
  EXPECT_EQ(file->find("a")->begin, 8u);
  auto dataStart = static_cast<const char *>(file->find("b")->data);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(dataStart) % 8, 0u);
}

TEST(SafetensorsTest, ReadsHandWrittenFile) {
  TempPath path("hand.safetensors");
  float values[2] = {1.5f, -2.0f};
  std::string data(reinterpret_cast<const char *>(values), sizeof(values));
  writeBytes(path.str(),
             safetensorsBytes(R"({"__metadata__": {"k": "v"},
                                  "b": {"dtype": "F32", "shape": [2],
                                        "data_offsets": [0, 8]},
                                  "a": {"dtype": "U8", "shape": [0],
                                        "data_offsets": [8, 8]}}   )",
                              data));
  Expected<st::File> file = st::File::open(path.str());
  ASSERT_TRUE(file) << file.error().message();
  ASSERT_EQ(file->tensors().size(), 2u);
  EXPECT_EQ(file->tensors()[0].name, "a");
  EXPECT_EQ(floatsOf(*file->find("b")), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(file->metadata().at("k"), "v");
}

TEST(SafetensorsTest, AcceptsEveryDType) {
  for (const char *dtype : {"F32", "F16", "BF16", "F64", "I8", "I16", "I32",
                            "I64", "U8", "U16", "U32", "U64", "BOOL",
                            "F8_E4M3", "F8_E5M2"}) {
    std::optional<attnc_dtype> parsed = st::parseDType(dtype);
    ASSERT_TRUE(parsed) << dtype;
    EXPECT_STREQ(st::dtypeName(*parsed), dtype);
  }
  EXPECT_FALSE(st::parseDType("f32"));
  EXPECT_FALSE(st::parseDType("F128"));
}

TEST(SafetensorsTest, MissingFile) {
  Expected<st::File> file = st::File::open("/nonexistent/w.safetensors");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ATTNC_ERROR_IO);
  EXPECT_EQ(file.error().message(), "cannot open '/nonexistent/w.safetensors': "
                                    "No such file or directory");
}

TEST(SafetensorsTest, DirectoryIsNotAFile) {
  Expected<st::File> file = st::File::open(testing::TempDir());
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ATTNC_ERROR_IO);
}

TEST(SafetensorsTest, MoveKeepsTheMappingAlive) {
  TempPath path("move.safetensors");
  float value = 3;
  ASSERT_TRUE(st::write(path.str(), {{"v", {ATTNC_DTYPE_F32, {1}, &value}}}));
  Expected<st::File> opened = st::File::open(path.str());
  ASSERT_TRUE(opened);
  st::File file = std::move(*opened);
  st::File other = std::move(file);
  EXPECT_EQ(floatsOf(*other.find("v")), std::vector<float>{3});
}

//===----------------------------------------------------------------------===//
// Files that must be rejected, each with the message naming the problem.
//===----------------------------------------------------------------------===//

struct BadFile {
  const char *name;
  std::string bytes;
  /// Expected message after "<path>: ".
  std::string message;
};

std::string header(const std::string &json, size_t dataSize = 16) {
  return safetensorsBytes(json, std::string(dataSize, '\0'));
}

std::string entry(const std::string &fields) {
  return R"({"attn.q_proj.weight": {)" + fields + "}}";
}

const BadFile kBadFiles[] = {
    {"TooSmall", "abc", "file is too small (3 bytes) to hold a safetensors "
                        "header"},
    {"HeaderTooLong", safetensorsBytes("{}", "", 200ull << 20),
     "header length 209715200 exceeds the limit of 100 MB"},
    {"HeaderPastEnd", safetensorsBytes("{}", "", 100),
     "header length 100 extends past the end of the file (10 bytes)"},
    {"InvalidJson", header("{\"a\": "),
     "header is not valid JSON: [json.exception.parse_error.101] parse error "
     "at line 1, column 7: syntax error while parsing value - unexpected end "
     "of input; expected '[', '{', or a literal"},
    {"NotAnObject", header("[1, 2]"),
     "header must be a JSON object, found [1,2]"},
    {"EntryNotAnObject", header(R"({"w": 3})"),
     "tensor 'w': expected an object with dtype, shape and data_offsets, "
     "found 3"},
    {"MissingDType", header(entry(R"("shape": [2], "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': missing string 'dtype'"},
    {"UnknownDType",
     header(entry(R"("dtype": "F12", "shape": [2], "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': unknown dtype 'F12'"},
    {"MissingShape", header(entry(R"("dtype": "F32", "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': missing array 'shape'"},
    {"NegativeShape",
     header(entry(R"("dtype": "F32", "shape": [2, -3], "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': shape [2,-3] has a negative dimension"},
    {"FractionalShape",
     header(entry(R"("dtype": "F32", "shape": [1.5], "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': shape must be an array of integers, "
     "found [1.5]"},
    {"StringShape",
     header(entry(R"("dtype": "F32", "shape": ["2"], "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': shape must be an array of integers, "
     "found [\"2\"]"},
    {"HugeDimension",
     header(entry(R"("dtype": "F32", "shape": [18446744073709551615],
                     "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': shape must be an array of integers, "
     "found [18446744073709551615]"},
    {"ShapeOverflows",
     header(entry(R"("dtype": "F32", "shape": [4294967296, 4294967296],
                     "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': shape [4294967296,4294967296] has more "
     "bytes than fit in 64 bits"},
    {"MissingOffsets", header(entry(R"("dtype": "F32", "shape": [2])")),
     "tensor 'attn.q_proj.weight': missing 'data_offsets'"},
    {"OneOffset",
     header(entry(R"("dtype": "F32", "shape": [2], "data_offsets": [8])")),
     "tensor 'attn.q_proj.weight': data_offsets must be 2 ascending integers "
     "[begin, end], found [8]"},
    {"DescendingOffsets",
     header(entry(R"("dtype": "F32", "shape": [2], "data_offsets": [8, 0])")),
     "tensor 'attn.q_proj.weight': data_offsets must be 2 ascending integers "
     "[begin, end], found [8,0]"},
    {"NegativeOffset",
     header(entry(R"("dtype": "F32", "shape": [0], "data_offsets": [-8, -8])")),
     "tensor 'attn.q_proj.weight': data_offsets must be 2 ascending integers "
     "[begin, end], found [-8,-8]"},
    {"OffsetsNotAnArray",
     header(entry(R"("dtype": "F32", "shape": [2], "data_offsets": "0-8")")),
     "tensor 'attn.q_proj.weight': data_offsets must be 2 ascending integers "
     "[begin, end], found \"0-8\""},
    {"PastDataSection",
     header(entry(R"("dtype": "F32", "shape": [256],
                     "data_offsets": [0, 1024])"),
            512),
     "tensor 'attn.q_proj.weight': data_offsets [0, 1024] extend past the end "
     "of the data section (512 bytes)"},
    {"HugeOffsets",
     header(entry(R"("dtype": "F32", "shape": [1],
                     "data_offsets": [18446744073709551612,
                                      18446744073709551615])")),
     "tensor 'attn.q_proj.weight': data_offsets [18446744073709551612, "
     "18446744073709551615] extend past the end of the data section "
     "(16 bytes)"},
    {"WrongByteSize",
     header(entry(R"("dtype": "F32", "shape": [3], "data_offsets": [0, 8])")),
     "tensor 'attn.q_proj.weight': data_offsets [0, 8] hold 8 bytes, but "
     "F32[3] needs 12"},
    {"Overlap",
     header(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "b": {"dtype": "I32", "shape": [2], "data_offsets": [4, 12]}})"),
     "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]"},
    {"MetadataNotAnObject", header(R"({"__metadata__": ["x"]})"),
     "'__metadata__' must be an object of strings, found [\"x\"]"},
    {"MetadataNotAString", header(R"({"__metadata__": {"step": 3}})"),
     "'__metadata__' entry 'step' must be a string, found 3"},
    {"TooDeep", header(R"({"a": {"shape": [[[[1]]]]}})"),
     "header nests deeper than a safetensors header"},
};

void PrintTo(const BadFile &file, std::ostream *os) { *os << file.name; }

class BadFileTest : public testing::TestWithParam<BadFile> {};

TEST_P(BadFileTest, IsRejectedWithAMessage) {
  TempPath path("bad.safetensors");
  writeBytes(path.str(), GetParam().bytes);
  Expected<st::File> file = st::File::open(path.str());
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ATTNC_ERROR_FORMAT);
  EXPECT_EQ(file.error().message(), path.str() + ": " + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Safetensors, BadFileTest, testing::ValuesIn(kBadFiles),
                         [](const testing::TestParamInfo<BadFile> &info) {
                           return std::string(info.param.name);
                         });

TEST(SafetensorsTest, LongNamesAreTruncatedInMessages) {
  TempPath path("long.safetensors");
  std::string name(10000, 'n');
  writeBytes(path.str(), header("{\"" + name + "\": 1}"));
  Expected<st::File> file = st::File::open(path.str());
  ASSERT_FALSE(file);
  EXPECT_LT(file.error().message().size(), path.str().size() + 200);
}

//===----------------------------------------------------------------------===//
// Writer errors
//===----------------------------------------------------------------------===//

TEST(SafetensorsWriterTest, RejectsNegativeShape) {
  TempPath path("neg.safetensors");
  float value = 0;
  Status s = st::write(path.str(), {{"v", {ATTNC_DTYPE_F32, {-1}, &value}}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(s.error().message(), "cannot write '" + path.str() +
                                     "': tensor 'v' has an invalid shape [-1]");
}

TEST(SafetensorsWriterTest, RejectsMissingData) {
  TempPath path("null.safetensors");
  Status s = st::write(path.str(), {{"v", {ATTNC_DTYPE_F32, {2}, nullptr}}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(),
            "cannot write '" + path.str() + "': tensor 'v' has no data");
}

TEST(SafetensorsWriterTest, RejectsMetadataName) {
  TempPath path("meta.safetensors");
  float value = 0;
  Status s =
      st::write(path.str(), {{"__metadata__", {ATTNC_DTYPE_F32, {1}, &value}}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
}

TEST(SafetensorsWriterTest, ReportsUnwritablePath) {
  float value = 0;
  Status s = st::write("/nonexistent/dir/out.safetensors",
                       {{"v", {ATTNC_DTYPE_F32, {1}, &value}}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ATTNC_ERROR_IO);
  EXPECT_EQ(s.error().message(), "cannot write "
                                 "'/nonexistent/dir/out.safetensors': No such "
                                 "file or directory");
}

TEST(SafetensorsWriterTest, WritesWholeFilesOrNothing) {
  // Written to a temporary file beside the target, then renamed: a failure
  // (here: the target is a directory) leaves neither a partial file nor the
  // temporary one.
  std::string dir = testing::TempDir() + "attnc-writer-" +
                    std::to_string(getpid());
  std::filesystem::create_directories(dir + "/target.safetensors");
  float value = 1;
  Status s = st::write(dir + "/target.safetensors",
                       {{"v", {ATTNC_DTYPE_F32, {1}, &value}}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ATTNC_ERROR_IO);
  EXPECT_EQ(s.error().message(), "cannot write '" + dir +
                                     "/target.safetensors': Is a directory");
  size_t entries = 0;
  for ([[maybe_unused]] const auto &entry :
       std::filesystem::directory_iterator(dir))
    ++entries;
  EXPECT_EQ(entries, 1u) << "only the directory itself";

  // An existing file is replaced whole.
  std::string file = dir + "/out.safetensors";
  float big[64] = {};
  ASSERT_TRUE(st::write(file, {{"v", {ATTNC_DTYPE_F32, {64}, big}}}));
  ASSERT_TRUE(st::write(file, {{"w", {ATTNC_DTYPE_F32, {1}, &value}}}));
  Expected<st::File> read = st::File::open(file);
  ASSERT_TRUE(read) << read.error().message();
  ASSERT_EQ(read->tensors().size(), 1u);
  EXPECT_EQ(read->tensors()[0].name, "w");
  std::filesystem::remove_all(dir);
}

} // namespace
