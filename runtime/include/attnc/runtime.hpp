//===- runtime.hpp - C++ API of the attnc runtime ---------------*- C++ -*-===//
//
// A header-only layer over runtime.h: classes that own the C handles, and
// errors as values. Failures are returned as attnc::Status / attnc::Expected<T>
// (never thrown), so the API is usable from code built with -fno-exceptions,
// such as LLVM-based tools:
//
//   attnc::Expected<attnc::Model> model = attnc::Model::open("mha.so");
//   if (!model)
//     return fail(model.error().message());
//   if (attnc::Status s = model->loadWeights("w.safetensors"); !s)
//     return fail(s.error().message());
//   attnc::Expected<attnc::TensorList> outputs = model->run(inputs);
//
// or, to run repeatedly (and from several threads, one session each):
//
//   attnc::Expected<attnc::Session> session = model->createSession();
//   attnc::Expected<attnc::OutputView> out = session->run(inputs);
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_HPP
#define ATTNC_RUNTIME_HPP

#include "attnc/runtime.h"

#include <array>
#include <cassert>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace attnc {

/// A failure: a status code and a message (one line per problem).
class Error {
public:
  Error(attnc_status code, std::string message)
      : errorCode(code), text(std::move(message)) {}

  /// The failure a C API call just reported on this thread.
  static Error fromLastCall(attnc_status code) {
    return Error(code, attnc_last_error());
  }

  attnc_status code() const { return errorCode; }
  const std::string &message() const { return text; }

private:
  attnc_status errorCode;
  std::string text;
};

/// Success, or an Error. Converts to true on success.
class [[nodiscard]] Status {
public:
  Status() = default;
  Status(Error error) : failure(std::move(error)) {}

  static Status success() { return Status(); }

  bool ok() const { return !failure; }
  explicit operator bool() const { return ok(); }
  /// Only valid when !ok().
  const Error &error() const {
    assert(failure && "error() on a successful Status");
    return *failure;
  }

private:
  std::optional<Error> failure;
};

/// A T, or the Error that prevented computing it. Converts to true when it
/// holds a value.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : storage(std::in_place_index<0>, std::move(value)) {}
  Expected(Error error) : storage(std::in_place_index<1>, std::move(error)) {}

  explicit operator bool() const { return storage.index() == 0; }

  T &operator*() & { return *get(); }
  const T &operator*() const & { return *get(); }
  T &&operator*() && { return std::move(*get()); }
  T *operator->() { return get(); }
  const T *operator->() const { return get(); }

  /// Only valid when the Expected holds an error.
  const Error &error() const {
    assert(storage.index() == 1 && "error() on an Expected with a value");
    return *std::get_if<1>(&storage);
  }
  Status status() const { return *this ? Status() : Status(error()); }

private:
  T *get() {
    assert(storage.index() == 0 && "value of an Expected with an error");
    return std::get_if<0>(&storage);
  }
  const T *get() const {
    assert(storage.index() == 0 && "value of an Expected with an error");
    return std::get_if<0>(&storage);
  }

  std::variant<T, Error> storage;
};

/// "[batch, seq, 256]": dynamic dimensions by name when names are given.
inline std::string formatShape(const int64_t *shape, int32_t rank,
                               const char *const *dimNames = nullptr) {
  std::string result = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      result += ", ";
    if (dimNames && dimNames[i])
      result += dimNames[i];
    else
      result += std::to_string(shape[i]);
  }
  return result + "]";
}

/// "f32[batch, seq, 256]".
inline std::string formatType(const attnc_tensor_info &info) {
  return attnc_dtype_name(info.dtype) +
         formatShape(info.shape, info.rank, info.dim_names);
}

/// The attnc_dtype of a C++ element type: float, int32_t or int64_t.
template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> {
  static constexpr attnc_dtype value = ATTNC_DTYPE_F32;
};
template <> struct DTypeOf<int32_t> {
  static constexpr attnc_dtype value = ATTNC_DTYPE_I32;
};
template <> struct DTypeOf<int64_t> {
  static constexpr attnc_dtype value = ATTNC_DTYPE_I64;
};
template <typename T> struct DTypeOf<const T> : DTypeOf<T> {};

