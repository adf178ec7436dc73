//===- HeaderCommand.cpp - The `attnc header` subcommand ------------------===//
#include "HeaderCommand.h"
#include "ReportError.h"

#include "attnc/runtime.hpp"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace cl = llvm::cl;

llvm::cl::SubCommand attnc::headerSubCommand(
    "header", "Write a typed C++ header for a compiled model");

using attnc::reportError;

namespace {

cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.so>"),
                               cl::sub(attnc::headerSubCommand));
cl::opt<std::string> outputPath("o", cl::Required,
                                cl::desc("Write the header to this file "
                                         "('-' for standard output)"),
                                cl::value_desc("file"),
                                cl::sub(attnc::headerSubCommand));
cl::opt<std::string>
    className("class",
              cl::desc("Name of the generated class (default: the model's "
                       "name)"),
              cl::value_desc("identifier"), cl::sub(attnc::headerSubCommand));

const char *const kKeywords[] = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case",
    "catch", "char", "class", "const", "constexpr", "continue", "default",
    "delete", "do", "double", "else", "enum", "explicit", "export", "extern",
    "false", "float", "for", "friend", "goto", "if", "inline", "int", "long",
    "mutable", "namespace", "new", "noexcept", "not", "nullptr", "operator",
    "or", "private", "protected", "public", "register", "return", "short",
    "signed", "sizeof", "static", "struct", "switch", "template", "this",
    "throw", "true", "try", "typedef", "typeid", "typename", "union",
    "unsigned", "using", "virtual", "void", "volatile", "while", "xor"};

/// `name` as a C++ identifier: other characters become '_', a leading digit
/// gets a '_' before it, and keywords (and names the generated class uses
/// itself) a '_' after them.
std::string identifier(llvm::StringRef name) {
  std::string id;
  for (char c : name)
    id += llvm::isAlnum(c) || c == '_' ? c : '_';
  if (id.empty() || llvm::isDigit(id[0]))
    id.insert(id.begin(), '_');
  for (const char *keyword : kKeywords)
    if (id == keyword)
      return id + "_";
  return id;
}

std::string quoted(llvm::StringRef text) {
  std::string result = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      result += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      result += "\\x";
      result += llvm::hexdigit(static_cast<unsigned char>(c) >> 4, true);
      result += llvm::hexdigit(c & 0xf, true);
      continue;
    }
    result += c;
  }
  return result + "\"";
}

const char *cppType(attnc_dtype dtype) {
  switch (dtype) {
  case ATTNC_DTYPE_F32:
    return "float";
  case ATTNC_DTYPE_I32:
    return "int32_t";
  case ATTNC_DTYPE_I64:
    return "int64_t";
  default:
    return nullptr;
  }
}

/// A parameter's element: as cppType, or the bits of a weight stored as
/// bf16 or f16 (`attnc compile --weight-type`), which C++17 has no type for.
const char *paramType(attnc_dtype dtype) {
  if (dtype == ATTNC_DTYPE_BF16 || dtype == ATTNC_DTYPE_F16)
    return "uint16_t";
  return cppType(dtype);
}

const char *dtypeEnumerator(attnc_dtype dtype) {
  switch (dtype) {
  case ATTNC_DTYPE_F32:
    return "ATTNC_DTYPE_F32";
  case ATTNC_DTYPE_BF16:
    return "ATTNC_DTYPE_BF16";
  case ATTNC_DTYPE_F16:
    return "ATTNC_DTYPE_F16";
  case ATTNC_DTYPE_I32:
    return "ATTNC_DTYPE_I32";
  default:
    return "ATTNC_DTYPE_I64";
  }
}

/// A double literal that reads back as `value`.
std::string doubleLiteral(double value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.17g", value);
  if (text.find_first_of(".en") == std::string::npos)
    text += ".0";
  return text;
}

std::string shapeList(const attnc_tensor_info &info) {
  std::string result;
  for (int32_t i = 0; i < info.rank; ++i)
    result += (i ? ", " : "") + std::to_string(info.shape[i]);
  return result;
}

class HeaderWriter {
public:
  HeaderWriter(const attnc::Model &model, std::string cls)
      : model(model), cls(std::move(cls)) {}

