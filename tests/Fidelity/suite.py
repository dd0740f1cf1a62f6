"""The fidelity suite: CPython's own test modules inside a plugin of the real host, compared with plain python.

For each CPython (3.13 and 3.12) it runs the modules of modules.txt twice at once — under the installation's plain
python executable (`python3.X -I`) and in a plugin of a real `pluginhost` process embedding that installation —
and compares every test's outcome (ok, failure, error, skipped, ...) and each module's counts. A difference fails
the suite unless allowlist.toml lists it; one it lists as a CPython limitation is run again in an isolated
`_interpreters` subinterpreter of plain python, where it must not come out as under plain python either. A
difference the allowlist does not explain is run once more on both sides before it counts (timing-sensitive tests
exist in Lib/test). An entry that matched nothing is stale: a failure. See
README.md.

    python3 tests/Fidelity/suite.py [--python 3.13] [--python 3.12] [--modules test.test_json,...] [--keep]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import allowlist

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "runner"
REPO = HERE.parents[1]
HOST = REPO / "src" / "Host" / "bin" / "Release" / "net10.0" / "pluginhost.dll"
PYTHONS = {"3.13": "/root/.pyenv/versions/3.13.0", "3.12": "/root/.pyenv/versions/3.12.1"}
HANG = 600  # seconds one module may run before it counts as hung (the slowest takes about 25 s alone)
FAILED_START = "Plugin fidelity instance 0 failed to start"
DENIAL = re.compile(r"was denied (\S+) \(([^)]+)\): (.{0,160})")


def capabilities(root):
    """What an operator would grant a test run (README.md): reading, writing in the run's own folder (its working
    directory and TMPDIR), starting programs (Lib/test runs child pythons) and changing the working directory (the
    host runs nothing else). Not native-code, process.control, the network or the process environment."""
    return ["filesystem.read", f"filesystem.write:{root}", "process.spawn", "cwd"]


def modules_to_run():
    """modules.txt: the modules, and (lines '- <test id>') tests run on neither side, each with its reason."""
    lines = [line.split("#")[0].strip() for line in (HERE / "modules.txt").read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("-")], {line[1:].strip() for line in lines if line.startswith("-")}


class Place:
    """One place a plan runs: 'python' (plain), 'plugin' (the real host) or 'interpreters' (_interpreters)."""

    def __init__(self, name, version, root, plan, host=HOST):
        self.name, self.version, self.plan = name, version, plan
        self.root = root / name
        self.work, self.out = self.root / "work", self.root / "out"
        self.work.mkdir(parents=True)
        self.out.mkdir()
        self.log = self.root / "output.log"
        self.problem = None
        home = PYTHONS[version]
        env = {**os.environ, "TMPDIR": str(self.work)}
        plan_file = self.root / "plan.json"
        plan_file.write_text(json.dumps({"out": str(self.out), "modules": plan}), encoding="utf-8")
        python = f"{home}/bin/python{version}"
        if name == "python":
            args = [python, "-I", str(RUNNER / "fidelity.py"), str(plan_file)]
        elif name == "interpreters":
            args = [python, "-I", str(RUNNER / "subinterpreter.py"), str(plan_file)]
        else:
            plugins = self.root / "plugins"
            shutil.copytree(RUNNER, plugins / "fidelity", ignore=shutil.ignore_patterns("__pycache__"))
            key = "--PluginHost:Plugins:fidelity:"
            args = ["dotnet", str(host), f"--PluginHost:PluginDirectories:0={plugins}", "--PluginHost:StartTimeout=01:00:00",
                    "--PluginHost:StopTimeout=00:00:30", f"{key}Settings:plan={plan_file}", f"{key}Settings:worker=plugin"]
            args += [f"{key}Capabilities:{i}={c}" for i, c in enumerate(capabilities(self.root))]
            env.update(PLUGINHOST_PYTHON=home, Logging__Console__FormatterName="simple")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(args, cwd=self.work, env=env, stdout=log, stderr=subprocess.STDOUT)

    def finished(self):
        return all((self.out / f"{m['name']}.json").exists() for m in self.plan)

    def hung(self):
        for started in self.out.glob("*.started"):
            if not started.with_suffix(".json").exists() and time.time() - started.stat().st_mtime > HANG:
                return started.stem
        return None

    def wait(self):
        """Until the plan is done; a host is then stopped with SIGTERM and must exit 0."""
        while self.process.poll() is None:
            if self.name == "plugin" and self.finished():
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(60)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.problem = "the host did not stop within 60 s of SIGTERM"
                break
            if module := self.hung():
                self.process.kill()
                self.problem = f"{module} did not finish within {HANG} s"
                break
            if self.name == "plugin" and FAILED_START in self.log.read_text(encoding="utf-8", errors="replace"):
                self.process.kill()
                self.problem = "the plugin failed to start (the host's log says why)"
                break
            time.sleep(0.5)
        code = self.process.wait()
        if self.problem is None and code != 0:
            running = [s.stem for s in self.out.glob("*.started") if not s.with_suffix(".json").exists()]
            self.problem = f"exit code {code}" + (f" while running {', '.join(running)}" if running else "")

    def records(self):
        found = {}
        for m in self.plan:
            path = self.out / f"{m['name']}.json"
            if path.exists():
                found[m["name"]] = json.loads(path.read_text(encoding="utf-8"))
        return found

    def denials(self):
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return Counter(f"{m[2]}: {m[3].split(' denied')[0]}" for m in DENIAL.finditer(text))


def run(version, root, plan, names, host):
    """Runs `plan` in each of `names` at once; returns {name: Place}."""
    places = {n: Place(n, version, root, plan, host) for n in names}
    for place in places.values():
        place.wait()
    return places


def outcome(record, test_id):
    """A test's outcome in a module's record; the module's own id stands for whether it loaded at all."""
    if record is None:
        return "did-not-finish"
    failed = f"<run> {record['module']}" in record["tests"]
    if test_id == record["module"]:
        return "error" if failed else "loaded"
    return "absent" if failed else record["tests"].get(test_id, "absent")