/// A typed view of a dense row-major tensor that someone else owns; what the
/// headers of `attnc header` use for inputs and outputs.
template <typename T, size_t Rank> struct TensorRef {
  T *data = nullptr;
  std::array<int64_t, Rank> shape{};

  static constexpr attnc_dtype dtype = DTypeOf<T>::value;

  int64_t numElements() const {
    int64_t count = 1;
    for (int64_t size : shape)
      count *= size;
    return count;
  }
  T *begin() const { return data; }
  T *end() const { return data + numElements(); }
  T &operator[](int64_t index) const { return data[index]; }

  /// The C description of this view, named `name`; it points into `*this`.
  attnc_tensor toTensor(const char *name) const {
    return {name, dtype, static_cast<int32_t>(Rank), shape.data(),
            const_cast<std::remove_const_t<T> *>(data)};
  }
  /// A view of `tensor`; its dtype and rank must be T's and Rank.
  static TensorRef from(const attnc_tensor &tensor) {
    assert(tensor.dtype == dtype && tensor.rank == static_cast<int32_t>(Rank) &&
           "tensor of another type");
    TensorRef ref;
    ref.data = static_cast<T *>(tensor.data);
    for (size_t i = 0; i < Rank; ++i)
      ref.shape[i] = tensor.shape[i];
    return ref;
  }
};

/// A parameter as a header of `attnc header` lists it in `params::all`, for
/// code that walks every parameter (e.g. to write a checkpoint).
struct ParamSpec {
  std::string_view name;
  /// The checkpoint tensor; with layers > 0 a template with "{i}".
  std::string_view tensor;
  attnc_dtype dtype;
  int64_t layers;
  const int64_t *shape;
  int32_t rank;

  int64_t numElements() const {
    int64_t count = 1;
    for (int32_t i = 0; i < rank; ++i)
      count *= shape[i];
    return count;
  }
};

/// The outputs of one run; owns their memory.
class TensorList {
public:
  explicit TensorList(attnc_tensor_list *list) : list(list) {}

  size_t size() const { return attnc_tensor_list_size(list.get()); }
  const attnc_tensor &operator[](size_t index) const {
    return *attnc_tensor_list_at(list.get(), index);
  }
  /// nullptr if there is no tensor of that name.
  const attnc_tensor *find(const std::string &name) const {
    return attnc_tensor_list_find(list.get(), name.c_str());
  }
  const attnc_tensor *begin() const {
    return size() ? attnc_tensor_list_at(list.get(), 0) : nullptr;
  }
  const attnc_tensor *end() const { return begin() + size(); }

  attnc_tensor_list *get() const { return list.get(); }

private:
  struct Deleter {
    void operator()(attnc_tensor_list *l) const {
      attnc_tensor_list_destroy(l);
    }
  };
  std::unique_ptr<attnc_tensor_list, Deleter> list;
};

/// The outputs of a session's last run; they belong to the session and are
/// valid until its next run or its destruction.
class OutputView {
public:
  explicit OutputView(const attnc_tensor_list *list) : list(list) {}

  size_t size() const { return attnc_tensor_list_size(list); }
  const attnc_tensor &operator[](size_t index) const {
    return *attnc_tensor_list_at(list, index);
  }
  /// nullptr if there is no tensor of that name.
  const attnc_tensor *find(const std::string &name) const {
    return attnc_tensor_list_find(list, name.c_str());
  }
  const attnc_tensor *begin() const {
    return size() ? attnc_tensor_list_at(list, 0) : nullptr;
  }
  const attnc_tensor *end() const { return begin() + size(); }

private:
  const attnc_tensor_list *list;
};

