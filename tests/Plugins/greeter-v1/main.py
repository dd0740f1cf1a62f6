import pluginhost


def on_message(message):
    """Calls this plugin's own host function named by the message's topic with its payload; replies with the result
    or with the Python exception it raised."""
    try:
        return {"result": pluginhost.call(message.topic, message.payload)}
    except Exception as e:
        return {"error": type(e).__name__, "message": str(e)}
