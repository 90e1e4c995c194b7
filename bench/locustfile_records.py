"""Locust load for ``bench/records.py --parts load,http``: caseworkers on the E-Akte work area over HTTP.

BENCH_COOKIES  file with one session key per line (logged-in caseworkers with a verified second factor)
BENCH_WAIT     "MIN-MAX" seconds of think time (default "1-2", as a caseworker reads a page) or "0"

Each user takes one session (users beyond the number of sessions share them) and alternates between the
work-queue page (``/intern/akten/``: open cases of the user's units by deadline, counts) and the same page
searched (``/intern/akten/?suche=…&status=alle``: the full-text search of the E-Akte).

Run by ``bench/records.py``; by hand, against a server with those sessions:
    BENCH_COOKIES=cookies.txt locust -f bench/locustfile_records.py --headless -u 20 -r 5 -t 60s \
        --host http://127.0.0.1:8000
"""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path
from urllib.parse import quote

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

QUERIES = ["Hunde", "Wohngeld Miete", "Bauantrag Garage", "Lindenweg", "Gebühr", "Sondernutzung Gehweg", "Müller"]
_wait = os.environ.get("BENCH_WAIT", "1-2")
if _wait in ("", "0"):
    _wait_time = constant(0)
else:
    low, high = (float(x) for x in _wait.split("-", 1))
    _wait_time = between(low, high)
_cookie_file = os.environ.get("BENCH_COOKIES")
SESSIONS = Path(_cookie_file).read_text(encoding="utf-8").split() if _cookie_file else []
_next_session = itertools.cycle(SESSIONS or [""])


class Caseworker(FastHttpUser):
    wait_time = _wait_time

    def on_start(self) -> None:
        self.headers = {"Cookie": f"sessionid={next(_next_session)}"}

    @task
    def queue(self) -> None:
        with self.client.get("/intern/akten/", headers=self.headers, name="Arbeitskorb", catch_response=True) as r:
            if r.status_code != 200 or "Vorgänge" not in (r.text or ""):
                r.failure(f"status {r.status_code}")

    @task
    def search(self) -> None:
        query = quote(random.choice(QUERIES))
        url = f"/intern/akten/?suche={query}&status=alle"
        with self.client.get(url, headers=self.headers, name="Suche", catch_response=True) as r:
            if r.status_code != 200 or "Vorg" not in (r.text or ""):
                r.failure(f"status {r.status_code}")
