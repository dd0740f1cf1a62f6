# A plugin that reports what ordinary code sees (lib/fidelity_facts.py), for FidelityTests; its folder is copied
# under a non-ASCII name, so its own folder and lib/ are non-ASCII paths.
import json
import logging

import fidelity_facts
import pluginhost


def setup(ctx):
    facts = fidelity_facts.all_facts(ctx.settings["folder"])
    facts["import_denial"] = fidelity_facts.import_denial_facts()
    print("print reaches the log: żółw é")
    logging.getLogger("fidelity").warning("FIDELITY %s", json.dumps(facts, ensure_ascii=True))
