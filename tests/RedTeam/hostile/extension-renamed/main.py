"""Denied extension modules loaded under another name, by file, through links and copies: decided by what is loaded."""
import glob
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import types

import _imp
from redteam import attack, on_message  # noqa: F401 (on_message is the plugin's handler)

DYNLOAD = next(p for p in sys.path if p.rstrip("/").endswith("lib-dynload"))
SCRATCH = os.path.join(os.path.dirname(__file__), "scratch")


def shared_object(stem):
    found = glob.glob(os.path.join(DYNLOAD, stem + ".*.so"))
    return found[0] if found else None


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The interpreter registries of 3.13 (_interpreters, _interpqueues, _interpchannels) and 3.12 (_xx...).
for stem in ("_interpreters", "_xxsubinterpreters", "_interpqueues", "_interpchannels", "_xxinterpchannels"):
    if shared_object(stem):
        attack(f"{stem} loaded as x.{stem}", needs="")(lambda stem=stem: load(f"x.{stem}", shared_object(stem)))

for stem in ("_testinternalcapi", "_testcapi", "_testmultiphase", "_ctypes_test", "_ctypes", "_testbuffer", "xxsubtype"):
    if shared_object(stem):
        attack(f"{stem} loaded as pkg.{stem}", needs="native-code")(lambda stem=stem: load(f"pkg.{stem}", shared_object(stem)))

if shared_object("_testexternalinspection"):
    attack("_testexternalinspection (reads other processes' memory) by file", needs="native-code")(
        lambda: load("_testexternalinspection", shared_object("_testexternalinspection")))


@attack("_interpreters through _imp.create_dynamic with a bare spec, then code in the main interpreter", needs="")
def create_dynamic():
    module = _imp.create_dynamic(types.SimpleNamespace(name="y._interpreters", origin=shared_object("_interpreters") or shared_object("_xxsubinterpreters")))
    return module.run_string(0, "import os; os.chdir('/')")


@attack("_interpreters through ExtensionFileLoader under its own name", needs="")
def extension_file_loader():
    path = shared_object("_interpreters") or shared_object("_xxsubinterpreters")
    name = os.path.basename(path).split(".")[0]
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    return loader.create_module(importlib.util.spec_from_loader(name, loader))


@attack("_json's file under another name (its init function would be PyInit_other)", needs="")
def renamed_json():
    return load("x.other", shared_object("_json"))


@attack("a symlink in the plugin's folder to _interpreters, under its own name", needs="native-code")
def symlinked():
    os.makedirs(SCRATCH, exist_ok=True)
    path = shared_object("_interpreters") or shared_object("_xxsubinterpreters")
    link = os.path.join(SCRATCH, os.path.basename(path))
    if not os.path.lexists(link):
        os.symlink(path, link)
    return load(os.path.basename(path).split(".")[0], link)


@attack("a hard link to _interpreters in the plugin's folder", needs="native-code")
def hard_linked():
    os.makedirs(SCRATCH, exist_ok=True)
    path = shared_object("_interpreters") or shared_object("_xxsubinterpreters")
    link = os.path.join(SCRATCH, "hard-" + os.path.basename(path))
    if not os.path.exists(link):
        try:
            os.link(path, link)
        except OSError:   # another file system: a copy is the same attack
            shutil.copyfile(path, link)
    return load(os.path.basename(path).split(".")[0], link)


@attack("a copy of _ctypes in the plugin's folder", needs="native-code")
def copied():
    os.makedirs(SCRATCH, exist_ok=True)
    copy = os.path.join(SCRATCH, os.path.basename(shared_object("_ctypes")))
    shutil.copyfile(shared_object("_ctypes"), copy)
    return load("_ctypes", copy)


@attack("_multiprocessing (named semaphores in /dev/shm) without process.spawn", needs="process.spawn")
def semaphores():
    import _multiprocessing
    return _multiprocessing.SemLock(1, 1, 1, "/redteam-semaphore", True)
