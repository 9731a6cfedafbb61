"""A process tree as /proc shows it (Linux): for the local stack's tests (orphans) and benchmark (memory)."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def children(pid: int) -> set[int]:
    """The process's direct children (from every thread's children list)."""
    found: set[int] = set()
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue  # the thread or the process ended meanwhile
    return found


def descendants(pid: int) -> set[int]:
    """Every process below pid."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children(pending.pop()) - found:
            found.add(child)
            pending.append(child)
    return found


def _kilobytes(path: Path, field: str) -> int:
    try:
        text = path.read_text()
    except OSError:
        return 0  # the process has ended
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return 0


def rss_bytes(pid: int) -> int:
    """Resident memory of one process, shared pages (libraries) included in full."""
    return _kilobytes(PROC / str(pid) / "status", "VmRSS")


def pss_bytes(pid: int) -> int:
    """Proportional set size: resident memory with each shared page divided among its sharers."""
    return _kilobytes(PROC / str(pid) / "smaps_rollup", "Pss")


def tree_memory_bytes(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of pid and all its descendants, added up; the PSS sum counts shared pages once."""
    members = {pid, *descendants(pid)}
    return sum(map(rss_bytes, members)), sum(map(pss_bytes, members))


def alive(pid: int) -> bool:
    """Whether pid is a live process (a zombie awaiting its parent counts as gone)."""
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status
