"""The loops of the `policy` benchmark. The benchmark runs them inside governed and ungoverned subinterpreters of the
host, and this file as a script with plain python3.X -I (no PluginHost hook, no guards) as the baseline.

usage: policy_loops.py <loop> <count> <path>   prints {"seconds": ...}
"""
import json
import os
import sys
import time


def open_close(count, path):
    for _ in range(count):
        open(path).close()


def write_null(count, path):
    fd = os.open("/dev/null", os.O_WRONLY)
    write, data = os.write, b"x"
    for _ in range(count):
        write(fd, data)
    os.close(fd)


def getframe(count, path):
    getframe = sys._getframe
    for _ in range(count):
        getframe()


def timed(loop, count, path):
    start = time.perf_counter()
    globals()[loop](count, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    name, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    timed(name, max(1, count // 10), path)   # warm-up
    print(json.dumps({"seconds": min(timed(name, count, path) for _ in range(3))}))
