"""A tiny plain-text table formatter, vendored as a pure-Python dependency in the plugin's lib/ folder."""

VERSION = "0.1.0"


def table(headers, rows):
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(str(h).ljust(w) for h, w in zip(headers, widths)), line]
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return out