def differences(plain, plugin):
    """[(test id, plain outcome, plugin outcome, detail)] for one module."""
    module = plain["module"]
    if outcome(plugin, module) != outcome(plain, module):
        return [(module, outcome(plain, module), outcome(plugin, module),
                 plugin["details"].get(f"<run> {module}", plain["details"].get(f"<run> {module}", "")))]
    found = []
    for test_id in sorted(set(plain["tests"]) | set(plugin["tests"])):
        a, b = outcome(plain, test_id), outcome(plugin, test_id)
        if a != b:
            found.append((test_id, a, b, plugin["details"].get(test_id) or plain["details"].get(test_id, "")))
    if not found and plain["counts"] != plugin["counts"]:
        found.append((module, f"counts {plain['counts']}", f"counts {plugin['counts']}", ""))
    return found


def plan_for(ids_by_module, skip):
    """A plan that runs only these tests (a module's own id: all of it)."""
    return [{"name": m, "ids": None if m in ids else sorted(ids), "skip": sorted(skip)} for m, ids in sorted(ids_by_module.items())]


def by_module(diffs):
    grouped = {}
    for module, test_id, *_ in diffs:
        grouped.setdefault(module, set()).add(test_id)
    return grouped


def counts(record):
    if record is None:
        return "-"
    c = record["counts"]
    return f"{c['run']}/{c['failures']}/{c['errors']}/{c['skipped']}"


