"""Single-phase-init extension modules stay out of a plugin's interpreter."""
import importlib.util

import _imp
from redteam import attack, on_message  # noqa: F401


@attack("_imp._override_multi_interp_extensions_check(-1): CPython's check switched off", needs="")
def override_check():
    return _imp._override_multi_interp_extensions_check(-1)


@attack("readline, a single-phase module of the standard library (refused by CPython, explained)", refused_by="ImportError")
def readline():
    import readline
    return readline


if importlib.util.find_spec("_testsinglephase") is not None:
    @attack("_testsinglephase, CPython's own single-phase test module", needs="native-code")
    def test_single_phase():
        import _testsinglephase
        return _testsinglephase


@attack("readline's file under the name of a multi-phase module", needs="")
def renamed():
    spec = importlib.util.find_spec("readline")
    other = importlib.util.spec_from_file_location("x._json", spec.origin)
    return importlib.util.module_from_spec(other)
