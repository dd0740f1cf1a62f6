import threading

SECRET = "busy's secret: another interpreter must never read this"
stop = threading.Event()


def loop():
    while not stop.wait(0.001):
        secret = SECRET  # noqa: F841 (a local of a live frame)


threading.Thread(target=loop, name="busy").start()


def teardown():
    stop.set()
