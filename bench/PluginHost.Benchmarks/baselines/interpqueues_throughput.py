"""Baseline: CPython's own cross-interpreter queues (_interpqueues, CPython 3.13).

The main interpreter puts COUNT bytes objects of SIZE bytes into one queue per subscriber; each subscriber is a
subinterpreter created with _interpreters.create() (the default "isolated" config: its own GIL), running in its own
thread, draining its queue with a loop (get; on empty, spin) and counting. Timed from just before the first put to
the moment the last subscriber has taken its last message (perf_counter_ns, CLOCK_MONOTONIC, the same clock in every
interpreter). Prints one JSON line.

Standalone:  python3.13 interpqueues_throughput.py --count 1000000 --size 64 [--subscribers 1] [--maxsize N]
"""
import argparse
import json
import sys
import threading
import time

import _interpqueues as queues
import _interpreters as interpreters

SHARED_ONLY = 0  # fmt: bytes are shareable natively, no pickling
UNBOUNDOP = 3  # 3 = UNBOUND (as the high-level Queue defaults); irrelevant here: no interpreter ends while items are queued

DRAIN = """
import time
import _interpqueues as queues
get = queues.get
Err = queues.QueueError
qid = QID
remaining = COUNT
received = 0
nbytes = 0
queues.put(READY, 1, 0, 3)
while remaining:
    try:
        obj = get(qid)[0]
    except Err:
        continue
    received += 1
    nbytes += len(obj)
    remaining -= 1
queues.put(DONE, time.perf_counter_ns(), 0, 3)
queues.put(DONE, received, 0, 3)
queues.put(DONE, nbytes, 0, 3)
"""


def default_maxsize(size):
    # Bounded so that a fast producer cannot queue gigabytes: about 64 MiB of payload per queue (64 items of 1 MiB;
    # 1,048,576 items of 64 B, which never fills). A full queue makes the producer retry at once (spin).
    return max(64, (64 << 20) // max(size, 1))


def run(count, size, subscribers=1, maxsize=None):
    maxsize = maxsize or default_maxsize(size)
    payload = b"x" * size
    ready = queues.create(0, SHARED_ONLY, UNBOUNDOP)
    dones = [queues.create(0, SHARED_ONLY, UNBOUNDOP) for _ in range(subscribers)]
    qids = [queues.create(maxsize, SHARED_ONLY, UNBOUNDOP) for _ in range(subscribers)]
    iids = [interpreters.create() for _ in range(subscribers)]
    threads = []
    try:
        for iid, qid, done in zip(iids, qids, dones):
            code = DRAIN.replace("QID", str(qid)).replace("COUNT", str(count)).replace("READY", str(ready)).replace("DONE", str(done))
            t = threading.Thread(target=interpreters.exec, args=(iid, code))
            t.start()
            threads.append(t)
        for _ in range(subscribers):
            while True:
                try:
                    queues.get(ready)
                    break
                except queues.QueueError:
                    time.sleep(0.001)

        put = queues.put
        Full = queues.QueueError
        start = time.perf_counter_ns()
        for _ in range(count):
            for qid in qids:
                while True:
                    try:
                        put(qid, payload, SHARED_ONLY, UNBOUNDOP)
                        break
                    except Full:
                        pass
        for t in threads:
            t.join()
        results = [tuple(queues.get(done)[0] for _ in range(3)) for done in dones]
    finally:
        for t in threads:
            t.join()
        for iid in iids:
            interpreters.destroy(iid)
        for qid in qids + dones + [ready]:
            queues.destroy(qid)

    # Each subscriber put (end time, messages received, bytes received), in order, into its own done queue.
    ends = []
    for end, received, nbytes in results:
        ends.append(end)
        if received != count or nbytes != count * size:
            raise SystemExit(f"a subscriber received {received} messages / {nbytes} bytes; expected {count} / {count * size}")
    seconds = (max(ends) - start) / 1e9
    delivered = count * subscribers
    return {
        "transport": "_interpqueues",
        "python": sys.version.split()[0],
        "count": count,
        "size": size,
        "subscribers": subscribers,
        "maxsize": maxsize,
        "seconds": seconds,
        "msgs_per_s": delivered / seconds,
        "bytes_per_s": delivered * size / seconds,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--subscribers", type=int, default=1)
    p.add_argument("--maxsize", type=int, default=0, help="queue bound (default: about 64 MiB of items)")
    a = p.parse_args()
    print(json.dumps(run(a.count, a.size, a.subscribers, a.maxsize or None)), flush=True)


if __name__ == "__main__":
    main()
