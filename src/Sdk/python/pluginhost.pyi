"""Type stubs for ``pluginhost``, the SDK module PluginHost provides in every plugin's interpreter.

The module is native (built into the host); these stubs let editors complete and type-check plugin code.
Point your editor or type checker at this folder (e.g. ``mypy_path``/``extraPaths``), or copy the file
next to your plugin.
"""
from typing import Any, Final, final

@final
class Context:
    """The context of one plugin instance, passed to ``setup(ctx)`` and returned by :func:`context`."""

    @property
    def name(self) -> str:
        """The plugin's name from its manifest."""
    @property
    def instance(self) -> int:
        """This instance's number, from 0 (a manifest's ``instances`` runs that many interpreters)."""
    @property
    def settings(self) -> dict[str, Any]:
        """Settings: the manifest's defaults with configuration overrides applied (a copy owned by this interpreter)."""
    def log(self, level: int, message: str, /) -> None:
        """Sends a record at a Python logging level (``logging.INFO`` etc.) to the host's log."""

@final
class Stream:
    """File-like object the host installs as ``sys.stdout``/``sys.stderr``: output becomes host log lines."""

    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...
    def isatty(self) -> bool: ...
    def writable(self) -> bool: ...

stdout: Final[Stream]
"""Where ``print()`` goes: one Information log line per line of text."""

stderr: Final[Stream]
"""``sys.stderr``: one Error log line per line of text."""

def log(level: int, message: str, logger: str = "", /) -> None:
    """Sends a record to the host's log; ``logging`` records already arrive here through the host's handler."""

def context() -> Context:
    """This plugin instance's context."""
