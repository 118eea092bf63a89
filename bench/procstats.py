"""Peak resident memory of a process tree, from Linux /proc (no extra package needed)."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def _status_kib(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/<pid>/status (0 if the process is gone)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in (PROC / str(pid) / "task").glob("*/children"):
        try:
            children += [int(child) for child in task.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return children


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += _children(current)
    return tree


def peak_rss_mib(pid: int) -> float:
    """Sum of the peak resident set sizes (VmHWM) of ``pid`` and its descendants, in MiB."""
    return sum(_status_kib(member, "VmHWM") for member in process_tree(pid)) / 1024
