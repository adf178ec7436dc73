//===- RuntimeApi.cpp - The C API over the runtime's C++ classes ----------===//
//
// Each entry point validates its arguments, calls into attnc::rt, records a
// failure's message in the thread's last error, and catches every exception.
//
//===----------------------------------------------------------------------===//
#include "attnc/runtime.h"

#include "ApiSupport.h"
#include "MemoryPlan.h"
#include "QuantizedCheckpoint.h"
#include "Model.h"
#include "Session.h"

#include <cstring>
#include <new>
#include <string>
#include <vector>

using attnc::Error;
using attnc::Expected;
using attnc::Status;
using attnc::rt::Model;
using attnc::rt::OutputTensor;
using attnc::rt::Session;
using attnc::rt::TensorSpec;

struct attnc_model {
  std::unique_ptr<Model> model;
  /// The manifest as attnc_tensor_info, per attnc_tensor_kind, and its
  /// constants; they point into the model's Manifest, which never moves.
  std::vector<attnc_tensor_info> infos[3];
  std::vector<std::vector<const char *>> dimNames;
  std::vector<attnc_constant> constants;
  /// The last attnc_model_profile_report.
  std::string profileReport;
};

struct attnc_tensor_list {
  /// Owned by attnc_model_run's lists; a session's list only views its
  /// session's outputs.
  std::vector<OutputTensor> outputs;
  /// Copied, so that the list may outlive its model.
  std::vector<std::string> names;
  std::vector<attnc_tensor> tensors;

  /// Describes `source` in `tensors`.
  void describe(std::vector<OutputTensor> &source) {
    names.clear();
    tensors.clear();
    for (const OutputTensor &output : source)
      names.push_back(output.spec->name);
    for (size_t i = 0; i < source.size(); ++i) {
      OutputTensor &output = source[i];
      tensors.push_back({names[i].c_str(), output.spec->dtype,
                         static_cast<int32_t>(output.shape.size()),
                         output.shape.data(), output.buffer.data()});
    }
  }
};

struct attnc_session {
  std::unique_ptr<Session> session;
  /// Views the session's outputs.
  attnc_tensor_list view;
};

namespace {

using attnc::rt::lastError;

attnc_status fail(const Error &error) noexcept {
  try {
    lastError = error.message();
  } catch (...) {
    lastError.clear();
  }
  return error.code();
}

attnc_status fail(attnc_status code, const char *message) {
  return fail(Error(code, message));
}

/// Runs `body`, turning any exception into a status.
template <typename Body> attnc_status guarded(Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(ATTNC_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return fail(Error(ATTNC_ERROR_INTERNAL,
                      std::string("internal error: ") + e.what()));
  } catch (...) {
    return fail(ATTNC_ERROR_INTERNAL, "internal error: unknown exception");
  }
}

const std::vector<TensorSpec> *specsOf(const Model &model,
                                       attnc_tensor_kind kind) {
  switch (kind) {
  case ATTNC_KIND_INPUT:
    return &model.manifest().inputs;
  case ATTNC_KIND_PARAM:
    return &model.manifest().params;
  case ATTNC_KIND_OUTPUT:
    return &model.manifest().outputs;
  case ATTNC_KIND_MAX_ENUM:
    break;
  }
  return nullptr;
}

std::unique_ptr<attnc_model> wrap(std::unique_ptr<Model> model) {
  auto handle = std::make_unique<attnc_model>();
  const attnc::rt::Manifest &manifest = model->manifest();
  // Reserved so that the pointers taken below stay valid.
  handle->dimNames.reserve(manifest.inputs.size() + manifest.params.size() +
                           manifest.outputs.size());
  for (auto kind : {ATTNC_KIND_INPUT, ATTNC_KIND_PARAM, ATTNC_KIND_OUTPUT}) {
    for (const TensorSpec &spec : *specsOf(*model, kind)) {
      std::vector<const char *> &names = handle->dimNames.emplace_back();
      for (int dim : spec.dimIndex)
        names.push_back(dim >= 0 ? manifest.dims[dim].c_str() : nullptr);
      handle->infos[kind].push_back(
          {spec.name.c_str(), spec.tensor.empty() ? nullptr : spec.tensor.c_str(),
           spec.dtype, static_cast<int32_t>(spec.shape.size()),
           spec.shape.data(), names.data(), spec.layers,
           spec.defaultValue.has_value(), spec.defaultValue.value_or(0)});
    }
  }
  for (const attnc::rt::Constant &constant : manifest.constants)
    handle->constants.push_back({constant.name.c_str(), constant.isInteger,
                                 constant.intValue, constant.floatValue});
  handle->model = std::move(model);
  return handle;
}

} // namespace

