//===- Manifest.cpp - The JSON description of a compiled model ------------===//
#include "Manifest.h"

#include "Support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <set>

namespace attnc::rt {
namespace {

// Ordered, so that constants keep the order the compiler emitted them in.
using json = nlohmann::ordered_json;

// The dtypes docs/abi.md allows in a model; parameters (and packs of them)
// may also be stored as bf16 or f16.
constexpr attnc_dtype kModelDTypes[] = {ATTNC_DTYPE_F32, ATTNC_DTYPE_I32,
                                        ATTNC_DTYPE_I64};
constexpr attnc_dtype kParamDTypes[] = {ATTNC_DTYPE_F32, ATTNC_DTYPE_BF16,
                                        ATTNC_DTYPE_F16, ATTNC_DTYPE_I32,
                                        ATTNC_DTYPE_I64};
// What a KV cache may hold (`attnc compile --kv-cache-type`).
constexpr attnc_dtype kCacheDTypes[] = {ATTNC_DTYPE_F32, ATTNC_DTYPE_BF16,
                                        ATTNC_DTYPE_F16};

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

    if (Status s = parseFingerprint(root); !s)
      return s.error();
    if (Status s = parseTarget(root); !s)
      return s.error();
    if (Status s = parseConstants(root); !s)
      return s.error();
    if (Status s = parseDims(root); !s)
      return s.error();
    if (Status s = parseTensors(root, Kind::Input, manifest.inputs); !s)
      return s.error();
    if (Status s = parseTensors(root, Kind::Param, manifest.params); !s)
      return s.error();
    if (Status s = parseTensors(root, Kind::Output, manifest.outputs); !s)
      return s.error();
    if (Status s = parseKVCache(root); !s)
      return s.error();
    if (Status s = parsePacks(root); !s)
      return s.error();
    if (Status s = parseArena(root); !s)
      return s.error();
    if (Status s = parseProfile(root); !s)
      return s.error();
    if (Status s = checkConsistency(); !s)
      return s.error();
    return std::move(manifest);
  }

private:
  /// Pack: an entry of "packed_params" (name, dtype and shape only).
  enum class Kind { Input, Param, Output, Pack };

  static const char *keyOf(Kind kind) {
    switch (kind) {
    case Kind::Input:
      return "inputs";
    case Kind::Param:
      return "params";
    case Kind::Pack:
      return "packed_params";
    case Kind::Output:
      break;
    }
    return "outputs";
  }

