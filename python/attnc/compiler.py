"""attnc.compile: the `attnc compile` command, run as a subprocess."""
import os
import shutil
import subprocess

from .errors import CompileError, Error

_HERE = os.path.dirname(os.path.abspath(__file__))
# Where the driver lies relative to this package: installed, build tree.
_RELATIVE_BINS = (os.path.join("..", "..", "..", "..", "bin"), os.path.join("..", "..", "bin"))


def compiler_path():
    """$ATTNC_COMPILER; else the `attnc` of this package's prefix or build
    tree; else the one on PATH."""
    if os.environ.get("ATTNC_COMPILER"):
        return os.environ["ATTNC_COMPILER"]
    for rel in _RELATIVE_BINS:
        path = os.path.normpath(os.path.join(_HERE, rel, "attnc"))
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("attnc")
    if not found:
        raise Error("cannot find the attnc compiler: set ATTNC_COMPILER or put attnc "
                    "on PATH")
    return found


def compile(source, output=None, config=None, defines=None, target_cpu=None,
            target_features=None, args=()):
    """Compiles a .attn model to a shared library (or, by output's extension,
    an object file) and returns the output's path:

        attnc.compile("gpt2.attn", output="gpt2.so", defines={"n_layer": 2})

    `config` is a Hugging Face config.json; `defines` override constants
    (-D name=value); `target_cpu` and `target_features` choose the machine
    (default: this one); `args` go to `attnc compile` as they are. Raises
    CompileError carrying the compiler's diagnostics."""
    if output is None:
        output = os.path.splitext(os.path.basename(source))[0] + ".so"
    command = [compiler_path(), "compile", os.fspath(source), "-o", os.fspath(output)]
    if config is not None:
        command += ["--config", os.fspath(config)]
    for name, value in (defines or {}).items():
        command += ["-D", f"{name}={value}"]
    if target_cpu is not None:
        command += ["--target-cpu", target_cpu]
    if target_features is not None:
        command += ["--target-features", target_features]
    command += list(args)
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError as e:
        raise Error(f"cannot run {command[0]}: {e}") from e
    if done.returncode != 0:
        raise CompileError(done.stderr.strip() or
                           f"attnc compile exited with status {done.returncode}")
    return output
