"""Runs a plan (fidelity.py) inside an isolated subinterpreter of plain python, as CPython itself makes one:
`_interpreters.create()` on 3.13, `_xxsubinterpreters.create()` on 3.12 (both isolated: own GIL, multi-phase
extension modules only). What fails here as in a plugin is a CPython limitation, not the host's doing.

    python3.X -I subinterpreter.py PLAN
"""
import os
import sys

try:
    import _interpreters as interpreters
except ImportError:  # 3.12
    import _xxsubinterpreters as interpreters

HERE = os.path.dirname(os.path.abspath(__file__))


def main(plan):
    interp = interpreters.create()
    code = f"import sys; sys.path.insert(0, {HERE!r}); import fidelity; fidelity.run_plan({plan!r}, 'interpreters')"
    failure = interpreters.run_string(interp, code)  # 3.13 returns the uncaught exception's snapshot; 3.12 raises
    sys.stdout.flush()
    sys.stderr.flush()
    # The outcomes are in the plan's files. Ending the interpreter and finalizing is skipped: CPython 3.12.1 corrupts
    # its heap there after a subinterpreter refused _decimal or _datetime ("free(): invalid pointer", SIGABRT).
    os._exit(0 if failure is None else 1)


if __name__ == "__main__":
    # A test's _thread.interrupt_main() in the subinterpreter interrupts the main interpreter (here, waiting in
    # run_string), not the test: ignored, so that the run ends with its outcomes rather than a KeyboardInterrupt.
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    main(sys.argv[1])
