# Run in each plugin instance's fresh interpreter before the plugin's own code.
def _pluginhost_bootstrap(name, folder, lib, level):
    import sys, logging, pluginhost

    # Only the plugin's folder and its own lib/ (vendored pure-Python dependencies) before the stdlib.
    sys.path[:0] = [folder, lib]
    sys.argv = [name]
    # Text streams like python3's (encoding, errors, buffer, reconfigure, ...) over the host's log, with the error
    # handlers python3 chooses from the locale.
    sys.stdout = sys.__stdout__ = pluginhost._std_stream(pluginhost.stdout, "<stdout>", pluginhost._stdout_errors())
    sys.stderr = sys.__stderr__ = pluginhost._std_stream(pluginhost.stderr, "<stderr>", "backslashreplace")

    # The builtins site adds (exit, quit, help, copyright, credits, license), without site's search of site-packages:
    # with site_import off, importing site runs none of that, and these three functions only set builtins.
    import site
    site.setquit()
    site.setcopyright()
    site.sethelper()

    class HostHandler(logging.Handler):
        def emit(self, record):
            try:
                pluginhost.log(record.levelno, self.format(record), record.name)
            except Exception:
                self.handleError(record)

    root = logging.getLogger()
    root.handlers[:] = [HostHandler()]
    root.setLevel(level)
    logging.captureWarnings(True)


def _pluginhost_start(entry, subscriptions):
    import importlib, pluginhost
    module = importlib.import_module(entry)
    on_message = getattr(module, "on_message", None)
    if subscriptions and on_message is None:
        raise AttributeError(f"plugin.json subscribes to {subscriptions} but {entry} has no on_message(message) function")
    if on_message is not None:
        pluginhost._set_direct_handler(on_message)
    for pattern in subscriptions:
        pluginhost.subscribe(pattern, on_message)
    setup = getattr(module, "setup", None)
    if setup is not None:
        setup(pluginhost.context())


def _pluginhost_stop(entry):
    import sys
    module = sys.modules.get(entry)
    teardown = getattr(module, "teardown", None)
    if teardown is not None:
        teardown()