extern "C" {

const char *attnc_last_error(void) { return lastError.c_str(); }

const char *attnc_status_name(attnc_status status) {
  switch (status) {
  case ATTNC_OK:
    return "ATTNC_OK";
  case ATTNC_ERROR_IO:
    return "ATTNC_ERROR_IO";
  case ATTNC_ERROR_FORMAT:
    return "ATTNC_ERROR_FORMAT";
  case ATTNC_ERROR_MISMATCH:
    return "ATTNC_ERROR_MISMATCH";
  case ATTNC_ERROR_INVALID_ARGUMENT:
    return "ATTNC_ERROR_INVALID_ARGUMENT";
  case ATTNC_ERROR_ABI:
    return "ATTNC_ERROR_ABI";
  case ATTNC_ERROR_STATE:
    return "ATTNC_ERROR_STATE";
  case ATTNC_ERROR_OUT_OF_MEMORY:
    return "ATTNC_ERROR_OUT_OF_MEMORY";
  case ATTNC_ERROR_MODEL:
    return "ATTNC_ERROR_MODEL";
  case ATTNC_ERROR_INTERNAL:
    return "ATTNC_ERROR_INTERNAL";
  case ATTNC_STATUS_MAX_ENUM:
    break;
  }
  return "unknown status";
}

attnc_status attnc_model_open(const char *so_path, attnc_model **out) {
  if (!so_path || !out)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_open: so_path and out must not be NULL");
  return guarded([&] {
    Expected<std::unique_ptr<Model>> model = Model::open(so_path);
    if (!model)
      return fail(model.error());
    *out = wrap(std::move(*model)).release();
    return ATTNC_OK;
  });
}

void attnc_model_destroy(attnc_model *model) { delete model; }

const char *attnc_model_name(const attnc_model *model) {
  return model ? model->model->manifest().name.c_str() : nullptr;
}

const char *attnc_model_manifest_json(const attnc_model *model) {
  return model ? model->model->manifestJson().c_str() : nullptr;
}

size_t attnc_model_num_dims(const attnc_model *model) {
  return model ? model->model->manifest().dims.size() : 0;
}

const char *attnc_model_dim_name(const attnc_model *model, size_t index) {
  if (!model || index >= model->model->manifest().dims.size())
    return nullptr;
  return model->model->manifest().dims[index].c_str();
}

size_t attnc_model_num_tensors(const attnc_model *model,
                               attnc_tensor_kind kind) {
  if (!model || kind < ATTNC_KIND_INPUT || kind > ATTNC_KIND_OUTPUT)
    return 0;
  return model->infos[kind].size();
}

attnc_status attnc_model_tensor_info(const attnc_model *model,
                                     attnc_tensor_kind kind, size_t index,
                                     attnc_tensor_info *out) {
  if (!model || !out)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_tensor_info: model and out must not be NULL");
  if (index >= attnc_model_num_tensors(model, kind))
    return fail(Error(ATTNC_ERROR_INVALID_ARGUMENT,
                      "attnc_model_tensor_info: no tensor " +
                          std::to_string(index) + " of kind " +
                          std::to_string(kind)));
  *out = model->infos[kind][index];
  return ATTNC_OK;
}

const char *attnc_model_fingerprint(const attnc_model *model) {
  return model ? model->model->manifest().fingerprint.c_str() : nullptr;
}

const char *attnc_model_target_cpu(const attnc_model *model) {
  if (!model)
    return nullptr;
  const auto &target = model->model->manifest().target;
  return target ? target->cpu.c_str() : "";
}

const char *attnc_model_target_features(const attnc_model *model) {
  return model ? model->model->manifest().targetFeatureList.c_str() : nullptr;
}

size_t attnc_model_num_constants(const attnc_model *model) {
  return model ? model->constants.size() : 0;
}

attnc_status attnc_model_constant(const attnc_model *model, size_t index,
                                  attnc_constant *out) {
  if (!model || !out)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_constant: model and out must not be NULL");
  if (index >= model->constants.size())
    return fail(Error(ATTNC_ERROR_INVALID_ARGUMENT,
                      "attnc_model_constant: no constant " +
                          std::to_string(index) + " (the model has " +
                          std::to_string(model->constants.size()) + ")"));
  *out = model->constants[index];
  return ATTNC_OK;
}

attnc_status attnc_model_load_weights(attnc_model *model, const char *path) {
  if (!model || !path)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_load_weights: model and path must not be NULL");
  return guarded([&] {
    if (Status s = model->model->loadWeights(path); !s)
      return fail(s.error());
    return ATTNC_OK;
  });
}

attnc_status attnc_model_quantize_weights(const attnc_model *model,
                                          const char *path,
                                          const char *out_path) {
  if (!model || !path || !out_path)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_quantize_weights: model, path and out_path must "
                "not be NULL");
  return guarded([&] {
    if (Status s = writeQuantizedCheckpoint(model->model->manifest(), path,
                                            out_path);
        !s)
      return fail(s.error());
    return ATTNC_OK;
  });
}