  /// Fails on a manifest this header cannot describe.
  llvm::Error write(llvm::raw_ostream &os) {
    for (auto kind : {ATTNC_KIND_INPUT, ATTNC_KIND_PARAM, ATTNC_KIND_OUTPUT})
      for (const attnc_tensor_info &info : model.tensorInfos(kind))
        if (!(kind == ATTNC_KIND_PARAM ? paramType : cppType)(info.dtype))
          return llvm::createStringError(
              "tensor '%s' has dtype %s, which has no C++ type here",
              info.name, attnc_dtype_name(info.dtype));
    std::string guard = "ATTNC_MODEL_" + llvm::StringRef(cls).upper() + "_H";
    std::string pathMacro = "ATTNC_MODEL_" + llvm::StringRef(cls).upper() + "_PATH";
    os << "// Generated by `attnc header` from model '" << model.name()
       << "'. Do not edit.\n"
       << "#ifndef " << guard << "\n#define " << guard << "\n\n"
       << "#include \"attnc/runtime.hpp\"\n\n"
       << "#include <array>\n#include <cstdint>\n#include <optional>\n"
       << "#include <string>\n#include <string_view>\n#include <utility>\n"
       << "#include <vector>\n\n"
       << "namespace attnc::models {\n\n";
    writeClassComment(os);
    os << "class " << cls << " {\npublic:\n"
       << "  static constexpr std::string_view model_name = "
       << quoted(model.name()) << ";\n"
       << "  /// Empty if the model records none.\n"
       << "  static constexpr std::string_view fingerprint = "
       << quoted(model.fingerprint()) << ";\n"
       << "  /// The CPU it was compiled for and the ISA extensions it uses\n"
       << "  /// (checked when the library is opened); empty if it records none.\n"
       << "  static constexpr std::string_view target_cpu = "
       << quoted(model.targetCpu()) << ";\n"
       << "  static constexpr std::string_view target_features = "
       << quoted(model.targetFeatures()) << ";\n\n";
    writeConstants(os);
    writeDims(os);
    writeParams(os);
    writeTensorStruct(os, "inputs", ATTNC_KIND_INPUT,
                      "What a run reads; each points to memory the caller "
                      "owns.");
    writeTensorStruct(os, "outputs", ATTNC_KIND_OUTPUT,
                      "What a run wrote; owned by the session, valid until "
                      "its next run.");
    writeSession(os);
    writeModelMembers(os, pathMacro);
    os << "};\n\n} // namespace attnc::models\n\n#endif // " << guard << "\n";
    return llvm::Error::success();
  }

private:
  void writeClassComment(llvm::raw_ostream &os) {
    os << "/// Model '" << model.name() << "':\n";
    for (auto [kind, label] : {std::pair{ATTNC_KIND_INPUT, "input"},
                               std::pair{ATTNC_KIND_PARAM, "param"},
                               std::pair{ATTNC_KIND_OUTPUT, "output"}})
      for (const attnc_tensor_info &info : model.tensorInfos(kind))
        os << "///   " << label << " " << info.name << " : "
           << attnc::formatType(info) << "\n";
  }

  void writeConstants(llvm::raw_ostream &os) {
    os << "  /// Compile-time constants, after -D overrides.\n"
       << "  struct constants {\n";
    for (const attnc_constant &c : model.constants()) {
      if (c.is_integer)
        os << "    static constexpr int64_t " << identifier(c.name) << " = "
           << c.int_value << ";\n";
      else
        os << "    static constexpr double " << identifier(c.name) << " = "
           << doubleLiteral(c.float_value) << ";\n";
    }
    os << "  };\n\n";
  }

  void writeDims(llvm::raw_ostream &os) {
    size_t count = model.numDims();
    os << "  /// Dynamic dimensions, in attnc_model_forward order.\n"
       << "  static constexpr std::array<std::string_view, " << count
       << "> dims = {";
    for (size_t i = 0; i < count; ++i)
      os << (i ? ", " : "") << quoted(model.dimName(i));
    os << "};\n\n";
  }

  void writeParams(llvm::raw_ostream &os) {
    os << "  /// Parameters, read from the checkpoint by `tensor` (with "
          "\"{i}\" the\n  /// layer index when layers > 0).\n"
       << "  struct params {\n";
    for (const attnc_tensor_info &info : model.params()) {
      os << "    struct " << identifier(info.name) << " {\n"
         << "      using element_type = " << paramType(info.dtype) << ";\n"
         << "      static constexpr attnc_dtype dtype = "
         << dtypeEnumerator(info.dtype) << ";\n"
         << "      static constexpr std::string_view name = "
         << quoted(info.name) << ";\n"
         << "      static constexpr std::string_view tensor = "
         << quoted(info.tensor ? info.tensor : "") << ";\n"
         << "      static constexpr int64_t layers = " << info.layers << ";\n"
         << "      static constexpr std::array<int64_t, " << info.rank
         << "> shape = {" << shapeList(info) << "};\n"
         << "    };\n";
    }
    std::vector<attnc_tensor_info> params = model.params();
    os << "    /// Every parameter, in attnc_model_forward order.\n"
       << "    static constexpr std::array<attnc::ParamSpec, " << params.size()
       << "> all = {{";
    for (const attnc_tensor_info &info : params) {
      std::string id = identifier(info.name);
      os << "\n        {" << id << "::name, " << id << "::tensor, " << id
         << "::dtype, " << id << "::layers, " << id << "::shape.data(), "
         << info.rank << "},";
    }
    os << "\n    }};\n  };\n\n";
  }

