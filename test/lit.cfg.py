# -*- Python -*-
import os
import shutil
import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "attnc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".attn", ".test"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attnc_obj_root, "test")
config.excludes = ["unittests", "fuzz", "Inputs", "lit.cfg.py",
                   "lit.site.cfg.py", "CMakeLists.txt"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%examples", os.path.join(config.attnc_src_root, "examples")))
# Debian's python3, which has numpy and PyTorch (a pyenv python may shadow it).
python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
config.substitutions.append(("%python", python))
# The attnc Python package as built (build/python/attnc, python/CMakeLists.txt).
config.substitutions.append(("%attnc_python", "env PYTHONPATH={} {}".format(
    os.path.join(config.attnc_obj_root, "python"), python)))
config.substitutions.append(
    ("%attnc_runtime", os.path.join(config.attnc_obj_root, "lib", "libattnc_runtime.so")))
# Generation: inputs, and hand-written decoder models.
generation_obj = os.path.join(config.attnc_obj_root, "test", "unittests", "Generation")
config.substitutions.append(("%generation", os.path.join(config.attnc_src_root, "test", "unittests", "Generation", "Inputs")))
config.substitutions.append(("%fake_decoder", os.path.join(generation_obj, "libattnc_fake_decoder.so")))
config.substitutions.append(("%naive_gpt2", os.path.join(generation_obj, "libattnc_naive_gpt2.so")))
config.substitutions.append(("%attnc_libs", os.path.join(config.attnc_obj_root, "lib")))
config.substitutions.append(("%attnc_src", config.attnc_src_root))
config.substitutions.append(("%attnc_build", config.attnc_obj_root))
if os.path.exists(os.path.join(config.attnc_src_root, "examples", "tiny-gpt.attn")):
    config.available_features.add("tiny-gpt-attn")
# IR without the attributes that describe the source text (its constants,
# its fingerprint): what two spellings of one model may differ in.
config.substitutions.append(("%strip-source", "sed -E "
    "'s/attn.constants = \\{[^}]*\\}, //; s/attn.fingerprint = \"[0-9a-f]+\", //'"))
# Numbers are checked against PyTorch from Debian's python3-torch.
config.substitutions.append(("%torch-check", python + " " + os.path.join(
    config.test_source_root, "E2E", "Inputs", "torch-check.py")))

# qemu-user (Debian qemu-user) emulates CPUs without AVX-512 for the target
# tests.
if shutil.which("qemu-x86_64"):
    config.available_features.add("qemu-user")

# The CPU running the tests has AVX512_BF16 (vdpbf16ps): the bf16 dot-product
# kernels can run here.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = [line for line in cpuinfo if line.startswith("flags")]
        if any(" avx512_bf16" in line for line in flags):
            config.available_features.add("avx512bf16")
        # x86-64-v4's AVX-512 subsets: models compiled for it can run here.
        if any(all(f" {x}" in line for x in
                   ("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"))
               for line in flags):
            config.available_features.add("x86-64-v4")
        # AVX512_VNNI (vpdpbusd): the int8 quads kernels can run here.
        if any(" avx512_vnni" in line for line in flags):
            config.available_features.add("avx512vnni")
        # AMX with bf16 tiles (tdpbf16ps): the AMX kernels can run here.
        if any(" amx_bf16" in line and " amx_tile" in line for line in flags):
            config.available_features.add("amx-bf16")
except OSError:
    pass

# A sanitizer build's runtime can only be loaded by instrumented programs, not
# by Debian's python3 (ctypes).
if getattr(config, "attnc_sanitizers", ""):
    config.available_features.add("sanitizer")
# attn.attention lowered block by block (no [Sq, Sk] score matrix).
if os.path.exists(os.path.join(config.attnc_src_root, "compiler", "lib", "Conversion",
                               "AttnToLinalg", "FlashAttention.cpp")):
    config.available_features.add("flash-attention")

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# lit's built-in `not` counts a crash as the expected failure; LLVM's `not`
# fails then, so that `not attnc ...` tests catch crashes (and sanitizer
# reports, which abort under tools/test.sh --sanitize).
llvm_config.add_tool_substitutions(
    [ToolSubst("not", unresolved="fatal")], [config.llvm_tools_dir])

# mlir-cpu-runner's support libraries (printMemrefF32) and libomp (lowered
# products read the thread count from it), beside the LLVM tools.
config.substitutions.append(("%mlir_runner_libs", ",".join(
    os.path.join(os.path.dirname(config.llvm_tools_dir), "lib", name)
    for name in ["libmlir_c_runner_utils.so", "libmlir_runner_utils.so",
                 "libomp.so"])))

tool_dirs = [config.attnc_tools_dir, config.llvm_tools_dir]
tools = ["attnc", "attnc-opt", "attnc-mha-reference"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.attnc_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
