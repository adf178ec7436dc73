//===- Manifest.cpp - The JSON description of a compiled model ------------===//
#include "Manifest.h"

#include "Support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace attnc::rt {
namespace {

using json = nlohmann::json;

// The dtypes docs/abi.md allows in a model.
constexpr attnc_dtype kModelDTypes[] = {ATTNC_DTYPE_F32, ATTNC_DTYPE_I32,
                                        ATTNC_DTYPE_I64};

Error invalid(const std::string &message) {
  return Error(ATTNC_ERROR_FORMAT, "invalid manifest: " + message);
}

std::string describe(const json &value) {
  return truncate(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string joined(const std::vector<std::string> &names) {
  std::string result;
  for (const std::string &n : names)
    result += (result.empty() ? "" : ", ") + n;
  return result;
}

class ManifestParser {
public:
  Expected<Manifest> parse(const json &root) {
    if (!root.is_object())
      return invalid("expected a JSON object, found " + describe(root));

    const json *version = member(root, "abi_version");
    if (!version || !version->is_number_integer() ||
        version->get<int64_t>() != ATTNC_MODEL_ABI_VERSION)
      return invalid("\"abi_version\" must be " +
                     std::to_string(ATTNC_MODEL_ABI_VERSION) + ", found " +
                     (version ? describe(*version) : "nothing"));

    const json *name = member(root, "name");
    if (!name || !name->is_string())
      return invalid("missing string \"name\"");
    manifest.name = name->get<std::string>();

    if (Status s = parseDims(root); !s)
      return s.error();
    if (Status s = parseTensors(root, "inputs", manifest.inputs); !s)
      return s.error();
    if (Status s = parseTensors(root, "params", manifest.params); !s)
      return s.error();
    if (Status s = parseTensors(root, "outputs", manifest.outputs); !s)
      return s.error();
    if (Status s = checkConsistency(); !s)
      return s.error();
    return std::move(manifest);
  }

private:
  static const json *member(const json &object, const char *key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  Status parseDims(const json &root) {
    const json *dims = member(root, "dims");
    if (!dims || !dims->is_array())
      return invalid("missing array \"dims\"");
    for (const json &dim : *dims) {
      if (!dim.is_string() || dim.get_ref<const std::string &>().empty())
        return invalid("\"dims\" must hold non-empty strings, found " +
                       describe(dim));
      const std::string &dimName = dim.get_ref<const std::string &>();
      if (std::count(manifest.dims.begin(), manifest.dims.end(), dimName))
        return invalid("dim '" + dimName + "' is declared twice");
      manifest.dims.push_back(dimName);
    }
    return Status::success();
  }

  Status parseTensors(const json &root, const char *key,
                      std::vector<TensorSpec> &specs) {
    const json *list = member(root, key);
    if (!list || !list->is_array())
      return invalid(std::string("missing array \"") + key + "\"");
    for (size_t i = 0; i < list->size(); ++i) {
      std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      Expected<TensorSpec> spec =
          parseTensor((*list)[i], where, std::string(key) == "params");
      if (!spec)
        return spec.error();
      specs.push_back(std::move(*spec));
    }
    return Status::success();
  }

  Expected<TensorSpec> parseTensor(const json &entry, const std::string &where,
                                   bool isParam) {
    if (!entry.is_object())
      return invalid(where + ": expected an object, found " + describe(entry));
    TensorSpec spec;
    const json *name = member(entry, "name");
    if (!name || !name->is_string() ||
        name->get_ref<const std::string &>().empty())
      return invalid(where + ": missing non-empty string \"name\"");
    spec.name = name->get<std::string>();
    std::string what = where + " ('" + spec.name + "')";

    if (isParam) {
      const json *tensor = member(entry, "tensor");
      if (!tensor || !tensor->is_string())
        return invalid(what + ": missing string \"tensor\"");
      spec.tensor = tensor->get<std::string>();
    }

    const json *dtype = member(entry, "dtype");
    if (!dtype || !dtype->is_string())
      return invalid(what + ": missing string \"dtype\"");
    const auto *known = std::find_if(
        std::begin(kModelDTypes), std::end(kModelDTypes),
        [&](attnc_dtype d) { return *dtype == attnc_dtype_name(d); });
    if (known == std::end(kModelDTypes))
      return invalid(what + ": unsupported dtype " + describe(*dtype) +
                     " (expected f32, i32 or i64)");
    spec.dtype = *known;

    const json *shape = member(entry, "shape");
    if (!shape || !shape->is_array())
      return invalid(what + ": missing array \"shape\"");
    for (const json &dim : *shape) {
      if (dim.is_number_unsigned() && dim.get<uint64_t>() <= INT64_MAX) {
        spec.shape.push_back(dim.get<int64_t>());
        spec.dimIndex.push_back(-1);
        continue;
      }
      auto it = manifest.dims.end();
      if (dim.is_string())
        it = std::find(manifest.dims.begin(), manifest.dims.end(),
                       dim.get_ref<const std::string &>());
      if (it == manifest.dims.end())
        return invalid(what + ": shape entry " + describe(dim) +
                       " is neither a size nor one of the dims [" +
                       joined(manifest.dims) + "]");
      if (isParam)
        return invalid(what + ": a parameter's shape must be static, found "
                              "dim '" + *it + "'");
      spec.shape.push_back(-1);
      spec.dimIndex.push_back(static_cast<int>(it - manifest.dims.begin()));
    }
    if (!checkedByteSize(staticPart(spec.shape), attnc_dtype_size(spec.dtype)))
      return invalid(what + ": shape " + formatShape(spec.shape) +
                     " is too large");
    return spec;
  }

  static std::vector<int64_t> staticPart(std::vector<int64_t> shape) {
    shape.erase(std::remove(shape.begin(), shape.end(), -1), shape.end());
    return shape;
  }

  Status checkConsistency() const {
    std::set<std::string> names;
    for (const auto *list :
         {&manifest.inputs, &manifest.params, &manifest.outputs})
      for (const TensorSpec &spec : *list)
        if (!names.insert(spec.name).second)
          return invalid("the name '" + spec.name + "' is used twice");
    for (size_t d = 0; d < manifest.dims.size(); ++d) {
      bool inferable = std::any_of(
          manifest.inputs.begin(), manifest.inputs.end(),
          [&](const TensorSpec &spec) {
            return std::count(spec.dimIndex.begin(), spec.dimIndex.end(),
                              static_cast<int>(d)) != 0;
          });
      if (!inferable)
        return invalid("dim '" + manifest.dims[d] +
                       "' appears in no input's shape, so its value cannot "
                       "be inferred");
    }
    return Status::success();
  }

  Manifest manifest;
};

} // namespace

std::string
TensorSpec::shapeString(const std::vector<std::string> &dimNames) const {
  std::string result = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      result += ", ";
    result += dimIndex[i] >= 0 ? dimNames[dimIndex[i]] : std::to_string(shape[i]);
  }
  return result + "]";
}

Expected<Manifest> parseManifest(std::string_view text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception &e) {
    return invalid(std::string("not valid JSON: ") + e.what());
  }
  return ManifestParser().parse(root);
}

} // namespace attnc::rt
