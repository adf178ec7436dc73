//===- Safetensors.cpp - Validating safetensors reader --------------------===//
#include "attnc/Safetensors.h"

#include "Support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnc::st {
namespace {

using json = nlohmann::json;

// A safetensors header nests containers three deep (root object, tensor
// entry, shape array). Parsing stops at the first deeper container, before
// a hostile header can make the parser allocate per nesting level.
constexpr int kMaxJsonDepth = 3;
struct TooDeep {};

Error formatError(const std::string &path, const std::string &message) {
  return Error(ATTNC_ERROR_FORMAT, path + ": " + message);
}

std::string describe(const json &value) {
  return rt::truncate(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::optional<uint64_t> asUnsigned(const json &value) {
  if (!value.is_number_unsigned())
    return std::nullopt;
  return value.get<uint64_t>();
}

/// Validates one tensor entry of the header against a data section of
/// `dataSize` bytes.
class EntryParser {
public:
  EntryParser(const std::string &path, const std::string &name,
              uint64_t dataSize)
      : path(path), name(name), dataSize(dataSize) {}

  Expected<TensorInfo> parse(const json &entry) {
    if (!entry.is_object())
      return fail("expected an object with dtype, shape and data_offsets, "
                  "found " + describe(entry));
    TensorInfo info;
    info.name = name;

    auto dtypeIt = entry.find("dtype");
    if (dtypeIt == entry.end() || !dtypeIt->is_string())
      return fail("missing string 'dtype'");
    const std::string &dtypeName = dtypeIt->get_ref<const std::string &>();
    std::optional<attnc_dtype> dtype = parseDType(dtypeName);
    if (!dtype)
      return fail("unknown dtype '" + rt::truncate(dtypeName) + "'");
    info.dtype = *dtype;

    auto shapeIt = entry.find("shape");
    if (shapeIt == entry.end() || !shapeIt->is_array())
      return fail("missing array 'shape'");
    for (const json &dim : *shapeIt) {
      if (dim.is_number_integer() && !dim.is_number_unsigned())
        return fail("shape " + describe(*shapeIt) +
                    " has a negative dimension");
      std::optional<uint64_t> size = asUnsigned(dim);
      if (!size || *size > uint64_t(INT64_MAX))
        return fail("shape must be an array of integers, found " +
                    describe(*shapeIt));
      info.shape.push_back(static_cast<int64_t>(*size));
    }
    std::optional<uint64_t> byteSize =
        rt::checkedByteSize(info.shape, attnc_dtype_size(info.dtype));
    if (!byteSize)
      return fail("shape " + describe(*shapeIt) +
                  " has more bytes than fit in 64 bits");

    auto offsetsIt = entry.find("data_offsets");
    if (offsetsIt == entry.end())
      return fail("missing 'data_offsets'");
    const json &offsets = *offsetsIt;
    std::optional<uint64_t> begin, end;
    if (offsets.is_array() && offsets.size() == 2) {
      begin = asUnsigned(offsets[0]);
      end = asUnsigned(offsets[1]);
    }
    if (!begin || !end || *begin > *end)
      return fail("data_offsets must be 2 ascending integers [begin, end], "
                  "found " + describe(offsets));
    std::string range =
        "[" + std::to_string(*begin) + ", " + std::to_string(*end) + "]";
    if (*end > dataSize)
      return fail("data_offsets " + range +
                  " extend past the end of the data section (" +
                  std::to_string(dataSize) + " bytes)");
    if (*end - *begin != *byteSize)
      return fail("data_offsets " + range + " hold " +
                  std::to_string(*end - *begin) + " bytes, but " +
                  dtypeName + rt::formatShape(info.shape) + " needs " +
                  std::to_string(*byteSize));
    info.begin = *begin;
    info.end = *end;
    return info;
  }

private:
  Error fail(const std::string &message) const {
    return formatError(path, "tensor '" + rt::truncate(name) + "': " + message);
  }

  const std::string &path;
  const std::string &name;
  uint64_t dataSize;
};

Status parseMetadata(const std::string &path, const json &value,
                     std::map<std::string, std::string> &metadata) {
  if (!value.is_object())
    return formatError(path, "'__metadata__' must be an object of strings, "
                             "found " + describe(value));
  for (const auto &[key, item] : value.items()) {
    if (!item.is_string())
      return formatError(path, "'__metadata__' entry '" + rt::truncate(key) +
                                   "' must be a string, found " +
                                   describe(item));
    metadata.emplace(key, item.get<std::string>());
  }
  return Status::success();
}

/// Tensors may not share bytes; empty tensors occupy none.
Status checkOverlaps(const std::string &path,
                     const std::vector<TensorInfo> &tensors) {
  std::vector<const TensorInfo *> byOffset;
  for (const TensorInfo &info : tensors)
    if (info.byteSize())
      byOffset.push_back(&info);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const TensorInfo *a, const TensorInfo *b) {
              return a->begin < b->begin;
            });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const TensorInfo &prev = *byOffset[i - 1], &cur = *byOffset[i];
    if (cur.begin < prev.end)
      return formatError(
          path, "tensor '" + rt::truncate(cur.name) + "': data_offsets [" +
                    std::to_string(cur.begin) + ", " + std::to_string(cur.end) +
                    "] overlap tensor '" + rt::truncate(prev.name) + "' [" +
                    std::to_string(prev.begin) + ", " +
                    std::to_string(prev.end) + "]");
  }
  return Status::success();
}

