import threading

from redteam import attack, on_message, run_when_started  # noqa: F401


@attack("threading.stack_size(32 KiB), then repr() of a deeply nested list in a new thread", needs="native-code")
def overflow():
    threading.stack_size(32768)
    outcome = []

    def deep():
        nested = []
        for _ in range(100000):
            nested = [nested]
        try:
            outcome.append(len(repr(nested)))
        except RecursionError as e:
            outcome.append(f"RecursionError: {e}")

    thread = threading.Thread(target=deep)
    thread.start()
    thread.join()
    threading.stack_size(0)
    return outcome[0]


run_when_started()
