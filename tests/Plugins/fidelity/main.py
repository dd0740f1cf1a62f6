# A plugin that reports what ordinary code sees (lib/fidelity_facts.py), for FidelityTests; its folder is copied
# under a non-ASCII name, so its own folder and lib/ are non-ASCII paths.
import json
import logging
import sys

import fidelity_facts
import pluginhost


def setup(ctx):
    facts = fidelity_facts.all_facts(ctx.settings["folder"])
    facts["import_denial"] = fidelity_facts.import_denial_facts()
    # site's builtins came without site's work: no site-packages on the path.
    facts["site_packages_on_path"] = [p for p in sys.path if "site-packages" in p]
    print("print reaches the log: żółw é")
    # Bytes through sys.stdout.buffer, a character split across two writes.
    sys.stdout.buffer.write("split: ż".encode()[:-1])
    sys.stdout.buffer.write("ż\n".encode()[1:])
    logging.getLogger("fidelity").warning("FIDELITY %s", json.dumps(facts, ensure_ascii=True))