attnc_status attnc_model_set_load_progress(attnc_model *model,
                                           attnc_progress_callback callback,
                                           void *user_data) {
  if (!model)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_set_load_progress: model must not be NULL");
  model->model->setLoadProgress(callback, user_data);
  return ATTNC_OK;
}

size_t attnc_model_num_warnings(const attnc_model *model) {
  return model ? model->model->warnings().size() : 0;
}

const char *attnc_model_warning(const attnc_model *model, size_t index) {
  if (index >= attnc_model_num_warnings(model))
    return nullptr;
  return model->model->warnings()[index].c_str();
}

attnc_status attnc_model_set_num_threads(attnc_model *model,
                                         int32_t num_threads) {
  if (!model)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_set_num_threads: model must not be NULL");
  return guarded([&] {
    if (Status s = model->model->setNumThreads(num_threads); !s)
      return fail(s.error());
    return ATTNC_OK;
  });
}

attnc_status attnc_model_set_profiling(attnc_model *model, int enable) {
  if (!model)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_set_profiling: model must not be NULL");
  return guarded([&] {
    if (Status s = model->model->setProfiling(enable != 0); !s)
      return fail(s.error());
    return ATTNC_OK;
  });
}

const char *attnc_model_profile_report(attnc_model *model, int json) {
  if (!model || !model->model->profile())
    return nullptr;
  model->model->takeEnvironmentReport();
  model->profileReport = model->model->profile()->report(json != 0);
  return model->profileReport.c_str();
}

void attnc_model_profile_reset(attnc_model *model) {
  if (model && model->model->profile())
    model->model->profile()->reset();
}

attnc_status attnc_model_run(const attnc_model *model,
                             const attnc_tensor *inputs, size_t num_inputs,
                             attnc_tensor_list **outputs) {
  if (!model || !outputs)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_run: model and outputs must not be NULL");
  return guarded([&] {
    Expected<std::unique_ptr<Session>> session = Session::create(*model->model);
    if (!session)
      return fail(session.error());
    if (Status s = (*session)->run(inputs, num_inputs); !s)
      return fail(s.error());
    auto list = std::make_unique<attnc_tensor_list>();
    list->outputs = std::move((*session)->outputs());
    list->describe(list->outputs);
    *outputs = list.release();
    return ATTNC_OK;
  });
}

attnc_status attnc_model_plan_memory(const attnc_model *model,
                                     const attnc_tensor *inputs,
                                     size_t num_inputs, int64_t kv_capacity,
                                     attnc_memory_plan *out) {
  if (!model || !out)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_model_plan_memory: model and out must not be NULL");
  return guarded([&] {
    using namespace attnc::rt;
    const Manifest &spec = model->model->manifest();
    if (kv_capacity < 0 || (kv_capacity > 0 && !spec.kvCache))
      return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                  kv_capacity < 0
                      ? "attnc_model_plan_memory: kv_capacity must not be "
                        "negative"
                      : "attnc_model_plan_memory: model has no KV cache");
    ScratchPool scratch;
    Expected<BoundInputs> bound = bindInputs(spec, inputs, num_inputs, scratch);
    if (!bound)
      return fail(bound.error());
    Expected<MemoryLimit> limit = findMemoryLimit(LimitSources::current());
    if (!limit)
      return fail(limit.error());
    MemoryPlan plan = planMemory(spec, bound->dims, kv_capacity);
    Status verdict = checkPlan(spec, bound->dims, kv_capacity, *limit);
    thread_local std::string source, message;
    source = limit->source;
    message = verdict ? "" : verdict.error().message();
    *out = {plan.weights, plan.packs,   plan.arena,
            plan.kvCache, plan.outputs, plan.need().total(*limit),
            limit->bytes, source.c_str(), message.c_str()};
    return ATTNC_OK;
  });
}