/// One thread's way to run a shared model, reusing its output memory from
/// run to run. Move-only; must not outlive its Model.
class Session {
public:
  Expected<OutputView> run(const attnc_tensor *inputs, size_t numInputs) {
    const attnc_tensor_list *outputs = nullptr;
    if (attnc_status s =
            attnc_session_run(get(), inputs, numInputs, &outputs))
      return Error::fromLastCall(s);
    return OutputView(outputs);
  }
  Expected<OutputView> run(const std::vector<attnc_tensor> &inputs) {
    return run(inputs.data(), inputs.size());
  }

  /// See attnc_session_reserve in runtime.h: one size per model dim.
  Status reserve(const std::vector<int64_t> &dims) {
    if (attnc_status s =
            attnc_session_reserve(get(), dims.data(), dims.size()))
      return Error::fromLastCall(s);
    return Status::success();
  }

  /// Incremental decoding (see attnc_session_step in runtime.h).
  Status enableKVCache(int64_t capacity) {
    if (attnc_status s = attnc_session_enable_kv_cache(get(), capacity))
      return Error::fromLastCall(s);
    return Status::success();
  }
  Expected<OutputView> step(const attnc_tensor *inputs, size_t numInputs) {
    const attnc_tensor_list *outputs = nullptr;
    if (attnc_status s =
            attnc_session_step(get(), inputs, numInputs, &outputs))
      return Error::fromLastCall(s);
    return OutputView(outputs);
  }
  void resetKVCache() { attnc_session_reset_kv_cache(get()); }
  int64_t kvPosition() const { return attnc_session_kv_position(get()); }

  attnc_session *get() const { return session.get(); }

private:
  friend class Model;
  explicit Session(attnc_session *handle) : session(handle) {}

  struct Deleter {
    void operator()(attnc_session *s) const { attnc_session_destroy(s); }
  };
  std::unique_ptr<attnc_session, Deleter> session;
};

/// A loaded model. Move-only; closes the library when destroyed.
class Model {
public:
  static Expected<Model> open(const std::string &soPath) {
    attnc_model *handle = nullptr;
    if (attnc_status s = attnc_model_open(soPath.c_str(), &handle))
      return Error::fromLastCall(s);
    return Model(handle);
  }

  std::string_view name() const { return attnc_model_name(get()); }
  /// "" if the model records none.
  /// The CPU the model was compiled for and the ISA extensions its code
  /// uses, comma-separated ("" when the model records none).
  std::string_view targetCpu() const { return attnc_model_target_cpu(get()); }
  std::string_view targetFeatures() const {
    return attnc_model_target_features(get());
  }
  std::string_view fingerprint() const {
    return attnc_model_fingerprint(get());
  }

  std::vector<attnc_constant> constants() const {
    std::vector<attnc_constant> result;
    for (size_t i = 0, e = attnc_model_num_constants(get()); i != e; ++i) {
      attnc_constant constant{};
      [[maybe_unused]] attnc_status s =
          attnc_model_constant(get(), i, &constant);
      assert(s == ATTNC_OK && "constant index out of range");
      result.push_back(constant);
    }
    return result;
  }

  size_t numDims() const { return attnc_model_num_dims(get()); }
  std::string_view dimName(size_t index) const {
    return attnc_model_dim_name(get(), index);
  }

  size_t numTensors(attnc_tensor_kind kind) const {
    return attnc_model_num_tensors(get(), kind);
  }
  /// `index` must be below numTensors(kind).
  attnc_tensor_info tensorInfo(attnc_tensor_kind kind, size_t index) const {
    attnc_tensor_info info{};
    [[maybe_unused]] attnc_status s =
        attnc_model_tensor_info(get(), kind, index, &info);
    assert(s == ATTNC_OK && "tensor index out of range");
    return info;
  }
  std::vector<attnc_tensor_info> tensorInfos(attnc_tensor_kind kind) const {
    std::vector<attnc_tensor_info> infos;
    for (size_t i = 0, e = numTensors(kind); i != e; ++i)
      infos.push_back(tensorInfo(kind, i));
    return infos;
  }
  std::vector<attnc_tensor_info> inputs() const {
    return tensorInfos(ATTNC_KIND_INPUT);
  }
  std::vector<attnc_tensor_info> params() const {
    return tensorInfos(ATTNC_KIND_PARAM);
  }
  std::vector<attnc_tensor_info> outputs() const {
    return tensorInfos(ATTNC_KIND_OUTPUT);
  }

