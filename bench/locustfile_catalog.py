"""Locust load for ``bench/catalog.py``: one phase per run, chosen by the environment.

BENCH_PHASE   healthz | search | service
BENCH_SLUGS   file with one service slug per line (phase ``service``)
BENCH_WAIT    "0" (closed loop, as fast as the server answers) or "MIN-MAX" seconds of think time

Run by ``bench/catalog.py``; by hand:
    BENCH_PHASE=search locust -f bench/locustfile_catalog.py --headless -u 50 -r 10 -t 30s --host http://127.0.0.1:8000
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_data import SEARCH_QUERIES
from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

PHASE = os.environ.get("BENCH_PHASE", "healthz")
_wait = os.environ.get("BENCH_WAIT", "0")
if _wait in ("", "0"):
    _wait_time = constant(0)
else:
    low, high = (float(x) for x in _wait.split("-", 1))
    _wait_time = between(low, high)

_slug_file = os.environ.get("BENCH_SLUGS")
SLUGS = Path(_slug_file).read_text(encoding="utf-8").split() if _slug_file else []


class CatalogUser(FastHttpUser):
    wait_time = _wait_time

    @task
    def request(self) -> None:
        if PHASE == "healthz":
            self.client.get("/healthz", name="/healthz")
        elif PHASE == "search":
            query = random.choice(SEARCH_QUERIES)
            self.client.get(f"/suche/?q={quote(query)}", name="/suche/?q=…")
        elif PHASE == "service":
            self.client.get(f"/leistungen/{random.choice(SLUGS)}/", name="/leistungen/<slug>/")
        else:
            raise RuntimeError(f"unknown BENCH_PHASE {PHASE!r}")
