"""Sales report: reads an orders CSV at start and logs a summary a sales team would recognise."""
import csv
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


def setup(ctx: pluginhost.Context) -> None:
    here = os.path.dirname(__file__)
    path = os.path.join(here, ctx.settings["data"])
    summary = summarise(load(path), int(ctx.settings["top"]))
    currency = ctx.settings["currency"]
    log.info("%d orders from %s; median order %.2f %s, mean %.2f %s",
             summary["orders"], os.path.basename(path), summary["median_order"], currency, summary["mean_order"], currency)
    rows = [(region, f"{value:,.2f} {currency}") for region, value in summary["revenue_by_region"].items()]
    for line in table(["region", "revenue"], rows):
        log.info(line)
    for line in table(["product", "units"], summary["top_products"]):
        log.info(line)


def teardown() -> None:
    log.info("sales-report stopped")
