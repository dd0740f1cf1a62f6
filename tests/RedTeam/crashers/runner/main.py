"""Runs Lib/test/crashers/<name>.py of the running CPython, as __main__, while this plugin is imported."""
import json
import logging
import os
import runpy

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = open(os.path.join(HERE, "crasher.txt")).read().strip()
log = logging.getLogger("redteam")

try:
    value = runpy.run_path(os.path.join(os.path.dirname(os.__file__), "test", "crashers", NAME + ".py"), run_name="__main__")
except BaseException as e:  # whatever it raised is the outcome, SystemExit and the host's HandlerTimeout included
    outcome, text = type(e).__name__, str(e)
else:
    outcome, text = "returned", "None"
log.warning("redteam-outcome %s", json.dumps({"attack": NAME, "outcome": outcome, "message": text[:4000]}))
log.warning("redteam-done")