attnc_status attnc_session_create(const attnc_model *model,
                                  attnc_session **out) {
  if (!model || !out)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_session_create: model and out must not be NULL");
  return guarded([&] {
    Expected<std::unique_ptr<Session>> session = Session::create(*model->model);
    if (!session)
      return fail(session.error());
    auto handle = std::make_unique<attnc_session>();
    handle->session = std::move(*session);
    *out = handle.release();
    return ATTNC_OK;
  });
}

void attnc_session_destroy(attnc_session *session) { delete session; }

attnc_status attnc_session_run(attnc_session *session,
                               const attnc_tensor *inputs, size_t num_inputs,
                               const attnc_tensor_list **outputs) {
  if (!session || !outputs)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_session_run: session and outputs must not be NULL");
  return guarded([&] {
    attnc_tensor_list &view = session->view;
    // The view must never show buffers a failed run released.
    view.names.clear();
    view.tensors.clear();
    if (Status s = session->session->run(inputs, num_inputs); !s)
      return fail(s.error());
    view.describe(session->session->outputs());
    *outputs = &view;
    return ATTNC_OK;
  });
}

int attnc_model_has_kv_cache(const attnc_model *model) {
  return model && model->model->manifest().kvCache.has_value();
}

attnc_status attnc_session_reserve(attnc_session *session,
                                   const int64_t *dims, size_t num_dims) {
  if (!session || (!dims && num_dims))
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_session_reserve: session and dims must not be NULL");
  return guarded([&] {
    if (Status s = session->session->reserve(
            std::vector<int64_t>(dims, dims + num_dims));
        !s)
      return fail(s.error());
    return ATTNC_OK;
  });
}

attnc_status attnc_session_enable_kv_cache(attnc_session *session,
                                           int64_t capacity) {
  if (!session)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_session_enable_kv_cache: session must not be NULL");
  return guarded([&] {
    if (Status s = session->session->enableKVCache(capacity); !s)
      return fail(s.error());
    return ATTNC_OK;
  });
}

attnc_status attnc_session_step(attnc_session *session,
                                const attnc_tensor *inputs, size_t num_inputs,
                                const attnc_tensor_list **outputs) {
  if (!session || !outputs)
    return fail(ATTNC_ERROR_INVALID_ARGUMENT,
                "attnc_session_step: session and outputs must not be NULL");
  return guarded([&] {
    attnc_tensor_list &view = session->view;
    view.names.clear();
    view.tensors.clear();
    if (Status s = session->session->step(inputs, num_inputs); !s)
      return fail(s.error());
    view.describe(session->session->outputs());
    *outputs = &view;
    return ATTNC_OK;
  });
}

void attnc_session_reset_kv_cache(attnc_session *session) {
  if (session)
    session->session->resetKVCache();
}

int64_t attnc_session_kv_position(const attnc_session *session) {
  return session ? session->session->kvPosition() : -1;
}

size_t attnc_tensor_list_size(const attnc_tensor_list *list) {
  return list ? list->tensors.size() : 0;
}

const attnc_tensor *attnc_tensor_list_at(const attnc_tensor_list *list,
                                         size_t index) {
  if (index >= attnc_tensor_list_size(list))
    return nullptr;
  return &list->tensors[index];
}

const attnc_tensor *attnc_tensor_list_find(const attnc_tensor_list *list,
                                           const char *name) {
  if (!list || !name)
    return nullptr;
  for (const attnc_tensor &tensor : list->tensors)
    if (std::strcmp(tensor.name, name) == 0)
      return &tensor;
  return nullptr;
}

void attnc_tensor_list_destroy(attnc_tensor_list *list) { delete list; }

} // extern "C"
