import pluginhost


def on_message(message):
    reply = pluginhost.request("pong", message.payload, to="ponger", timeout=10)
    return {"ping": message.payload, "pong": reply.payload}
