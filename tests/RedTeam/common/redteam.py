"""The red team's shared part, copied into each hostile plugin's lib/ by the test harness.

A hostile plugin declares its attacks with @attack; when the test sends it a message, every attack runs once and the
reply reports, for each, what it raised (or that it escaped). The harness decides whether that was the right refusal.
"""

_attacks = []


def attack(name, needs=None, refused_by=None, returns=None):
    """Registers an attack.

    needs: the capability the PermissionError (ImportDenied for an import) must name (a prefix: "filesystem.read" matches
    "filesystem.read:/etc"), or "" when no capability may allow it.
    refused_by: instead of the policy, CPython or the library refuses it with this exception type (e.g. "ValueError").
    returns: the attack is made harmless rather than refused: it must return this value (compared by repr).
    """
    def register(function):
        _attacks.append((name, function, needs, refused_by, returns))
        return function
    return register


def on_message(message):
    results = []
    for name, function, needs, refused_by, returns in _attacks:
        try:
            value = function()
        except BaseException as e:  # SystemExit and KeyboardInterrupt included: each is an outcome to report
            outcome, text = type(e).__name__, str(e)
        else:
            outcome, text = "returned", repr(value)
        results.append({"attack": name, "outcome": outcome, "message": text[:4000],
                        "needs": needs, "refused_by": refused_by, "returns": None if returns is None else repr(returns)})
    return results


def run_when_started(delay=1.0):
    """For a plugin run in a host process of its own (RedTeamProcessTests): once the host has started it, every attack
    runs once in a thread of the plugin, and each outcome is logged as one 'redteam-outcome <json>' line, then
    'redteam-done'. If an attack escapes, the host process may not live to log it: the test sees it end."""
    import json
    import logging
    import threading
    import time

    log = logging.getLogger("redteam")

    def run():
        time.sleep(delay)
        for result in on_message(None):
            log.warning("redteam-outcome %s", json.dumps(result))
        log.warning("redteam-done")

    threading.Thread(target=run, name="redteam").start()