  /// A safetensors file, or a sharded checkpoint's index (*.json).
  Status loadWeights(const std::string &path) {
    if (attnc_status s = attnc_model_load_weights(get(), path.c_str()))
      return Error::fromLastCall(s);
    return Status::success();
  }
  /// See attnc_model_quantize_weights.
  Status quantizeWeights(const std::string &path,
                         const std::string &outPath) const {
    if (attnc_status s = attnc_model_quantize_weights(get(), path.c_str(),
                                                      outPath.c_str()))
      return Error::fromLastCall(s);
    return Status::success();
  }
  /// See attnc_model_set_load_progress.
  Status setLoadProgress(attnc_progress_callback callback, void *userData) {
    if (attnc_status s =
            attnc_model_set_load_progress(get(), callback, userData))
      return Error::fromLastCall(s);
    return Status::success();
  }
  std::vector<std::string> warnings() const {
    std::vector<std::string> result;
    for (size_t i = 0, e = attnc_model_num_warnings(get()); i != e; ++i)
      result.emplace_back(attnc_model_warning(get(), i));
    return result;
  }

  /// 0: ATTNC_NUM_THREADS if set, else one thread per core.
  Status setNumThreads(int32_t count) {
    if (attnc_status s = attnc_model_set_num_threads(get(), count))
      return Error::fromLastCall(s);
    return Status::success();
  }

  /// Profiling of later runs and steps (docs/performance.md).
  Status setProfiling(bool enable) {
    if (attnc_status s = attnc_model_set_profiling(get(), enable ? 1 : 0))
      return Error::fromLastCall(s);
    return Status::success();
  }
  /// The profile so far as a table, or a JSON object; "" when it is off.
  std::string profileReport(bool json) {
    const char *report = attnc_model_profile_report(get(), json ? 1 : 0);
    return report ? report : "";
  }

  Expected<TensorList> run(const attnc_tensor *inputs,
                           size_t numInputs) const {
    attnc_tensor_list *outputs = nullptr;
    if (attnc_status s = attnc_model_run(get(), inputs, numInputs, &outputs))
      return Error::fromLastCall(s);
    return TensorList(outputs);
  }
  Expected<TensorList> run(const std::vector<attnc_tensor> &inputs) const {
    return run(inputs.data(), inputs.size());
  }

  /// The memory a run on `inputs` (with kvCapacity > 0: a generation)
  /// needs and the process's limit; plan.verdict says whether it fits.
  /// The plan's strings live until the next planMemory on this thread.
  Expected<attnc_memory_plan>
  planMemory(const std::vector<attnc_tensor> &inputs,
             int64_t kvCapacity = 0) const {
    attnc_memory_plan plan{};
    if (attnc_status s = attnc_model_plan_memory(get(), inputs.data(),
                                                 inputs.size(), kvCapacity,
                                                 &plan))
      return Error::fromLastCall(s);
    return plan;
  }

  Expected<Session> createSession() const {
    attnc_session *session = nullptr;
    if (attnc_status s = attnc_session_create(get(), &session))
      return Error::fromLastCall(s);
    return Session(session);
  }

  attnc_model *get() const { return model.get(); }

private:
  explicit Model(attnc_model *handle) : model(handle) {}

  struct Deleter {
    void operator()(attnc_model *m) const { attnc_model_destroy(m); }
  };
  std::unique_ptr<attnc_model, Deleter> model;
};

} // namespace attnc

#endif // ATTNC_RUNTIME_HPP