  static const json *member(const json &object, const char *key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  Status parseFingerprint(const json &root) {
    const json *fingerprint = member(root, "fingerprint");
    if (!fingerprint)
      return Status::success();
    // "" is how a compiler without a fingerprint for this input says so.
    bool isHex = fingerprint->is_string();
    if (isHex)
      for (char c : fingerprint->get_ref<const std::string &>())
        isHex &= std::isxdigit(static_cast<unsigned char>(c)) != 0;
    if (!isHex)
      return invalid("\"fingerprint\" must be a string of hex digits, "
                     "found " + describe(*fingerprint));
    manifest.fingerprint = fingerprint->get<std::string>();
    return Status::success();
  }

  Status parseTarget(const json &root) {
    const json *target = member(root, "target");
    if (!target)
      return Status::success();
    const json *cpu = target->is_object() ? member(*target, "cpu") : nullptr;
    const json *features =
        target->is_object() ? member(*target, "features") : nullptr;
    if (!cpu || !cpu->is_string() || !features || !features->is_array())
      return invalid("\"target\" must be an object with a string \"cpu\" "
                     "and an array \"features\", found " + describe(*target));
    TargetSpec spec{cpu->get<std::string>(), {}};
    for (const json &feature : *features) {
      if (!feature.is_string())
        return invalid("\"target\".\"features\" must hold strings, found " +
                       describe(feature));
      spec.features.push_back(feature.get<std::string>());
      manifest.targetFeatureList +=
          (manifest.targetFeatureList.empty() ? "" : ",") +
          spec.features.back();
    }
    manifest.target = std::move(spec);
    return Status::success();
  }

  Status parseProfile(const json &root) {
    const json *table = member(root, "profile");
    if (!table)
      return Status::success();
    if (!table->is_array())
      return invalid("\"profile\" must be an array, found " +
                     describe(*table));
    for (const json &row : *table) {
      auto text = [&](const char *key) -> const json * {
        const json *value = row.is_object() ? member(row, key) : nullptr;
        return value && value->is_string() ? value : nullptr;
      };
      auto flag = [&](const char *key) -> const json * {
        const json *value = row.is_object() ? member(row, key) : nullptr;
        return value && value->is_boolean() ? value : nullptr;
      };
      const json *entry = text("entry"), *kind = text("kind"),
                 *source = text("source"), *parallel = flag("parallel"),
                 *layered = flag("layered");
      if (!entry || !kind || !source || !parallel || !layered)
        return invalid("a \"profile\" region must be an object with "
                       "strings \"entry\", \"kind\", \"source\" and "
                       "booleans \"parallel\", \"layered\", found " +
                       describe(row));
      manifest.profile.push_back(
          {entry->get<std::string>(), kind->get<std::string>(),
           source->get<std::string>(), parallel->get<bool>(),
           layered->get<bool>()});
    }
    return Status::success();
  }

  Status parseKVCache(const json &root) {
    const json *cache = member(root, "kv_cache");
    if (!cache || cache->is_null())
      return Status::success();
    auto dimIndex = [&](const char *key) -> int {
      const json *name = member(*cache, key);
      if (!name || !name->is_string())
        return -1;
      for (size_t i = 0; i < manifest.dims.size(); ++i)
        if (manifest.dims[i] == name->get_ref<const std::string &>())
          return static_cast<int>(i);
      return -1;
    };
    KVCacheSpec spec;
    spec.batchDim = dimIndex("batch_dim");
    spec.seqDim = dimIndex("seq_dim");
    const json *floats = member(*cache, "floats_per_token");
    if (!cache->is_object() || spec.batchDim < 0 || spec.seqDim < 0 ||
        !floats || !floats->is_number_integer() ||
        floats->get<int64_t>() <= 0)
      return invalid("\"kv_cache\" must name two declared dims "
                     "(\"batch_dim\", \"seq_dim\") and a positive "
                     "\"floats_per_token\", found " + describe(*cache));
    spec.floatsPerToken = floats->get<int64_t>();
    // Caches of manifests before "dtype" were f32.
    if (const json *dtype = member(*cache, "dtype");
        dtype && !dtype->is_null()) {
      const attnc_dtype *known = std::find_if(
          std::begin(kCacheDTypes), std::end(kCacheDTypes),
          [&](attnc_dtype d) { return *dtype == attnc_dtype_name(d); });
      if (known == std::end(kCacheDTypes))
        return invalid("\"kv_cache\": unsupported dtype " + describe(*dtype) +
                       " (expected f32, bf16 or f16)");
      spec.dtype = *known;
    }
    if (const json *last = member(*cache, "last_position");
        last && !last->is_null()) {
      auto invalidLast = [&]() {
        return invalid("\"kv_cache\".\"last_position\" must list outputs "
                       "whose axis 1 is the dim \"" +
                       manifest.dims[spec.seqDim] + "\", found " +
                       describe(*last));
      };
      if (!last->is_array())
        return invalidLast();
      for (const json &name : *last) {
        auto output = name.is_string()
                          ? std::find_if(manifest.outputs.begin(),
                                         manifest.outputs.end(),
                                         [&](const TensorSpec &t) {
                                           return t.name == name.get_ref<
                                                      const std::string &>();
                                         })
                          : manifest.outputs.end();
        if (output == manifest.outputs.end() || output->dimIndex.size() < 2 ||
            output->dimIndex[1] != spec.seqDim)
          return invalidLast();
        size_t index = output - manifest.outputs.begin();
        if (std::count(spec.lastPosition.begin(), spec.lastPosition.end(),
                       index))
          return invalidLast();
        spec.lastPosition.push_back(index);
      }
    }
    manifest.kvCache = spec;
    return Status::success();
  }

  Status parsePacks(const json &root) {
    const json *list = member(root, "packed_params");
    if (!list || list->is_null())
      return Status::success();
    if (!list->is_array())
      return invalid("\"packed_params\" must be an array, found " +
                     describe(*list));
    for (size_t i = 0; i < list->size(); ++i) {
      const json &entry = (*list)[i];
      std::string where = "packed_params[" + std::to_string(i) + "]";
      // Name, dtype and shape as any parameter's.
      Expected<TensorSpec> tensor = parseTensor(entry, where, Kind::Pack);
      if (!tensor)
        return tensor.error();
      PackSpec pack;
      pack.name = tensor->name;
      pack.dtype = tensor->dtype;
      pack.shape = tensor->shape;
      where += " ('" + pack.name + "')";
      const json *axis = member(entry, "axis");
      const json *of = member(entry, "of");
      const json *layout = member(entry, "layout");
      if (layout && !layout->is_null()) {
        const json *outAxis = member(entry, "out_axis");
        pack.group = *layout == "pairs" ? 2 : *layout == "quads" ? 4 : 1;
        // The members' rank: the pack's less the panel (and group) dims.
        size_t extra = pack.grouped() ? 2 : 1;
        if ((*layout != "panels" && *layout != "scales" && !pack.grouped()) ||
            !outAxis || !outAxis->is_number_unsigned() ||
            pack.shape.size() < 2 + extra ||
            outAxis->get<uint64_t>() + 2 + extra < pack.shape.size() ||
            outAxis->get<uint64_t>() + extra >= pack.shape.size())
          return invalid(where + ": expected \"layout\": \"panels\", "
                                 "\"pairs\", \"quads\" or \"scales\" and "
                                 "an \"out_axis\" among the last two of its "
                                 "members' dims");
        pack.outAxis = outAxis->get<int>();
        if (pack.group == 2 && pack.dtype != ATTNC_DTYPE_BF16)
          return invalid(where + ": panels in \"pairs\" are bf16, found " +
                         attnc_dtype_name(pack.dtype));
        if (pack.group == 4 && pack.dtype != ATTNC_DTYPE_I8)
          return invalid(where + ": panels in \"quads\" are i8, found " +
                         attnc_dtype_name(pack.dtype));
        if (*layout == "scales") {
          // int8 panels' scales: f16, one per `block` input features.
          const json *block = member(entry, "block");
          if (!block || *block != ATTNC_INT8_BLOCK ||
              pack.dtype != ATTNC_DTYPE_F16)
            return invalid(where +
                           ": the scales of int8 panels are f16 "
                           "with \"block\": " +
                           std::to_string(ATTNC_INT8_BLOCK));
          pack.block = ATTNC_INT8_BLOCK;
        }
      }
      if (pack.dtype == ATTNC_DTYPE_I8 && (!pack.panels() || pack.scales()))
        return invalid(where + ": an i8 pack must be in layout \"panels\" "
                               "or \"quads\"");
      // The members' concatenation: the pack itself, or the matrix it holds
      // in panels.
      size_t rank = pack.wholeRank();
      if (!axis || !axis->is_number_unsigned() ||
          axis->get<uint64_t>() >= rank || !of || !of->is_array() ||
          of->empty())
        return invalid(where + ": expected an \"axis\" of its shape and the "
                               "parameters it packs (\"of\")");
      pack.axis = axis->get<int>();
      if (std::count(tensor->dimIndex.begin(), tensor->dimIndex.end(), -1) !=
          static_cast<long>(pack.shape.size()))
        return invalid(where + ": its shape must be static");
      std::vector<int64_t> whole;
      int64_t total = 0;
      attnc_dtype memberType = pack.dtype;
      for (const json &name : *of) {
        auto it = std::find_if(
            manifest.params.begin(), manifest.params.end(),
            [&](const TensorSpec &p) { return name == p.name; });
        if (it == manifest.params.end())
          return invalid(where + ": packs " + describe(name) +
                         ", which is not a parameter");
        if (whole.empty())
          whole = pack.panels() ? it->shape : pack.shape;
        // Members agree with each other on everything but the axis; those
        // of a quantized pack are floats of one type.
        if (pack.members.empty())
          memberType = pack.quantized() ? it->dtype : pack.dtype;
        bool isFloat = memberType == ATTNC_DTYPE_F32 ||
                       memberType == ATTNC_DTYPE_BF16 ||
                       memberType == ATTNC_DTYPE_F16;
        bool fits = it->dtype == memberType && it->shape.size() == rank &&
                    (!pack.quantized() || isFloat);
        for (size_t d = 0; fits && d < rank; ++d)
          fits = static_cast<int>(d) == pack.axis || it->shape[d] == whole[d];
        if (!fits)
          return invalid(where + ": parameter '" + it->name + "' of type " +
                         manifest.typeString(*it) +
                         " does not fit in " + attnc_dtype_name(memberType) +
                         formatShape(whole) + " along axis " +
                         std::to_string(pack.axis));
        total += it->shape[pack.axis];
        pack.members.push_back(static_cast<int>(it - manifest.params.begin()));
      }
      if (!pack.panels() && total != pack.shape[pack.axis])
        return invalid(where + ": its members add up to " +
                       std::to_string(total) + " along axis " +
                       std::to_string(pack.axis) + ", not " +
                       std::to_string(pack.shape[pack.axis]));
      whole[pack.axis] = total;
      pack.whole = whole;
      if (pack.panels()) {
        // The compiler chose the panel width for its target: 48 for
        // AVX-512, 24 for AVX2 (3 vectors); a sane one is a multiple of 4.
        // Width 1 is an int8 embedding table's rows (docs/abi.md).
        int64_t width = pack.panelWidth();
        bool rows = width == 1 && pack.quantized();
        if (!rows && (width < 4 || width > 256 || width % 4))
          return invalid(where + ": panels of width " + std::to_string(width) +
                         " (expected a multiple of 4 up to 256, or 1 for "
                         "int8 rows)");
        std::vector<int64_t> expected(whole.begin(), whole.end() - 2);
        int inAxis = static_cast<int>(rank) * 2 - 3 - pack.outAxis;
        expected.push_back((whole[pack.outAxis] + width - 1) / width);
        int64_t perRow = pack.scales() ? pack.block : pack.group;
        expected.push_back((whole[inAxis] + perRow - 1) / perRow);
        expected.push_back(width);
        if (pack.grouped())
          expected.push_back(pack.group);
        if (expected != pack.shape)
          return invalid(where + ": the panels of " +
                         attnc_dtype_name(pack.dtype) + formatShape(whole) +
                         " (out axis " + std::to_string(pack.outAxis) +
                         ") are " + formatShape(expected) + ", not " +
                         formatShape(pack.shape));
      }
      manifest.packs.push_back(std::move(pack));
    }
    return Status::success();
  }

  Status parseArena(const json &root) {
    const json *arena = member(root, "arena");
    if (!arena || arena->is_null())
      return Status::success();
    if (!arena->is_object())
      return invalid("\"arena\" must be an object, found " +
                     describe(*arena));
    ArenaSpec spec;
    if (const json *alignment = member(*arena, "alignment")) {
      // AlignedBuffer's alignment is what the runtime can offer.
      if (!alignment->is_number_unsigned() || alignment->get<uint64_t>() == 0 ||
          alignment->get<uint64_t>() > AlignedBuffer::kAlignment ||
          AlignedBuffer::kAlignment % alignment->get<uint64_t>() != 0)
        return invalid("\"arena\": \"alignment\" must divide " +
                       std::to_string(AlignedBuffer::kAlignment) + ", found " +
                       describe(*alignment));
      spec.alignment = alignment->get<int64_t>();
    }
    if (Status s = parseArenaTerms(*arena, "forward", false, spec.forward); !s)
      return s;
    if (Status s = parseArenaTerms(*arena, "step", true, spec.step); !s)
      return s;
    manifest.arena = std::move(spec);
    return Status::success();
  }

  Status parseArenaTerms(const json &arena, const char *key, bool isStep,
                         std::vector<ArenaTerm> &terms) {
    const json *list = member(arena, key);
    if (!list)
      return Status::success();
    std::string where = std::string("\"arena\".\"") + key + "\"";
    if (!list->is_array())
      return invalid(where + " must be an array, found " + describe(*list));
    for (const json &entry : *list) {
      const json *bytes = entry.is_object() ? member(entry, "bytes") : nullptr;
      const json *times = entry.is_object() ? member(entry, "times") : nullptr;
      if (!bytes || !bytes->is_number_unsigned() ||
          bytes->get<uint64_t>() > INT64_MAX || !times || !times->is_array())
        return invalid(where + ": expected {\"bytes\": a size, \"times\": "
                               "[names]}, found " + describe(entry));
      ArenaTerm term;
      term.bytes = bytes->get<int64_t>();
      for (const json &name : *times) {
        auto it = manifest.dims.end();
        if (name.is_string())
          it = std::find(manifest.dims.begin(), manifest.dims.end(),
                         name.get_ref<const std::string &>());
        if (it != manifest.dims.end())
          term.factors.push_back(static_cast<int>(it - manifest.dims.begin()));
        else if (isStep && name == "capacity")
          term.factors.push_back(ArenaTerm::kCapacity);
        else if (isStep && name == "position")
          term.factors.push_back(ArenaTerm::kPosition);
        else
          return invalid(where + ": " + describe(name) +
                         " is none of the dims [" + joined(manifest.dims) +
                         "]" + (isStep ? " nor capacity or position" : ""));
      }
      terms.push_back(std::move(term));
    }
    return Status::success();
  }

  Status parseConstants(const json &root) {
    const json *constants = member(root, "constants");
    if (!constants)
      return Status::success();
    if (!constants->is_object())
      return invalid("\"constants\" must be an object of numbers, found " +
                     describe(*constants));
    for (const auto &[key, value] : constants->items()) {
      if (key.empty())
        return invalid("\"constants\" has an empty name");
      Constant constant;
      constant.name = key;
      if (value.is_number_integer() &&
          (!value.is_number_unsigned() || value.get<uint64_t>() <= INT64_MAX)) {
        constant.intValue = value.get<int64_t>();
        constant.floatValue = static_cast<double>(constant.intValue);
      } else if (value.is_number_float()) {
        constant.isInteger = false;
        constant.floatValue = value.get<double>();
      } else {
        return invalid("constant '" + key + "' must be a number, found " +
                       describe(value));
      }
      manifest.constants.push_back(std::move(constant));
    }
    return Status::success();
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

  Status parseTensors(const json &root, Kind kind,
                      std::vector<TensorSpec> &specs) {
    const char *key = keyOf(kind);
    const json *list = member(root, key);
    if (!list || !list->is_array())
      return invalid(std::string("missing array \"") + key + "\"");
    for (size_t i = 0; i < list->size(); ++i) {
      std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      Expected<TensorSpec> spec =
          parseTensor((*list)[i], where, kind);
      if (!spec)
        return spec.error();
      specs.push_back(std::move(*spec));
    }
    return Status::success();
  }

  Expected<TensorSpec> parseTensor(const json &entry, const std::string &where,
                                   Kind kind) {
    bool isParam = kind == Kind::Param;
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
    bool stored = kind == Kind::Param || kind == Kind::Pack;
    const attnc_dtype *begin = stored ? std::begin(kParamDTypes)
                                      : std::begin(kModelDTypes);
    const attnc_dtype *end =
        stored ? std::end(kParamDTypes) : std::end(kModelDTypes);
    const attnc_dtype *known = std::find_if(begin, end, [&](attnc_dtype d) {
      return *dtype == attnc_dtype_name(d);
    });
    // int8 panels are a pack's (quantized at load from float members).
    bool int8Pack = kind == Kind::Pack && *dtype == "i8";
    if (known == end && !int8Pack)
      return invalid(what + ": unsupported dtype " + describe(*dtype) +
                     (kind == Kind::Pack
                          ? " (expected f32, bf16, f16, i8, i32 or i64)"
                      : stored ? " (expected f32, bf16, f16, i32 or i64)"
                               : " (expected f32, i32 or i64)"));
    spec.dtype = int8Pack ? ATTNC_DTYPE_I8 : *known;

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
    if (Status s = parseTensorElse(entry, what, kind, spec); !s)
      return s.error();
    if (Status s = parseLayers(entry, what, kind, spec); !s)
      return s.error();
    if (Status s = parseIndexBound(entry, what, kind, spec); !s)
      return s.error();
    if (Status s = parseDefault(entry, what, kind, spec); !s)
      return s.error();
    if (Status s = parseRead(entry, what, kind, spec); !s)
      return s.error();
    return spec;
  }

  static Status parseRead(const json &entry, const std::string &what,
                          Kind kind, TensorSpec &spec) {
    const json *read = member(entry, "read");
    if (!read)
      return Status::success();
    if (kind != Kind::Param)
      return invalid(what + ": only parameters may have \"read\"");
    if (!read->is_boolean())
      return invalid(what + ": \"read\" must be true or false, found " +
                     describe(*read));
    spec.read = read->get<bool>();
    return Status::success();
  }

  static Status parseTensorElse(const json &entry, const std::string &what,
                                Kind kind, TensorSpec &spec) {
    const json *alternatives = member(entry, "tensor_else");
    if (!alternatives)
      return Status::success();
    if (kind != Kind::Param)
      return invalid(what + ": only parameters may have \"tensor_else\"");
    if (!alternatives->is_array() ||
        !std::all_of(alternatives->begin(), alternatives->end(),
                     [](const json &name) { return name.is_string(); }))
      return invalid(what + ": \"tensor_else\" must be an array of strings, "
                            "found " +
                     describe(*alternatives));
    for (const json &name : *alternatives)
      spec.tensorElse.push_back(name.get<std::string>());
    return Status::success();
  }

  static Status parseLayers(const json &entry, const std::string &what,
                            Kind kind, TensorSpec &spec) {
    const json *layers = member(entry, "layers");
    if (!layers)
      return Status::success();
    if (kind != Kind::Param)
      return invalid(what + ": only parameters may have \"layers\"");
    if (!layers->is_number_unsigned() || layers->get<uint64_t>() < 1 ||
        layers->get<uint64_t>() > INT64_MAX)
      return invalid(what + ": \"layers\" must be a positive integer, found " +
                     describe(*layers));
    spec.layers = layers->get<int64_t>();
    auto notTemplate = [&](const char *key, const std::string &name) {
      return invalid(what + ": the \"" + key + "\" of a parameter with "
                     "\"layers\" must contain \"{i}\", found '" + name + "'");
    };
    if (spec.tensor.find("{i}") == std::string::npos)
      return notTemplate("tensor", spec.tensor);
    for (const std::string &alternative : spec.tensorElse)
      if (alternative.find("{i}") == std::string::npos)
        return notTemplate("tensor_else", alternative);
    if (spec.shape.empty() || spec.shape[0] != spec.layers)
      return invalid(what + ": a parameter with " + std::to_string(spec.layers) +
                     " layers must have shape [" + std::to_string(spec.layers) +
                     ", ...], found " + formatShape(spec.shape));
    return Status::success();
  }

  static Status parseIndexBound(const json &entry, const std::string &what,
                                Kind kind, TensorSpec &spec) {
    const json *value = member(entry, "index_bound");
    if (!value)
      return Status::success();
    if (kind != Kind::Input ||
        (spec.dtype != ATTNC_DTYPE_I64 && spec.dtype != ATTNC_DTYPE_I32))
      return invalid(what + ": only integer inputs may have an "
                            "\"index_bound\"");
    if (!value->is_number_integer() || value->get<int64_t>() < 1)
      return invalid(what + ": \"index_bound\" must be a positive integer, "
                            "found " +
                     describe(*value));
    spec.indexBound = value->get<int64_t>();
    return Status::success();
  }

  static Status parseDefault(const json &entry, const std::string &what,
                             Kind kind, TensorSpec &spec) {
    const json *value = member(entry, "default");
    if (!value)
      return Status::success();
    if (kind != Kind::Input)
      return invalid(what + ": only inputs may have a \"default\"");
    bool isFloat = spec.dtype == ATTNC_DTYPE_F32;
    // An integer may be spelled 1.0: JSON writers differ.
    if (!value->is_number() ||
        (!isFloat && value->get<double>() != std::floor(value->get<double>())))
      return invalid(what + ": \"default\" must be " +
                     (isFloat ? "a number" : "an integer") + ", found " +
                     describe(*value));
    double number = value->get<double>();
    if (spec.dtype == ATTNC_DTYPE_I32 &&
        (number < INT32_MIN || number > INT32_MAX))
      return invalid(what + ": \"default\" " + describe(*value) +
                     " does not fit in " + attnc_dtype_name(spec.dtype));
    spec.defaultValue = number;
    return Status::success();
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

std::optional<uint64_t> ArenaSpec::bytes(const std::vector<ArenaTerm> &terms,
                                         const std::vector<int64_t> &dims,
                                         int64_t capacity, int64_t position) {
  uint64_t total = 0;
  for (const ArenaTerm &term : terms) {
    std::vector<int64_t> factors;
    for (int f : term.factors)
      factors.push_back(f == ArenaTerm::kCapacity   ? capacity
                        : f == ArenaTerm::kPosition ? position
                                                    : dims[f]);
    std::optional<uint64_t> value =
        checkedByteSize(factors, static_cast<uint64_t>(term.bytes));
    if (!value || total + *value < total)
      return std::nullopt;
    total += *value;
  }
  return total;
}

std::string layerTensorName(const std::string &pattern, int64_t layer) {
  std::string name = pattern;
  std::string index = std::to_string(layer);
  for (size_t at = name.find("{i}"); at != std::string::npos;
       at = name.find("{i}", at + index.size()))
    name.replace(at, 3, index);
  return name;
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
