"""Baseline: multiprocessing.Queue between two Python processes (start method 'spawn', set explicitly).

The parent puts COUNT bytes objects of SIZE bytes into a multiprocessing.Queue (unbounded, its default); a child
process gets them in a loop and counts. Timed from just before the first put to the moment the child has taken the
last message (perf_counter_ns: CLOCK_MONOTONIC, the same clock in both processes on Linux; the child reports its
end time back). The child is started and ready before timing. Prints one JSON line.

Standalone:  python3.13 mp_queue_throughput.py --count 1000000 --size 64
"""
import argparse
import json
import multiprocessing as mp
import sys
import time


def consume(q, ready, done, count):
    get = q.get
    ready.put(1)
    received = 0
    nbytes = 0
    for _ in range(count):
        nbytes += len(get())
        received += 1
    done.put((time.perf_counter_ns(), received, nbytes))


def run(count, size):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    ready = ctx.Queue()
    done = ctx.Queue()
    child = ctx.Process(target=consume, args=(q, ready, done, count))
    child.start()
    try:
        ready.get(timeout=60)
        payload = b"x" * size
        put = q.put
        start = time.perf_counter_ns()
        for _ in range(count):
            put(payload)
        end, received, nbytes = done.get(timeout=600)
    finally:
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
    if received != count or nbytes != count * size:
        raise SystemExit(f"the child received {received} messages / {nbytes} bytes; expected {count} / {count * size}")
    seconds = (end - start) / 1e9
    return {
        "transport": "multiprocessing.Queue",
        "start_method": "spawn",
        "python": sys.version.split()[0],
        "count": count,
        "size": size,
        "seconds": seconds,
        "msgs_per_s": count / seconds,
        "bytes_per_s": count * size / seconds,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--size", type=int, default=64)
    a = p.parse_args()
    print(json.dumps(run(a.count, a.size)), flush=True)


if __name__ == "__main__":
    main()
