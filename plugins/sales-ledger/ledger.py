"""Sales ledger: a running total of every sales report, kept in cents by a legacy C extension module.

The module stands for the kind of extension most code bases still have — single-phase init, state in C statics —
which refuses to load in an isolated subinterpreter. CPython's own ``_testsinglephase`` plays it here (its ``sum``
adds two C longs), so the sample needs no compiler; ``"isolation": "process"`` in plugin.json runs this plugin in a
worker process of its own, in that process's main interpreter, where it loads. Nothing else changes: it receives
``reports.sales`` (published by sales-report for every orders CSV folder-watch sees), asks sales-report for its
bundled summary the first time, logs the ledger and answers ``pluginhost.request("ledger", None, to="sales-ledger")``.
"""
import logging
import os

import pluginhost

try:
    import _testsinglephase as legacy
except ModuleNotFoundError as e:
    raise ImportError("sales-ledger needs CPython's test module _testsinglephase (python.org and pyenv builds have "
                      "it; Debian and Ubuntu ship it in libpython3.X-testsuite)") from e

log = logging.getLogger("sales-ledger")
_ledger = {"reports": [], "orders": 0, "cents": 0}


def cents(summary):
    return round(sum(summary["revenue_by_region"].values()) * 100)


def enter(source, summary):
    _ledger["reports"].append(source)
    _ledger["orders"] = legacy.sum(_ledger["orders"], summary["orders"])
    _ledger["cents"] = legacy.sum(_ledger["cents"], cents(summary))
    currency = pluginhost.context().settings["currency"]
    log.info("ledger: %s adds %d orders; %d orders in %d reports, %s %s in all (worker process %d)",
             source, summary["orders"], _ledger["orders"], len(_ledger["reports"]),
             f"{_ledger['cents'] / 100:,.2f}", currency, os.getpid())


def on_message(message: pluginhost.Message):
    if message.topic == "reports.sales":
        if not _ledger["reports"]:
            # Opened with what sales-report summarised at its start (a request from this worker to its subinterpreter).
            enter("sales-report's bundled data", pluginhost.request("summary", None, to="sales-report").payload)
        enter(message.payload["source"], message.payload)
        return None
    return {**_ledger, "pid": os.getpid()}
