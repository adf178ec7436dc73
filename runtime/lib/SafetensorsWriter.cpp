//===- SafetensorsWriter.cpp - Writing safetensors files ------------------===//
#include "attnc/Safetensors.h"

#include "Support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include <fcntl.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data are little-endian; so is this writer's host");

namespace attnc::st {
namespace {

using json = nlohmann::json;

struct PlacedTensor {
  const std::string *name;
  const TensorView *view;
  uint64_t byteSize;
};

Error invalid(const std::string &path, const std::string &message) {
  return Error(ATTNC_ERROR_INVALID_ARGUMENT,
               "cannot write '" + path + "': " + message);
}

/// Writes into a temporary file beside `path` and renames it to `path` only
/// once everything is written, so that a failure (a full disk, a crash, an
/// exception) never leaves a half-written file or clobbers an old one.
/// Reports the first failure of the whole write.
class OutputFile {
public:
  explicit OutputFile(const std::string &path)
      : path(path), temporary(temporaryName(path)) {
    // O_EXCL: never follow or reuse a file planted under that name.
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                    0666);
    stream = fd < 0 ? nullptr : ::fdopen(fd, "wb");
    if (!stream) {
      savedErrno = errno;
      if (fd >= 0) {
        ::close(fd);
        ::unlink(temporary.c_str());
      }
    }
  }
  ~OutputFile() {
    if (stream) {
      std::fclose(stream);
      ::unlink(temporary.c_str());
    }
  }

  void write(const void *data, size_t size) {
    if (stream && !savedErrno && size &&
        std::fwrite(data, 1, size, stream) != size)
      savedErrno = errno ? errno : EIO;
  }

  Status close() {
    bool opened = stream != nullptr;
    if (stream && std::fclose(stream) != 0 && !savedErrno)
      savedErrno = errno ? errno : EIO;
    stream = nullptr;
    if (opened && !savedErrno &&
        std::rename(temporary.c_str(), path.c_str()) != 0)
      savedErrno = errno;
    if (savedErrno) {
      if (opened)
        ::unlink(temporary.c_str());
      return Error(ATTNC_ERROR_IO, "cannot write '" + path +
                                       "': " + std::strerror(savedErrno));
    }
    return Status::success();
  }

private:
  static std::string temporaryName(const std::string &path) {
    static std::atomic<unsigned> counter{0};
    return path + ".tmp-attnc-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++);
  }

  const std::string &path;
  std::string temporary;
  std::FILE *stream = nullptr;
  int savedErrno = 0;
};

Status writeUnchecked(const std::string &path,
                      const std::map<std::string, TensorView> &tensors,
                      const std::map<std::string, std::string> &metadata) {
  std::vector<PlacedTensor> placed;
  for (const auto &[name, view] : tensors) {
    if (name == "__metadata__")
      return invalid(path, "'__metadata__' is not a valid tensor name");
    size_t elementSize = attnc_dtype_size(view.dtype);
    if (!elementSize)
      return invalid(path, "tensor '" + name + "' has an unknown dtype");
    std::optional<uint64_t> byteSize =
        rt::checkedByteSize(view.shape, elementSize);
    if (!byteSize)
      return invalid(path, "tensor '" + name + "' has an invalid shape " +
                               rt::formatShape(view.shape));
    if (*byteSize && !view.data)
      return invalid(path, "tensor '" + name + "' has no data");
    placed.push_back({&name, &view, *byteSize});
  }
  // Larger elements first: every tensor then starts aligned to its element
  // size without padding between tensors (which readers reject as holes).
  std::sort(placed.begin(), placed.end(),
            [](const PlacedTensor &a, const PlacedTensor &b) {
              size_t sizeA = attnc_dtype_size(a.view->dtype);
              size_t sizeB = attnc_dtype_size(b.view->dtype);
              return sizeA != sizeB ? sizeA > sizeB : *a.name < *b.name;
            });

  json header = json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const PlacedTensor &t : placed) {
    header[*t.name] = {{"dtype", dtypeName(t.view->dtype)},
                       {"shape", t.view->shape},
                       {"data_offsets", {offset, offset + t.byteSize}}};
    offset += t.byteSize;
  }
  std::string headerText =
      header.dump(-1, ' ', false, json::error_handler_t::replace);
  // Spaces after the JSON are valid JSON; they put the data section at an
  // 8-byte aligned file offset.
  headerText.append((8 - headerText.size() % 8) % 8, ' ');

  uint8_t length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<uint8_t>(uint64_t(headerText.size()) >> (8 * i));

  OutputFile out(path);
  out.write(length, sizeof(length));
  out.write(headerText.data(), headerText.size());
  for (const PlacedTensor &t : placed)
    out.write(t.view->data, t.byteSize);
  return out.close();
}

} // namespace

Status write(const std::string &path,
             const std::map<std::string, TensorView> &tensors,
             const std::map<std::string, std::string> &metadata) {
  try {
    return writeUnchecked(path, tensors, metadata);
  } catch (const std::bad_alloc &) {
    return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                 "cannot write '" + path + "': out of memory");
  }
}

} // namespace attnc::st
