"""The fidelity suite's plugin: runs its plan's CPython test modules in setup (on the interpreter's own thread, as
python3 runs a script on its main thread). See tests/Fidelity/README.md."""
import fidelity


def setup(ctx):
    fidelity.run_plan(ctx.settings["plan"], f"plugin:{ctx.settings.get('worker', '')}")
