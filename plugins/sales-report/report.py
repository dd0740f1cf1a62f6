"""Sales report: summarises orders CSVs the way a sales team reads them.

At start it reports on its bundled data. It also receives ``files.data`` messages (manifest subscription): any CSV
dropped into folder-watch's inbox arrives here as bytes, is summarised, logged and published as ``reports.sales``.
Other plugins can ask for the bundled summary: ``pluginhost.request("summary", None, to="sales-report")``.
"""
import csv
import io
import logging
import os
import statistics
from collections import Counter, defaultdict

import pluginhost
from tablefmt import table  # vendored in lib/

log = logging.getLogger("sales-report")


def summarise(rows, top):
    revenue = defaultdict(float)
    units = Counter()
    order_values = []
    for row in rows:
        value = int(row["quantity"]) * float(row["unit_price"])
        revenue[row["region"]] += value
        units[row["product"]] += int(row["quantity"])
        order_values.append(value)
    return {
        "orders": len(order_values),
        "revenue_by_region": dict(sorted(revenue.items(), key=lambda kv: -kv[1])),
        "top_products": units.most_common(top),
        "median_order": statistics.median(order_values) if order_values else 0.0,
        "mean_order": statistics.fmean(order_values) if order_values else 0.0,
    }


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


_bundled = {}


def report(summary, source, ctx):
    currency = ctx.settings["currency"]
    log.info("%d orders from %s; median order %.2f %s, mean %.2f %s",
             summary["orders"], source, summary["median_order"], currency, summary["mean_order"], currency)
    rows = [(region, f"{value:,.2f} {currency}") for region, value in summary["revenue_by_region"].items()]
    for line in table(["region", "revenue"], rows):
        log.info(line)
    for line in table(["product", "units"], summary["top_products"]):
        log.info(line)


def setup(ctx: pluginhost.Context) -> None:
    path = os.path.join(os.path.dirname(__file__), ctx.settings["data"])
    _bundled.update(summarise(load(path), int(ctx.settings["top"])))
    report(_bundled, os.path.basename(path), ctx)


def on_message(message: pluginhost.Message):
    ctx = pluginhost.context()
    if message.topic == "files.data":
        if message.headers.get("extension") != "csv":
            return None
        rows = list(csv.DictReader(io.StringIO(message.payload.decode("utf-8"))))
        try:
            summary = summarise(rows, int(ctx.settings["top"]))
        except (KeyError, ValueError) as e:
            log.warning("%s is not an orders CSV (%s: %s)", message.headers.get("name"), type(e).__name__, e)
            return None
        report(summary, message.headers.get("name", "a published file"), ctx)
        pluginhost.publish("reports.sales", {"source": message.headers.get("name"), **summary})
        return None
    return _bundled


def teardown() -> None:
    log.info("sales-report stopped")