uint64_t readLittleEndian64(const uint8_t *bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = value << 8 | bytes[i];
  return value;
}

std::string systemError(const std::string &what, const std::string &path) {
  return "cannot " + what + " '" + path + "': " + std::strerror(errno);
}

} // namespace

Expected<File> File::open(const std::string &path) {
  // A hostile header can ask for a lot of memory; running out must not throw
  // into callers built without exceptions.
  try {
    return openUnchecked(path);
  } catch (const std::bad_alloc &) {
    return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                 path + ": out of memory while reading the header");
  }
}

Expected<File> File::openUnchecked(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error(ATTNC_ERROR_IO, systemError("open", path));
  struct stat status;
  if (fstat(fd, &status) != 0) {
    Error error(ATTNC_ERROR_IO, systemError("stat", path));
    ::close(fd);
    return error;
  }
  if (!S_ISREG(status.st_mode)) {
    ::close(fd);
    return Error(ATTNC_ERROR_IO, "cannot read '" + path + "': not a file");
  }
  auto fileSize = static_cast<uint64_t>(status.st_size);
  if (fileSize < 8) {
    ::close(fd);
    return formatError(path, "file is too small (" + std::to_string(fileSize) +
                                 " bytes) to hold a safetensors header");
  }

  File file;
  file.filePath = path;
  file.mapping = mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, fd, 0);
  if (file.mapping == MAP_FAILED) {
    file.mapping = nullptr;
    Error error(ATTNC_ERROR_IO, systemError("map", path));
    ::close(fd);
    return error;
  }
  ::close(fd);
  file.mappingSize = fileSize;
  const auto *bytes = static_cast<const uint8_t *>(file.mapping);

  uint64_t headerSize = readLittleEndian64(bytes);
  if (headerSize > kMaxHeaderSize)
    return formatError(path, "header length " + std::to_string(headerSize) +
                                 " exceeds the limit of " +
                                 std::to_string(kMaxHeaderSize >> 20) + " MB");
  if (headerSize > fileSize - 8)
    return formatError(path, "header length " + std::to_string(headerSize) +
                                 " extends past the end of the file (" +
                                 std::to_string(fileSize) + " bytes)");
  const auto *headerBegin = reinterpret_cast<const char *>(bytes + 8);
  uint64_t dataSize = fileSize - 8 - headerSize;

  json header;
  try {
    header = json::parse(headerBegin, headerBegin + headerSize,
                         [](int depth, json::parse_event_t, json &) {
                           if (depth > kMaxJsonDepth)
                             throw TooDeep();
                           return true;
                         });
  } catch (const TooDeep &) {
    return formatError(path, "header nests deeper than a safetensors header");
  } catch (const json::exception &e) {
    return formatError(path, std::string("header is not valid JSON: ") +
                                 e.what());
  }
  if (!header.is_object())
    return formatError(path, "header must be a JSON object, found " +
                                 describe(header));

  for (const auto &[name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (Status s = parseMetadata(path, entry, file.meta); !s)
        return s.error();
      continue;
    }
    Expected<TensorInfo> info = EntryParser(path, name, dataSize).parse(entry);
    if (!info)
      return info.error();
    info->data = bytes + 8 + headerSize + info->begin;
    file.tensorInfos.push_back(std::move(*info));
  }
  // json objects iterate in key order already; keep the guarantee explicit.
  std::sort(file.tensorInfos.begin(), file.tensorInfos.end(),
            [](const TensorInfo &a, const TensorInfo &b) {
              return a.name < b.name;
            });
  if (Status s = checkOverlaps(path, file.tensorInfos); !s)
    return s.error();
  return file;
}

File::File(File &&other) noexcept
    : filePath(std::move(other.filePath)),
      mapping(std::exchange(other.mapping, nullptr)),
      mappingSize(std::exchange(other.mappingSize, 0)),
      tensorInfos(std::move(other.tensorInfos)), meta(std::move(other.meta)) {}

File &File::operator=(File &&other) noexcept {
  if (this != &other) {
    unmap();
    filePath = std::move(other.filePath);
    mapping = std::exchange(other.mapping, nullptr);
    mappingSize = std::exchange(other.mappingSize, 0);
    tensorInfos = std::move(other.tensorInfos);
    meta = std::move(other.meta);
  }
  return *this;
}

File::~File() { unmap(); }

void File::unmap() {
  if (mapping)
    munmap(mapping, mappingSize);
  mapping = nullptr;
  mappingSize = 0;
}

const TensorInfo *File::find(std::string_view name) const {
  auto it = std::lower_bound(
      tensorInfos.begin(), tensorInfos.end(), name,
      [](const TensorInfo &info, std::string_view n) { return info.name < n; });
  if (it == tensorInfos.end() || it->name != name)
    return nullptr;
  return &*it;
}

} // namespace attnc::st
