"""Baseline: round trip of a small message over multiprocessing.Pipe between two Python processes
(start method 'spawn', set explicitly).

A child process echoes whatever it receives. The parent sends a SIZE-byte bytes object and waits for the echo,
WARMUP times untimed, then COUNT times, each round trip timed alone with perf_counter_ns. Measured two ways, one
after the other: Connection.send_bytes/recv_bytes (raw bytes, no pickling: the fastest way over a Pipe) and
Connection.send/recv (pickled objects, the usual way). Prints one JSON line with p50/p99/mean in microseconds for
each; the benchmark takes the faster p50 as the baseline.

Standalone:  python3.13 mp_pipe_roundtrip.py --count 20000 --warmup 2000 --size 64
"""
import argparse
import json
import multiprocessing as mp
import sys
import time


def echo(conn):
    recv_bytes, send_bytes = conn.recv_bytes, conn.send_bytes
    while True:
        data = recv_bytes()
        if data == b"stop-bytes":
            break
        send_bytes(data)
    recv, send = conn.recv, conn.send
    while True:
        obj = recv()
        if obj is None:
            break
        send(obj)


def percentile(sorted_samples, p):
    # Nearest rank, as the C# side's Stats.Percentile.
    rank = max(1, -(-len(sorted_samples) * p // 100))
    return sorted_samples[int(rank) - 1]


def summary(samples_ns):
    s = sorted(samples_ns)
    return {
        "p50_us": percentile(s, 50) / 1000,
        "p99_us": percentile(s, 99) / 1000,
        "mean_us": sum(s) / len(s) / 1000,
    }


def time_loop(send, recv, payload, count, warmup):
    clock = time.perf_counter_ns
    for _ in range(warmup):
        send(payload)
        recv()
    samples = [0] * count
    for i in range(count):
        t0 = clock()
        send(payload)
        recv()
        samples[i] = clock() - t0
    return samples


def run(count, warmup, size):
    ctx = mp.get_context("spawn")
    parent, child_end = ctx.Pipe(duplex=True)
    child = ctx.Process(target=echo, args=(child_end,))
    child.start()
    child_end.close()  # so that recv() raises EOFError instead of hanging if the child dies
    try:
        payload = b"x" * size
        raw = time_loop(parent.send_bytes, parent.recv_bytes, payload, count, warmup)
        parent.send_bytes(b"stop-bytes")
        pickled = time_loop(parent.send, parent.recv, payload, count, warmup)
        parent.send(None)
    finally:
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
    return {
        "transport": "multiprocessing.Pipe",
        "start_method": "spawn",
        "python": sys.version.split()[0],
        "count": count,
        "warmup": warmup,
        "size": size,
        "send_bytes": summary(raw),
        "send": summary(pickled),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=20_000)
    p.add_argument("--warmup", type=int, default=2_000)
    p.add_argument("--size", type=int, default=64)
    a = p.parse_args()
    print(json.dumps(run(a.count, a.warmup, a.size)), flush=True)


if __name__ == "__main__":
    main()