  void writeTensorStruct(llvm::raw_ostream &os, const char *name,
                         attnc_tensor_kind kind, const char *comment) {
    os << "  /// " << comment << "\n"
       << "  struct " << name << " {\n";
    for (const attnc_tensor_info &info : model.tensorInfos(kind)) {
      std::string view = std::string("attnc::TensorRef<const ") +
                         cppType(info.dtype) + ", " +
                         std::to_string(info.rank) + ">";
      os << "    /// " << info.name << ": " << attnc::formatType(info);
      if (info.has_default)
        os << "; optional, default " << doubleLiteral(info.default_value);
      os << "\n    "
         << (info.has_default ? "std::optional<" + view + ">" : view) << " "
         << identifier(info.name) << ";\n";
    }
    os << "  };\n\n";
  }

  void writeSession(llvm::raw_ostream &os) {
    os << "  /// Runs the model with memory of its own; one thread at a time."
          "\n  class session {\n  public:\n"
       << "    attnc::Expected<outputs> run(const inputs &in) {\n"
       << "      std::vector<attnc_tensor> tensors;\n";
    for (const attnc_tensor_info &info : model.inputs()) {
      std::string id = identifier(info.name);
      if (info.has_default)
        os << "      if (in." << id << ")\n  ";
      os << "      tensors.push_back(in." << id << (info.has_default ? "->" : ".")
         << "toTensor(" << quoted(info.name) << "));\n";
    }
    os << "      attnc::Expected<attnc::OutputView> view = impl.run(tensors);\n"
       << "      if (!view)\n        return view.error();\n"
       << "      outputs out;\n";
    std::vector<attnc_tensor_info> outs = model.outputs();
    for (size_t i = 0; i < outs.size(); ++i)
      os << "      out." << identifier(outs[i].name) << " = decltype(out."
         << identifier(outs[i].name) << ")::from((*view)[" << i << "]);\n";
    os << "      return out;\n    }\n\n"
       << "    attnc::Session &get() { return impl; }\n\n"
       << "  private:\n    friend class " << cls << ";\n"
       << "    explicit session(attnc::Session impl) : impl(std::move(impl)) {}"
          "\n    attnc::Session impl;\n  };\n\n";
  }

  void writeModelMembers(llvm::raw_ostream &os, const std::string &pathMacro) {
    os << "  /// Opens the compiled model and checks that it is the one this "
          "header\n  /// describes.\n"
       << "  static attnc::Expected<" << cls
       << "> open(const std::string &path) {\n"
       << "    attnc::Expected<attnc::Model> model = attnc::Model::open(path);\n"
       << "    if (!model)\n      return model.error();\n"
       << "    if (model->name() != model_name || model->fingerprint() != "
          "fingerprint)\n"
       << "      return attnc::Error(ATTNC_ERROR_ABI,\n"
       << "                          \"'\" + path + \"' is model '\" + "
          "std::string(model->name()) +\n"
       << "                              \" (fingerprint '\" + "
          "std::string(model->fingerprint()) +\n"
       << "                              \"'), not the model '\" + "
          "std::string(model_name) +\n"
       << "                              \"' (fingerprint '\" + "
          "std::string(fingerprint) +\n"
       << "                              \"') this header was generated "
          "from\");\n"
       << "    return " << cls << "(std::move(*model));\n  }\n"
       << "#ifdef " << pathMacro << "\n"
       << "  /// Opens the library attnc_add_model built.\n"
       << "  static attnc::Expected<" << cls << "> open() { return open("
       << pathMacro << "); }\n"
       << "#endif\n\n"
       << "  /// A safetensors file, or a sharded checkpoint's index (*.json)."
          "\n"
       << "  attnc::Status loadWeights(const std::string &path) {\n"
       << "    return model.loadWeights(path);\n  }\n"
       << "  std::vector<std::string> warnings() const { return "
          "model.warnings(); }\n\n"
       << "  /// Needs the weights; they cannot change while sessions exist.\n"
       << "  attnc::Expected<session> createSession() const {\n"
       << "    attnc::Expected<attnc::Session> impl = model.createSession();\n"
       << "    if (!impl)\n      return impl.error();\n"
       << "    return session(std::move(*impl));\n  }\n\n"
       << "  const attnc::Model &get() const { return model; }\n\n"
       << "private:\n"
       << "  explicit " << cls
       << "(attnc::Model model) : model(std::move(model)) {}\n"
       << "  attnc::Model model;\n";
  }

  const attnc::Model &model;
  std::string cls;
};

} // namespace

int attnc::headerCommandMain() {
  Expected<Model> model = Model::open(modelPath);
  if (!model)
    return reportError(model.error().message());
  std::string cls = className.empty() ? std::string(model->name()) : className;
  if (identifier(cls) != cls)
    return reportError("'" + cls + "' is not a valid C++ class name" +
                       (className.empty() ? "; choose one with --class" : ""));

  std::string text;
  llvm::raw_string_ostream os(text);
  if (llvm::Error error = HeaderWriter(*model, cls).write(os))
    return reportError(llvm::toString(std::move(error)));

  std::error_code ec;
  llvm::raw_fd_ostream out(outputPath, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return reportError("cannot write '" + outputPath + "': " + ec.message());
  out << text;
  out.close();
  if (out.has_error())
    return reportError("cannot write '" + outputPath +
                       "': " + out.error().message());
  return 0;
}
