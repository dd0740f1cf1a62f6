"""Runs CPython's own unittest modules (Lib/test) and records every test's outcome as JSON.

The same file runs in three places, so that only the place differs: inside a PluginHost plugin (main.py), under the
plain python executable (`python3.X -I fidelity.py PLAN`) and inside an isolated subinterpreter of plain python
(subinterpreter.py). A plan is a JSON file: {"out": dir, "modules": [{"name": "test.test_json", "ids": null, "skip": []}, ...]}.
Several workers may share one plan: each claims a module by creating <out>/<module>.started, then writes
<out>/<module>.json when the module has run; a module started but never finished is how a crash or hang shows.
"""
import json
import os
import re
import sys
import time
import traceback
import unittest

OK, FAILURE, ERROR, SKIPPED = "ok", "failure", "error", "skipped"
EXPECTED_FAILURE, UNEXPECTED_SUCCESS = "expected-failure", "unexpected-success"
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def test_id(test):
    # Subtest parameters may hold object reprs; an address differs from run to run.
    return _ADDRESS.sub("0x?", test.id())


def _summary(err):
    """The exception as `traceback` prints its last lines, shortened: enough to read a difference, never compared."""
    text = "".join(traceback.format_exception_only(err[0], err[1])).strip() or repr(err[1])
    # The loader's ImportError carries the import's traceback: its cause is at the end.
    return text if len(text) <= 600 else text[:250] + " [...] " + text[-350:]


class Recorder(unittest.TestResult):
    """A result that keeps each test's outcome by id (subtests by their own id) instead of printing."""

    def __init__(self):
        super().__init__()
        self.outcomes = {}
        self.details = {}

    def _put(self, test, outcome, detail=None):
        key = test_id(test)
        self.outcomes[key] = outcome
        if detail is not None:
            self.details[key] = detail

    def addSuccess(self, test):
        super().addSuccess(test)
        self._put(test, OK)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._put(test, FAILURE, _summary(err))

    def addError(self, test, err):
        super().addError(test, err)
        self._put(test, ERROR, _summary(err))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._put(test, SKIPPED, str(reason)[:400])

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._put(test, EXPECTED_FAILURE)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._put(test, UNEXPECTED_SUCCESS)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._put(subtest, FAILURE if issubclass(err[0], test.failureException) else ERROR, _summary(err))


def _flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _flatten(test)
        else:
            yield test


def _wanted(test, ids):
    """Whether a test is one of `ids`: a test id, a subtest's id (its test runs) or a class fixture's id."""
    tid = test.id()
    cls = tid.rsplit(".", 1)[0]
    return any(tid == i or i.startswith(tid + " ") or i.endswith("(" + cls + ")") for i in ids)


def _filtered(suite, keep):
    # A class fixture (setUpClass) only runs when its tests do: keep the suite's shape, drop unwanted tests.
    kept = unittest.TestSuite()
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            inner = _filtered(test, keep)
            if inner.countTestCases():
                kept.addTest(inner)
        elif keep(test):
            kept.addTest(test)
    return kept


def configure_support():
    """What regrtest sets before it runs a test module: quiet, and no optional resources (network, cpu, ...)."""
    from test import support
    support.verbose = 0
    support.use_resources = []


def run_module(name, ids=None, skip=()):
    """Runs one test module (or only `ids` of it, never those in `skip`) and returns its record."""
    started = time.monotonic()
    result = Recorder()
    try:
        suite = unittest.defaultTestLoader.loadTestsFromName(name)
        if ids is not None:
            suite = _filtered(suite, lambda test: _wanted(test, set(ids)))
        if skip:
            suite = _filtered(suite, lambda test: test.id() not in skip)
        suite.run(result)
    except BaseException as error:  # KeyboardInterrupt included: the host's StartTimeout interrupts this way
        result.outcomes["<run> " + name] = ERROR
        result.details["<run> " + name] = _summary((type(error), error, error.__traceback__))
        if not isinstance(error, Exception):
            raise
    counts = {
        "run": result.testsRun,
        "failures": len(result.failures),
        "errors": len(result.errors),
        "skipped": len(result.skipped),
        "expectedFailures": len(result.expectedFailures),
        "unexpectedSuccesses": len(result.unexpectedSuccesses),
    }
    return {
        "module": name,
        "python": sys.version.split()[0],
        "seconds": round(time.monotonic() - started, 2),
        "counts": counts,
        "tests": result.outcomes,
        "details": result.details,
    }


def _claim(path):
    try:
        with open(path, "x") as claim:
            claim.write(str(time.time()))
        return True
    except FileExistsError:
        return False


def _write(path, record):
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(record, out, ensure_ascii=True, indent=0, sort_keys=True)
    os.replace(path + ".tmp", path)


def run_plan(plan_path, worker):
    """Claims and runs the plan's modules one after the other until none is left."""
    with open(plan_path, encoding="utf-8") as f:
        plan = json.load(f)
    out = plan["out"]
    configure_support()
    for module in plan["modules"]:
        name = module["name"]
        base = os.path.join(out, name)
        if not _claim(base + ".started"):
            continue
        record = run_module(name, module.get("ids"), set(module.get("skip", ())))
        record["worker"] = worker
        _write(base + ".json", record)


if __name__ == "__main__":
    # As python3 in a terminal: Ctrl+C (and _thread.interrupt_main) raise KeyboardInterrupt, even when started from
    # a shell that ignores SIGINT for background jobs.
    import signal
    signal.signal(signal.SIGINT, signal.default_int_handler)
    run_plan(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "python")
