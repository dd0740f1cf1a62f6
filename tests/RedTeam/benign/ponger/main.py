answered = 0


def on_message(message):
    global answered
    answered += 1
    return {"n": message.payload, "answered": answered}
