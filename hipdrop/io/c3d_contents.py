"""C3D file contents parsed by ezc3d in a child process, so that a damaged file cannot take
hipdrop down with it.

ezc3d trusts the sizes written in a file: a few damaged bytes in a parameter's dimensions
make it crash (segmentation fault) or allocate many gigabytes for minutes. Parsing in a
child process with an address-space cap and a time limit turns both into a one-line
:class:`HipdropError`; the parent gets plain numpy arrays and dicts back.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hipdrop.errors import HipdropError

#: Time allowed for a parse: interpreter start-up on a busy machine, plus time per megabyte
#: (real files parse at about 20 ms/MB, so this is a generous margin).
BASE_TIME_LIMIT_S = 10.0
TIME_LIMIT_S_PER_MB = 1.0
#: Address space the child may add while parsing: ezc3d holds each value in an object much
#: larger than its bytes in the file, numpy then copies it (about 20 x the file at most).
BASE_MEMORY_BYTES = 1 << 30
MEMORY_BYTES_PER_FILE_BYTE = 100

_BLOCK_BYTES = 512
_KEY_BYTE = 0x50
#: Processor codes in a parameter section header: Intel, DEC, MIPS.
_PROCESSORS = (84, 85, 86)


@dataclass(frozen=True)
class C3DContents:
    """What hipdrop uses of a C3D file.

    ``parameters`` maps group -> parameter -> ezc3d's entry dict (``"value"`` and others);
    ``points`` is (4, points, frames), ``analogs`` (channels, samples) scaled by ezc3d.
    """

    parameters: dict
    points: np.ndarray
    analogs: np.ndarray
    point_rate_hz: float
    first_frame: int
    analog_rate_hz: float


def parameter_value(group: dict, name: str, default=None):
    """Parameter ``name``'s value in one group of :attr:`C3DContents.parameters`, or
    ``default`` when the group holds no such parameter (or a malformed entry)."""
    entry = group.get(name)
    return entry["value"] if isinstance(entry, dict) and "value" in entry else default


def check_c3d_header(path: Path) -> None:
    """Raise a HipdropError unless ``path`` starts like a C3D file: the header's key byte and
    a parameter section inside the file with a known processor type."""
    size = path.stat().st_size
    with path.open("rb") as file:
        header = file.read(2)
        if len(header) < 2 or header[1] != _KEY_BYTE:
            raise _unreadable(path, "no C3D header")
        parameter_block = header[0]
        if parameter_block < 2:
            raise _unreadable(path, "no parameter section")
        file.seek((parameter_block - 1) * _BLOCK_BYTES)
        section = file.read(4)
    if len(section) < 4:
        raise _unreadable(path, "no parameter section")
    if section[3] not in _PROCESSORS:
        raise _unreadable(path, f"unknown processor type {section[3]}")
    if (parameter_block - 1 + section[2]) * _BLOCK_BYTES > size:
        raise _unreadable(path, "the parameter section is cut off")


def _unreadable(path: Path, reason: str) -> HipdropError:
    """The error for a file that is not a C3D file hipdrop can read, and why."""
    return HipdropError(f"cannot read {path.name} as C3D: {reason}")


def time_limit_s(size_bytes: int) -> float:
    """Seconds a parse of a file of ``size_bytes`` may take before it counts as a hang."""
    return BASE_TIME_LIMIT_S + TIME_LIMIT_S_PER_MB * size_bytes / 1e6


def read_c3d_contents(path: str | Path, limit_s: float | None = None) -> C3DContents:
    """Parse ``path`` with ezc3d in a child process; any failure is a one-line HipdropError.

    ``limit_s`` defaults to :func:`time_limit_s` of the file size; past it the child is
    killed. The child is a fresh interpreter (not multiprocessing, whose spawn re-runs a
    calling script without a ``__main__`` guard); its own output is discarded.
    """
    path = Path(path)
    if not path.is_file():
        raise HipdropError(f"no such C3D file: {path}")
    if importlib.util.find_spec("ezc3d") is None:
        raise HipdropError("reading C3D needs the ezc3d package: pip install 'hipdrop[mocap]'")
    check_c3d_header(path)
    size = path.stat().st_size
    limit_s = time_limit_s(size) if limit_s is None else limit_s
    memory_bytes = BASE_MEMORY_BYTES + MEMORY_BYTES_PER_FILE_BYTE * size
    request = {"sys_path": sys.path, "path": str(path.resolve()), "memory_bytes": memory_bytes}
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as error:
        raise _unreadable(path, f"cannot start a Python process: {error}") from None
    try:
        output, errors = child.communicate(pickle.dumps(request), timeout=limit_s)
    except subprocess.TimeoutExpired:
        raise _unreadable(path, f"ezc3d gave no result in {limit_s:.3g} s") from None
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    if child.returncode != 0 or not output:
        reason = _exit_reason(child.returncode, errors)
        raise _unreadable(path, reason)
    outcome, payload = pickle.loads(output)
    if outcome == "error":
        raise _unreadable(path, f"ezc3d: {payload}")
    return payload


#: The child's program: it reads its request from stdin and imports hipdrop from the
#: parent's module path, as multiprocessing's spawn does.
_CHILD_CODE = (
    "import pickle, sys; request = pickle.load(sys.stdin.buffer); "
    "sys.path[:] = request['sys_path']; "
    "from hipdrop.io.c3d_contents import _child_main; _child_main(request)"
)


def _exit_reason(returncode: int, errors: bytes) -> str:
    """Why the child gave no result: a signal, or the last line it wrote before parsing."""
    if returncode < 0:
        try:
            return f"ezc3d crashed ({signal.Signals(-returncode).name})"
        except ValueError:
            return f"ezc3d crashed (signal {-returncode})"
    lines = errors.decode(errors="replace").strip().splitlines()
    detail = f": {lines[-1].strip()}" if lines else ""
    return f"the ezc3d process exited with code {returncode}{detail}"


def _child_error(error: BaseException) -> str:
    """One line for a parse that failed with ``error`` in the child."""
    text = " ".join(str(error).split())
    if isinstance(error, MemoryError) or "bad_alloc" in text:
        return "sizes in the file ask for more memory than such a file can fill"
    # ezc3d's first sentence says what is wrong; later ones name its own C++ options.
    return text.split(". ")[0] if text else type(error).__name__


def _child_main(request: dict) -> None:
    """Child process: parse ``request["path"]`` and write a pickled ("ok", C3DContents) or
    ("error", message) to the original stdout; ezc3d's own output goes nowhere."""
    path, memory_bytes = request["path"], request["memory_bytes"]
    result = os.fdopen(os.dup(1), "wb")
    _silence_output()
    _cap_address_space(memory_bytes)
    try:
        import ezc3d

        outcome = ("ok", _contents(ezc3d.c3d(path)))
    except Exception as error:  # ezc3d raises bare RuntimeErrors and OSErrors
        outcome = ("error", _child_error(error))
    with result:
        pickle.dump(outcome, result, protocol=pickle.HIGHEST_PROTOCOL)


def _contents(c3d) -> C3DContents:
    """Plain dicts and arrays from an ezc3d object (which does not cross processes)."""
    parameters = {
        str(group): {str(name): entry for name, entry in entries.items()}
        for group, entries in c3d["parameters"].items()
        if isinstance(entries, dict)
    }
    analogs = np.asarray(c3d["data"]["analogs"], dtype=float)  # (1, channels, samples)
    header = c3d["header"]
    return C3DContents(
        parameters,
        np.asarray(c3d["data"]["points"], dtype=float),
        analogs[0] if analogs.ndim == 3 and len(analogs) else np.empty((0, 0)),
        float(header["points"]["frame_rate"]),
        int(header["points"]["first_frame"]),
        float(header["analogs"]["frame_rate"]),
    )


def _silence_output() -> None:
    """Send the child's stdout and stderr to the null device: the parent reports errors."""
    null = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _cap_address_space(extra_bytes: int) -> None:
    """Let the child grow by ``extra_bytes`` at most, so that a size read from a damaged file
    fails at once instead of filling the machine's memory (Linux; elsewhere the time limit)."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        limit = in_use + extra_bytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        return
