"""The library's exceptions. Only the CLI turns them into messages and exit codes."""

from __future__ import annotations

__all__ = ["DedupError", "InputError", "SettingsError", "unexpected"]


class DedupError(Exception):
    """Base class of every error dedup raises on purpose."""


class InputError(DedupError):
    """An article cannot be read: missing, binary, empty, too large, or not an article at all."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self):  # keeps the error intact across process boundaries
        return type(self), (self.path, self.reason)


class SettingsError(DedupError, ValueError):
    """A parameter is outside its allowed range; the message names the parameter and the range."""


def unexpected(error: Exception) -> str:
    """An exception dedup did not raise on purpose, in one line: its type and its message's first line.

    The reason given for the one file or pair it stopped (a scan goes on with the others)."""
    lines = str(error).strip().splitlines()
    return f"unexpected error: {type(error).__name__}" + (f": {lines[0]}" if lines else "")
