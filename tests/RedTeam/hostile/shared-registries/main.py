"""No interpreter, queue or channel registry of the process is reachable from a plugin."""
import importlib.util

from redteam import attack, on_message  # noqa: F401

for module in ("_interpreters", "_xxsubinterpreters", "_interpqueues", "_interpchannels", "_xxinterpchannels"):
    if importlib.util.find_spec(module) is not None:
        attack(f"import {module}", needs="")(lambda module=module: __import__(module))

if importlib.util.find_spec("test") is not None:
    @attack("the standard library's test.support.interpreters wrapper", needs="")
    def support_interpreters():
        import test.support.interpreters as interpreters
        return interpreters.list_all()

