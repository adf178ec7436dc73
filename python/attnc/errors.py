"""attnc.Error and one subclass per status code of the C API (runtime.h)."""


class Error(Exception):
    """A failure of the attnc runtime or compiler. `status` is the C API's
    status name ("ATTNC_ERROR_IO", ...), or None for errors of the package
    itself; str(error) is the runtime's message."""

    status = None

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class IoError(Error, OSError):
    """A file could not be opened or read (ATTNC_ERROR_IO)."""
    status = "ATTNC_ERROR_IO"


class FormatError(Error):
    """A file or manifest is malformed (ATTNC_ERROR_FORMAT)."""
    status = "ATTNC_ERROR_FORMAT"


class MismatchError(Error, ValueError):
    """Weights or inputs do not fit the model (ATTNC_ERROR_MISMATCH)."""
    status = "ATTNC_ERROR_MISMATCH"


class InvalidArgumentError(Error, ValueError):
    """An argument is out of range or of the wrong kind
    (ATTNC_ERROR_INVALID_ARGUMENT)."""
    status = "ATTNC_ERROR_INVALID_ARGUMENT"


class AbiError(Error):
    """Not an attnc model, or one of another ABI (ATTNC_ERROR_ABI)."""
    status = "ATTNC_ERROR_ABI"


class StateError(Error):
    """The call does not fit the object's state: running before loading
    weights, using a closed model (ATTNC_ERROR_STATE)."""
    status = "ATTNC_ERROR_STATE"


class OutOfMemoryError(Error, MemoryError):
    status = "ATTNC_ERROR_OUT_OF_MEMORY"


class ModelError(Error):
    """The compiled model reported a failure (ATTNC_ERROR_MODEL)."""
    status = "ATTNC_ERROR_MODEL"


class InternalError(Error):
    """A bug in the runtime (ATTNC_ERROR_INTERNAL)."""
    status = "ATTNC_ERROR_INTERNAL"


class CompileError(Error):
    """`attnc compile` failed; the message is its diagnostics."""


# By the values of runtime.h's attnc_status.
_BY_CODE = {1: IoError, 2: FormatError, 3: MismatchError, 4: InvalidArgumentError,
            5: AbiError, 6: StateError, 7: OutOfMemoryError, 8: ModelError,
            9: InternalError}


def check(status):
    """Raises the exception for a failed C call, with attnc_last_error()."""
    if status == 0:
        return
    from ._library import library

    lib = library()
    message = (lib.attnc_last_error() or b"").decode("utf-8", "replace")
    cls = _BY_CODE.get(status, Error)
    if cls is Error:
        raise Error(message or f"unknown status {status}", f"status {status}")
    raise cls(message or cls.status)