def check_version(version, root, modules, skip, entries, report, host):
    """Runs and compares one CPython; returns (modules passed, [failures], modules that did not load in the plugin)."""
    print(f"\n== CPython {version}: {len(modules)} modules in plain python and in a plugin of the real host", flush=True)
    started = time.monotonic()
    places = run(version, root / "first", plan_for({m: {m} for m in modules}, skip), ["python", "plugin"], host)
    failures = [f"{version} {n}: {p.problem} (log: {p.log})" for n, p in places.items() if p.problem]
    plain, plugin = places["python"].records(), places["plugin"].records()

    # Every difference, and the entry that explains it.
    unexplained, limited, module_failed = [], [], set()
    print(f"{'module':<34} {'python run/fail/err/skip':>24} {'plugin':>16}  differences (listed)")
    for m in modules:
        diffs = [] if m not in plain or m not in plugin else differences(plain[m], plugin[m])
        if m not in plain or m not in plugin:
            module_failed.add(m)
            failures.append(f"{version} {m}: did not finish in {'plain python' if m not in plain else 'the plugin'}")
        listed = 0
        for test_id, a, b, detail in diffs:
            entry = next((e for e in entries if e.applies(version, test_id)), None)
            if entry is None:
                unexplained.append((m, test_id, a, b, detail))
                continue
            listed += 1
            entry.matched.setdefault(version, []).append(test_id)
            if entry.kind == "limitation":
                limited.append((m, test_id, a, entry))
        print(f"{m:<34} {counts(plain.get(m)):>24} {counts(plugin.get(m)):>16}  {len(diffs)} ({listed})", flush=True)
        report.setdefault(version, {})[m] = {"python": plain.get(m, {}).get("counts"), "plugin": plugin.get(m, {}).get("counts"),
                                             "differences": [list(d) for d in diffs]}

    # Run what is unexplained once more on both sides: only a difference that stays is one.
    if unexplained:
        again = run(version, root / "again", plan_for(by_module(unexplained), skip), ["python", "plugin"], host)
        plain2, plugin2 = again["python"].records(), again["plugin"].records()
        for m, test_id, a, b, detail in unexplained:
            a2, b2 = outcome(plain2.get(m), test_id), outcome(plugin2.get(m), test_id)
            if a2 == b2 and a2 != "did-not-finish":
                print(f"  flaky, agreed when run again: {test_id} (python {a}, plugin {b} the first time)")
                continue
            module_failed.add(m)
            failures.append(f"{version} {test_id}: python {a2}, plugin {b2} — not in allowlist.toml. {detail[:240]}")

    # A CPython limitation must show in CPython's own isolated subinterpreter too: there the test does not come out
    # as under plain python either (the plugin's outcome may still differ: a denial in the way, e.g.).
    if limited:
        interp = run(version, root / "interpreters", plan_for(by_module(limited), skip), ["interpreters"], host)["interpreters"]
        records = interp.records()
        if interp.problem:
            failures.append(f"{version} interpreters: {interp.problem} (log: {interp.log})")
        confirmed = 0
        for m, test_id, a, entry in limited:
            seen = outcome(records.get(m), test_id)
            if seen in (a, "did-not-finish"):
                module_failed.add(m)
                failures.append(f"{version} {test_id}: listed as a CPython limitation ({entry.what}), but in _interpreters it "
                                f"is {seen}, as under plain python")
            else:
                confirmed += 1
        print(f"  CPython limitations confirmed in _interpreters: {confirmed} of {len(limited)} tests")

    denied = places["plugin"].denials()
    if denied:
        print("  denials the host logged (capability: what):")
        for what, n in denied.most_common():
            print(f"    {n:>4} x {what}")
    print(f"  {version}: {time.monotonic() - started:.0f} s", flush=True)
    unloaded = {m for m in modules if m in plugin and outcome(plugin[m], m) == "error"}
    return len(modules) - len(module_failed), failures, unloaded


def stale(entries, unloaded, modules):
    """Entries that matched no difference on a version they name (judged only when all of modules.txt ran). An entry
    about tests of a module that did not load in the plugin is not judged: they did not run."""
    found = []
    for e in entries:
        for v in e.python:
            if v not in unloaded or e.matched.get(v):
                continue
            if not {m for m in modules for t in e.tests if t.startswith(m + ".")} & unloaded[v]:
                found.append((e, v))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", choices=sorted(PYTHONS), help="a CPython to check (default: both)")
    parser.add_argument("--modules", help="comma-separated modules instead of modules.txt (stale entries are then not judged)")
    parser.add_argument("--host", type=Path, default=HOST, help=f"the pluginhost.dll to run (default {HOST.relative_to(REPO)})")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (outcomes, logs) even when it passes")
    ns = parser.parse_args()
    versions = ns.python or ["3.13", "3.12"]
    modules, skip = modules_to_run()
    modules = ns.modules.split(",") if ns.modules else modules
    entries = allowlist.load()
    if not ns.host.exists():
        sys.exit(f"{ns.host} is missing: build first (dotnet build PluginHost.sln -c Release)")
    root = Path(tempfile.mkdtemp(prefix="pluginhost-fidelity-"))
    passed, failures, report, unloaded = 0, [], {}, {}
    print(f"fidelity suite in {root}; the plugin is granted: {', '.join(capabilities('<run folder>'))}")
    for version in versions:
        ok, failed, unloaded[version] = check_version(version, root / version, modules, skip, entries, report, ns.host)
        passed += ok
        failures += failed
    if not ns.modules:
        for entry, version in stale(entries, unloaded, modules):
            text = f"{version} stale allowlist entry ({entry.label()}): {entry.what} — it no longer differs; remove it"
            failures.append(text)
    if problem := allowlist.check_docs(entries):
        failures.append(problem)
    (root / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    for failure in failures:
        print(f"FAILED {failure}")
    print(f"\nfidelity suite: {passed} module runs agree or differ only as listed, {len(failures)} failures")
    # The same closing lines as `dotnet test`, which scripts/test.sh adds up.
    print(f"     Passed: {passed}\n     Failed: {len(failures)}")
    if failures or ns.keep:
        print(f"outcomes and logs kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
