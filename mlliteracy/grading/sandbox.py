"""Run a grading worker with no network, a read-only filesystem and the instructor's files hidden.

``grade --sandbox`` wraps each worker command (``python -m mlliteracy.grading.execute``, which
starts the learner's kernel as its child) with :meth:`Sandbox.wrap`. The worker and its kernel
then run in new user, mount, network, PID, IPC and UTS namespaces:

- the network namespace has only a loopback device (the kernel's own ZMQ sockets work, nothing
  outside answers, not even a server on the grader's ``127.0.0.1``);
- every mount is read-only; the job's work folder is the one writable place besides a private,
  empty ``/tmp``, ``/dev/shm`` and ``$HOME``;
- ``$HOME``, ``/run``, the solutions (the key and its hidden probes), the gradebook, the feedback
  pages, the other submissions and the checkout's ``.git`` are covered by empty folders; what the
  worker needs under them (the interpreter, the package source, the model caches) is mounted
  back read-only;
- the worker runs with no capabilities (it cannot undo a mount) and sees only its own processes.

It uses bubblewrap (``bwrap``) when it works here, else util-linux ``unshare`` with the setup
done by this module (``python -m mlliteracy.grading.sandbox``). CPU and memory stay the
grader's limits (the watchdog sees the whole tree from outside); there is no seccomp filter.

Example:
    >>> box = sandbox_plan(root=".", solution=None, out="gradebook.csv", feedback=None)
    >>> box.wrap(["python", "-c", "pass"], "/tmp/mll-grade-x")[0]
    'unshare'
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._core import html as _html
from .._core.errors import MLLError, first_line

#: mechanisms in the order they are tried
MECHANISMS = ("bwrap", "unshare")
#: folders never covered by an empty one (a secret directly inside them is hidden file by file)
SYSTEM_DIRS = ("/", "/bin", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys", "/usr")
#: caches the exercises read (environment variable, default under the cache folder)
CACHES = (
    ("HF_HOME", "huggingface"),
    ("HF_HUB_CACHE", None),
    ("HUGGINGFACE_HUB_CACHE", None),
    ("TRANSFORMERS_CACHE", None),
    ("SENTENCE_TRANSFORMERS_HOME", None),
    ("TORCH_HOME", "torch"),
    (None, "mlliteracy"),
)
FIX = (
    "install bubblewrap (apt install bubblewrap) or allow unprivileged user namespaces "
    "(sysctl kernel.unprivileged_userns_clone=1), or grade without --sandbox inside a container"
)
#: size of each private writable tmpfs (/tmp, $HOME, /dev/shm): its pages are not in the
#: kernel's resident memory, so the memory watchdog does not see them
TMPFS_MB = 256
PROBE = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()"


@dataclass(frozen=True)
class Sandbox:
    """How each worker is isolated: the mechanism and the mounts, in the order they are made."""

    #: ``"bwrap"`` or ``"unshare"``
    mechanism: str
    #: ``(kind, path)``: ``"tmpfs"`` an empty folder over it, ``"ro"`` the real one back
    #: read-only, ``"null"`` an empty file over a secret file
    mounts: tuple[tuple[str, str], ...]
    #: folders that stay writable (private tmpfs); the job's work folder is added by ``wrap``
    writable: tuple[str, ...]

    @property
    def hidden(self) -> tuple[str, ...]:
        """Paths the learner's code cannot read."""
        return tuple(p for kind, p in self.mounts if kind != "ro")

    def wrap(self, cmd: Sequence[str], workdir: str | Path) -> list[str]:
        """``cmd`` run inside the sandbox, with ``workdir`` its one writable real folder."""
        workdir = os.path.realpath(workdir)
        if self.mechanism == "bwrap":
            return [*self._bwrap_args(workdir), "--", *cmd]
        spec = {"mounts": self.mounts, "writable": self.writable, "workdir": workdir}
        return [
            *UNSHARE_ARGS,
            sys.executable,
            "-m",
            __name__,
            json.dumps(spec),
            *cmd,
        ]

    def _bwrap_args(self, workdir: str) -> list[str]:
        args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop"]
        args += ["ALL", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        args += ["--size", str(TMPFS_MB * 2**20), "--tmpfs", "/dev/shm"]
        for path in PROC_RO:  # bwrap leaves /proc/sys writable to a root caller
            args += ["--ro-bind-try", path, path]
        for kind, path in self.mounts:
            if kind == "tmpfs":
                args += ["--size", str(TMPFS_MB * 2**20), "--tmpfs", path]
                if path not in self.writable:
                    args += ["--remount-ro", path]
            else:
                args += ["--ro-bind", "/dev/null" if kind == "null" else path, path]
        return [*args, "--bind", workdir, workdir, "--chdir", workdir, "--setenv", "TMPDIR", "/tmp"]

    def _rows(self) -> list[tuple[str, str]]:
        word = {"tmpfs": "hidden (empty folder)", "ro": "read-only again", "null": "hidden (empty)"}
        rows = [
            (p, "private, empty, writable" if p in self.writable else word[k])
            for k, p in self.mounts
        ]
        return [*rows, ("/dev/shm", "private, empty, writable"), ("job folder", "writable")]

    def __repr__(self) -> str:
        head = f"Sandbox({self.mechanism}): no network, read-only filesystem, no capabilities"
        return head + "\n" + _html.text_table(["path", "inside"], self._rows())

    def _repr_html_(self) -> str:
        caption = f"sandbox ({self.mechanism}): no network, read-only filesystem"
        return _html.table(["path", "inside"], self._rows(), caption=caption)


#: util-linux unshare: new namespaces, this module's setup runs as their PID 1
UNSHARE_ARGS = (
    "unshare",
    "--user",
    "--map-root-user",
    "--mount",
    "--net",
    "--pid",
    "--ipc",
    "--uts",
    "--fork",
    "--kill-child",
)


def _real(path: str | Path) -> str:
    return os.path.realpath(os.path.expanduser(str(path)))


def _under(path: str, folder: str) -> bool:
    return folder == "/" or path == folder or path.startswith(folder.rstrip("/") + "/")


def needed_paths() -> list[str]:
    """What the worker reads that may lie under a hidden folder: Python, the package, caches."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    paths = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix]
    paths += [os.path.dirname(_real(sys.executable)), str(Path(__file__).resolve().parents[1])]
    for var, default in CACHES:
        value = os.environ.get(var) if var else None
        paths += [value] if value else ([os.path.join(cache, default)] if default else [])
    real = {_real(p) for p in paths if p}
    return sorted(p for p in real if os.path.exists(p))


def plan_mounts(
    secrets: Iterable[str], needed: Iterable[str], home: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """The mounts, outermost first: ``(mounts, writable folders)``.

    ``secrets`` are existing folders (covered by an empty one) or files (an empty file over
    them); ``needed`` are mounted back read-only where a cover hides them. A path is handled
    only if the mounts before it leave it in the wrong state, so nothing is mounted twice.
    """
    writable = {"/tmp", *([home] if home not in SYSTEM_DIRS else [])}
    wanted = [(p, "tmpfs") for p in writable]
    wanted += [("/run", "tmpfs")] if os.path.isdir("/run") else []
    for path in map(_real, secrets):
        kind = "tmpfs" if os.path.isdir(path) else "null" if os.path.isfile(path) else None
        if kind and path not in SYSTEM_DIRS:
            wanted.append((path, kind))
    wanted += [(_real(p), "ro") for p in needed if os.path.exists(p)]
    mounts: list[tuple[str, str]] = []
    for path, kind in sorted(set(wanted), key=lambda w: (len(w[0]), w[0], w[1] != "ro")):
        below = [k for k, p in mounts if _under(path, p)]
        hidden = bool(below) and below[-1] != "ro"
        if (kind == "ro") == hidden or path in writable:
            mounts.append((kind, path))
    return mounts, sorted(p for _, p in mounts if p in writable)


def sandbox_plan(
    *,
    root: str | Path,
    solution: str | Path | None,
    out: str | Path,
    feedback: str | Path | None,
    submissions: Iterable[str | Path] = (),
) -> Sandbox:
    """Check that a sandbox works here and plan what each worker sees.

    Args:
        root: the checkout whose ``solutions/`` and ``.git`` are hidden.
        solution: a solution notebook graded against (its folder is hidden).
        out: the gradebook (its folder is hidden).
        feedback: the feedback folder (hidden).
        submissions: the submitted files (their folders are hidden; each job gets a copy).

    Raises:
        MLLError: neither bubblewrap nor ``unshare`` can build a sandbox here (one line, the fix).

    Example:
        >>> sandbox_plan(root=".", solution=None, out="gradebook.csv", feedback=None).hidden
    """
    secrets = [Path(root) / "solutions", Path(root) / ".git", *([feedback] if feedback else [])]
    for path in [out, *([solution] if solution else []), *submissions]:
        folder = os.path.dirname(_real(path))
        secrets.append(folder if folder not in SYSTEM_DIRS else path)
    mounts, writable = plan_mounts(map(str, secrets), needed_paths(), _real(Path.home()))
    problems = []
    for mechanism in MECHANISMS:
        box = Sandbox(mechanism, tuple(mounts), tuple(writable))
        problem = probe(box)
        if problem is None:
            return box
        problems.append(f"{mechanism}: {problem}")
    raise MLLError(
        f"grade --sandbox cannot isolate the kernels here ({'; '.join(problems)}); {FIX}"
    )


def probe(box: Sandbox) -> str | None:
    """``None`` when ``box`` runs a Python with a working loopback; else why not (one line)."""
    tool = "bwrap" if box.mechanism == "bwrap" else "unshare"
    if shutil.which(tool) is None:
        return f"{tool} is not on PATH"
    scratch = tempfile.mkdtemp(prefix="mll-sandbox-")
    try:
        cmd = box.wrap([sys.executable, "-c", PROBE], scratch)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return first_line(err, 120)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if done.returncode != 0:
        lines = (done.stderr or "").strip().splitlines()
        return first_line(RuntimeError(lines[-1] if lines else f"exit {done.returncode}"), 120)
    return None


# ----------------------------------------------------------------- inside the namespaces (PID 1)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 1
#: /proc parts that stay read-only (container runtimes do the same)
PROC_RO = ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus")


class _MountAttr(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("set", "clr", "propagation", "userns_fd")]


_LIBC = ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    enc = [None if s is None else s.encode() for s in (src, target, fstype, data or None)]
    _check(_LIBC.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]), f"mount {target}")


def _readonly(path: str, readonly: bool = True, recursive: bool = False) -> None:
    attr = _MountAttr(MOUNT_ATTR_RDONLY if readonly else 0, 0 if readonly else MOUNT_ATTR_RDONLY)
    flags = AT_RECURSIVE if recursive else 0
    rc = _LIBC.syscall(
        ctypes.c_long(SYS_MOUNT_SETATTR),
        ctypes.c_int(AT_FDCWD),
        ctypes.c_char_p(path.encode()),
        ctypes.c_uint(flags),
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
    )
    _check(rc, f"mount_setattr {path} (needs Linux 5.12 or later)")


def _bind(fd: int, target: str) -> None:
    if not os.path.exists(target):
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            Path(target).touch()  # an empty mount point
    _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)


def _loopback_up() -> None:
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        got = fcntl.ioctl(s, 0x8913, struct.pack("16sH22x", b"lo", 0))  # SIOCGIFFLAGS
        flags = struct.unpack("16sH22x", got)[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP


def _drop_capabilities() -> None:
    _check(_LIBC.prctl(28, 0x0F, 0, 0, 0), "securebits")  # NOROOT, NO_SETUID_FIXUP, locked
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        _check(_LIBC.prctl(24, cap, 0, 0, 0), f"drop capability {cap}")  # PR_CAPBSET_DROP
    _check(_LIBC.prctl(47, 4, 0, 0, 0), "clear ambient capabilities")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    _check(_LIBC.capset(header, (ctypes.c_uint32 * 6)()), "capset")
    _check(_LIBC.prctl(38, 1, 0, 0, 0), "no_new_privs")


def enter(spec: dict, cmd: list[str]) -> None:
    """Build the sandbox from ``spec`` in the new namespaces, then become ``cmd``."""
    workdir = spec["workdir"]
    fds = {p: os.open(p, os.O_PATH) for kind, p in spec["mounts"] if kind == "ro"}
    work_fd = os.open(workdir, os.O_PATH)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    for kind, path in spec["mounts"]:
        if kind == "tmpfs":
            mode = "1777" if path == "/tmp" else "0755"
            os.makedirs(path, exist_ok=True)  # only missing inside an earlier tmpfs
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode},size={TMPFS_MB}m")
        elif kind == "ro":
            _bind(fds[path], path)
        else:
            _mount("/dev/null", path, None, MS_BIND)
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={TMPFS_MB}m")
    _bind(work_fd, workdir)
    _readonly("/", recursive=True)
    for path in [*spec["writable"], "/dev/shm", workdir]:
        _readonly(path, readonly=False)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in PROC_RO:
        if os.path.exists(path):
            _mount(path, path, None, MS_BIND | MS_REC)
            _readonly(path, recursive=True)
    _loopback_up()
    _drop_capabilities()
    os.chdir(workdir)
    os.environ["TMPDIR"] = "/tmp"
    os.execvp(cmd[0], cmd)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        enter(json.loads(args[0]), args[1:])
    except (OSError, ValueError, IndexError) as err:
        print(f"mlliteracy sandbox: {first_line(err, 200)}", file=sys.stderr)
    return 126


if __name__ == "__main__":
    sys.exit(main())
