"""Catalog benchmark: citizen search and service pages against a /healthz baseline, under load.

    .venv/bin/pip install locust          # the ``bench`` extra
    .venv/bin/python bench/catalog.py [--db sqlite|postgres] [--users 50] [--duration 30] [--wait 0|MIN-MAX]

What it does, every run from scratch:
1. creates a fresh database — a SQLite file in a temporary directory, or the PostgreSQL database
   ``rathaus_bench`` (dropped and created again; ``--pg-url``, default postgres@127.0.0.1:5432, trust auth);
2. migrates and loads one municipality (host 127.0.0.1) with ``--services`` (5,000) realistic services
   through the real import (``rathaus.catalog.services.import_catalog``), see ``bench/catalog_data.py``;
3. starts the server as shipped: ``rathaus serve`` (collectstatic, gunicorn, ``--workers`` 2 sync workers);
4. runs locust headless (one process, ``bench/locustfile_catalog.py``) in three phases against the same
   server: ``/healthz`` (baseline: routing, middleware, one ``SELECT 1``), ``/suche/?q=…`` (search with
   colloquial words, synonyms and typos) and ``/leistungen/<slug>/`` (service page);
5. prints a markdown table and appends it to ``--results`` (default ``bench/results.md``).

``--wait 0`` (default) is a closed loop: every simulated user sends its next request as soon as the
previous one is answered, so the run measures capacity (requests/s) and latency at saturation.
``--wait 1-3`` gives each user 1–3 s think time, like people reading a page; latency then shows the
service time at that load. Locust runs on the same machine and takes CPU from the server; that is
part of the figures (the ratio against /healthz in the same run cancels much of it).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PHASES = [("healthz", "/healthz"), ("search", "/suche/?q=…"), ("service", "/leistungen/<slug>/")]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated users (default 50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per phase (default 30)")
    parser.add_argument("--wait", default="0", help="think time per user: 0 (closed loop) or MIN-MAX seconds")
    parser.add_argument("--services", type=int, default=5000, help="services in the catalog (default 5000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/rathaus_bench")
    parser.add_argument("--phases", default="healthz,search,service", help="comma-separated subset")
    parser.add_argument("--results", type=Path, default=BENCH / "results.md", help="markdown file to append to")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    return parser.parse_args()


# --------------------------------------------------------------------------- database and data


def recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def seed(count: int) -> tuple[list[str], float]:
    """Migrate and load the municipality; returns the service slugs and the import time in seconds."""
    import django

    django.setup()
    import catalog_data
    from django.core.management import call_command
    from django.db import connections

    from rathaus.catalog.services import import_catalog
    from rathaus.tenants.models import Domain, Municipality, OrgUnit

    call_command("migrate", interactive=False, verbosity=0)
    demo = catalog_data.demo_document()
    tenant = Municipality.objects.create(slug="benchstadt", name="Stadt Benchstadt", ags="05999101")
    Domain.objects.create(host="127.0.0.1", municipality=tenant, is_primary=True)
    units: dict[str, OrgUnit] = {}
    for record in demo["org_units"]:
        units[record["key"]] = OrgUnit.objects.create(
            tenant=tenant,
            key=record["key"],
            name=record["name"],
            short_name=record.get("short_name", ""),
            parent=units.get(record.get("parent") or ""),
        )
    document = catalog_data.generate(count)
    started = time.perf_counter()
    result = import_catalog(tenant=tenant, document=document)
    elapsed = time.perf_counter() - started
    assert result.created == count, result
    if connections["default"].vendor == "postgresql":
        # Autovacuum would analyze the new rows within about a minute in real operation; without
        # statistics the planner scans the whole catalog for the 30 search results (measured: 3 ms → 0.8 ms).
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
    connections.close_all()
    return [s["slug"] for s in document["services"]], elapsed


# --------------------------------------------------------------------------- server


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer {url} within {timeout} s")


def fetch(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def warm_up(urls: list[str], threads: int = 8) -> None:
    """Concurrent requests so every worker has built its search index and compiled its templates."""
    errors: list[BaseException] = []

    def run(part: list[str]) -> None:
        try:
            for url in part:
                fetch(url)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(urls[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]


# --------------------------------------------------------------------------- load


def _busy_seconds() -> float:
    import psutil  # installed with locust

    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def _server_cpu_seconds(server_pid: int) -> float:
    import psutil

    master = psutil.Process(server_pid)
    total = 0.0
    for process in [master, *master.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def run_locust(
    args: argparse.Namespace, phase: str, env: dict[str, str], workdir: Path, server_pid: int
) -> dict[str, Any]:
    """One phase. Besides locust's figures: the server's CPU time per request (robust against other
    load on the machine) and the CPU share used by anything else than server and load generator."""
    import resource

    server_before, busy_before = _server_cpu_seconds(server_pid), _busy_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    prefix = workdir / f"locust_{phase}"
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f", str(BENCH / "locustfile_catalog.py"),
        "--headless", "--only-summary", "--loglevel", "WARNING",
        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
        "--host", f"http://127.0.0.1:{args.port}",
        "--csv", str(prefix),
    ]  # fmt: skip
    with open(workdir / f"locust_{phase}.log", "w", encoding="utf-8") as log:
        subprocess.run(command, env={**env, "BENCH_PHASE": phase}, check=False, stdout=log, stderr=subprocess.STDOUT)
    wall = time.monotonic() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = _server_cpu_seconds(server_pid) - server_before
    busy = _busy_seconds() - busy_before
    locust_cpu = sum(getattr(children_after, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime"))
    cores = os.cpu_count() or 1
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    requests = int(row["Request Count"])
    return {
        "server_cpu_ms": server_cpu * 1000 / requests if requests else 0.0,
        "server_share": server_cpu / (wall * cores) * 100,
        "locust_share": locust_cpu / (wall * cores) * 100,
        "other_share": max(0.0, busy - server_cpu - locust_cpu) / (wall * cores) * 100,
        "requests": requests,
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "median": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
    }


def versions() -> str:
    import django

    return f"Python {platform.python_version()}, Django {django.get_version()}"


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(BENCH))
    if shutil.which("locust", path=str(Path(sys.executable).parent)) is None:
        print("locust fehlt: .venv/bin/pip install locust  (Extra »bench«)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="rathaus-bench-"))
    database_url = f"sqlite:///{workdir / 'bench.sqlite3'}" if args.db == "sqlite" else args.pg_url
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH", "")])),
        "RATHAUS_DATA_DIR": str(workdir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(args.workers),
        "BENCH_WAIT": args.wait,
    }
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "RATHAUS_DATA_DIR", "DATABASE_URL")})
    os.environ.update({k: env[k] for k in ("SECRET_KEY", "ALLOWED_HOSTS", "LOG_LEVEL")})
    if args.db == "postgres":
        recreate_postgres(database_url)

    print(f"Datenbank {args.db}: migrieren und {args.services} Leistungen importieren …", flush=True)
    slugs, import_seconds = seed(args.services)
    print(f"  Import: {import_seconds:.1f} s", flush=True)
    slug_file = workdir / "slugs.txt"
    slug_file.write_text("\n".join(slugs), encoding="utf-8")
    env["BENCH_SLUGS"] = str(slug_file)

    server_log = open(workdir / "server.log", "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
    command = [sys.executable, "-m", "rathaus.cli", "serve", f"127.0.0.1:{args.port}"]
    command += ["--workers", str(args.workers)]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    rows: list[tuple[str, dict[str, Any]]] = []
    try:
        wait_for(f"{base}/healthz")
        fetch(f"{base}/")  # fails early (500) if a page cannot render; see server.log
        from urllib.parse import quote

        from catalog_data import SEARCH_QUERIES

        cold = fetch(f"{base}/suche/?q=Perso")  # the first search in a worker builds its index
        print(f"  erste Suche (Index-Aufbau in einem Worker): {cold:.0f} ms", flush=True)
        warm_up([f"{base}/healthz"] * 40)
        warm_up([f"{base}/suche/?q={quote(q)}" for q in SEARCH_QUERIES] * 2)
        warm_up([f"{base}/leistungen/{s}/" for s in slugs[:: max(1, len(slugs) // 80)]])
        load_before = os.getloadavg()[0]
        for phase, name in PHASES:
            if phase not in args.phases.split(","):
                continue
            print(f"  Phase {phase}: {args.users} Nutzer, {args.duration} s …", flush=True)
            rows.append((name, run_locust(args, phase, env, workdir, server.pid)))
    except Exception:
        print(f"Fehler; Serverprotokoll: {workdir / 'server.log'}", file=sys.stderr)
        raise
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server_log.close()

    table = render(args, rows, cold, import_seconds, load_before)
    print(table)
    with args.results.open("a", encoding="utf-8") as handle:
        handle.write(table + "\n")
    print(f"angehängt an {args.results}")
    if args.keep:
        print(f"Daten: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def render(
    args: argparse.Namespace, rows: list[tuple[str, dict[str, Any]]], cold: float, imported: float, load: float
) -> str:
    baseline = rows[0][1] if rows and rows[0][0] == "/healthz" else None
    wait = "closed loop (no think time)" if args.wait in ("", "0") else f"think time {args.wait} s"
    lines = [
        f"### {dt.date.today().isoformat()} — {args.db}, {args.users} users, {wait}, {args.services} services",
        "",
        f"`{' '.join(['python', 'bench/catalog.py', *sys.argv[1:]])}` — {os.cpu_count()} CPUs, "
        f"{args.workers} gunicorn workers, {versions()}; import {imported:.1f} s; "
        f"first search (index build) {cold:.0f} ms; load average before the phases {load:.2f}",
        "",
        "| endpoint | requests | req/s | median ms | p95 ms | p99 ms | failures | p95 ÷ healthz | req/s ÷ healthz "
        "| server CPU ms/req | CPU server / locust / other |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        p95_ratio = f"{r['p95'] / baseline['p95']:.1f}" if baseline and baseline["p95"] else "–"
        rps_ratio = f"{r['rps'] / baseline['rps']:.2f}" if baseline and baseline["rps"] else "–"
        lines.append(
            f"| `{name}` | {r['requests']} | {r['rps']:.0f} | {r['median']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} "
            f"| {r['failures']} | {p95_ratio} | {rps_ratio} | {r['server_cpu_ms']:.1f} "
            f"| {r['server_share']:.0f} % / {r['locust_share']:.0f} % / {r['other_share']:.0f} % |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
