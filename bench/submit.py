"""Submission benchmark: N concurrent citizens submitting a three-step form with a ~1 MB PDF.

    .venv/bin/python bench/submit.py [--db postgres|sqlite] [--users 20] [--duration 30] [--rate R]

What it does, every run from scratch:
1. a fresh database (PostgreSQL ``rathaus_bench_submit`` dropped and created, or a SQLite file) and data dir;
2. ``tests/durability/seed.py``: migrate, one municipality on host 127.0.0.1, a service with a published
   three-step form (the last step a required PDF), ``--users`` citizens with logged-in sessions;
3. a real clamd with the repository's test signatures (``rathaus.attachments.testing.running_clamd``;
   production loads the full signature database, which makes each scan slower) and gunicorn with
   ``--workers`` sync workers, as ``rathaus serve`` starts it (without collectstatic and access log);
4. warm-up (one submission per citizen), then three phases against the same server:
   - ``/healthz`` with the same number of concurrent clients (baseline: routing, middleware, ``SELECT 1``);
   - submissions: every client repeats draft → step 1 → step 2 → upload (unique ~1 MB PDF) → step 3 →
     submit; measured per whole submission and per final submit POST;
   - pgbench with the same number of connections and a transaction writing the row set of a submission
     (application with ~2 KB JSON, attachment, status event, outbox event) into throwaway tables, once
     plain and once also taking the per-municipality number row lock as ``services._next_number`` does;
5. checks that every acknowledged number exists exactly once, for its draft (0 lost, 0 duplicated);
6. prints a markdown table and appends it to ``--results`` (default ``bench/results.md``).

Without ``--rate`` the clients run a closed loop (next submission as soon as the last one is answered): that
measures capacity, and the latency of a whole submission is then ≈ users ÷ throughput (Little's law). With
``--rate R`` the clients start submissions on a schedule of R per second in total: latency at that load.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from rathaus.attachments.testing import running_clamd  # noqa: E402
from tests.durability.harness import Server, ServerDatabase, run_module, server_env  # noqa: E402
from tests.durability.submission_flow import DESCRIPTION, Citizen, FlowError  # noqa: E402

STAGES = ("draft", "person", "vorhaben", "upload", "nachweis", "submit")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--users", type=int, default=20, help="concurrent citizens (default 20)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of the submission phase (default 30)")
    parser.add_argument("--healthz-duration", type=int, default=10, help="seconds of the /healthz phase")
    parser.add_argument("--pgbench-duration", type=int, default=10, help="seconds per pgbench run")
    parser.add_argument("--rate", type=float, default=0, help="submissions/s to start in total (0: closed loop)")
    parser.add_argument("--pdf-kb", type=int, default=1024, help="size of each PDF in KiB (default 1024)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/rathaus_bench_submit")
    parser.add_argument("--results", type=Path, default=BENCH / "results.md", help="markdown file to append to")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    parser.add_argument(
        "--no-event-dispatch",
        action="store_true",
        help="server without after-commit event delivery (only the sweep delivers): the dispatcher's cost",
    )
    return parser.parse_args()


# --------------------------------------------------------------------------- PDFs


class PdfFactory:
    """~size bytes of valid PDF, unique per call, cheap: one PDF with a random embedded file is made once;
    each call overwrites 32 bytes inside that embedded file (same length, so the xref table stays right)."""

    def __init__(self, size: int) -> None:
        import io

        from pypdf import PdfWriter

        self.padding = os.urandom(size)
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.add_metadata({"/Title": "Lageplan"})
        writer.add_attachment("scan.bin", self.padding)
        buffer = io.BytesIO()
        writer.write(buffer)
        self.base = buffer.getvalue()
        self.offset = self.base.find(self.padding[:256])
        if self.offset < 0:
            raise RuntimeError("pypdf changed the embedded file; cannot make unique variants")

    def __call__(self) -> bytes:
        marker = uuid.uuid4().hex.encode()
        return self.base[: self.offset] + marker + self.base[self.offset + len(marker) :]


# --------------------------------------------------------------------------- load


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values) if values else 0.0,
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
    }


def one_submission(citizen: Citizen, pdf: bytes, n: int) -> tuple[str, str, dict[str, float]]:
    """The whole journey; returns (draft uuid, number, milliseconds per stage)."""
    times: dict[str, float] = {}

    def timed(stage: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = call()
        times[stage] = (time.perf_counter() - started) * 1000
        return result

    draft = timed("draft", citizen.start_draft)
    timed("person", lambda: citizen.put_step(draft, "person", {"person": {"vorname": "Mia", "nachname": f"M {n}"}}))
    answers = {"vorhaben": {"ort": f"Hauptstraße {n}", "beschreibung": DESCRIPTION}}
    timed("vorhaben", lambda: citizen.put_step(draft, "vorhaben", answers))
    ref = timed("upload", lambda: citizen.upload(draft, f"lageplan-{n}.pdf", pdf))
    timed("nachweis", lambda: citizen.attach(draft, ref))
    response = timed("submit", lambda: citizen.post_submit(draft))
    if response.status_code != 201:
        raise FlowError("submit", response.status_code, response.text[:300])
    return draft, str(response.json()["number"]), times


class Load:
    """Closed-loop (or paced) clients; collects acknowledged submissions and timings."""

    def __init__(self, server: Server, sessions: list[str], pdfs: PdfFactory) -> None:
        self.server, self.sessions, self.pdfs = server, sessions, pdfs
        self.acknowledged: list[tuple[str, str]] = []  # (draft, number), warm-up included
        self.errors: list[str] = []
        self.counter = 0
        self.lock = threading.Lock()

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def submissions(self, duration: float, rate: float = 0, *, once: bool = False) -> dict[str, Any]:
        """Submit for ``duration`` seconds (``once``: exactly one submission per client, no deadline)."""
        flows: list[float] = []
        stages: dict[str, list[float]] = {s: [] for s in STAGES}
        users = len(self.sessions)
        started = time.monotonic()
        deadline = started + duration

        def client(index: int, session: str) -> None:
            citizen = Citizen(self.server.url, session, timeout=120)
            k = 0
            while True:
                if rate:
                    # User i starts its k-th submission at (k·users + i) / rate: R per second in total.
                    at = started + (k * users + index) / rate
                    if at >= deadline:
                        return
                    time.sleep(max(0.0, at - time.monotonic()))
                elif (once and k) or (not once and time.monotonic() >= deadline):
                    return
                k += 1
                pdf = self.pdfs()
                t0 = time.perf_counter()
                try:
                    draft, number, times = one_submission(citizen, pdf, self._next())
                except (FlowError, requests.RequestException) as exc:
                    self.errors.append(repr(exc)[:300])
                    continue
                elapsed = (time.perf_counter() - t0) * 1000
                self.acknowledged.append((draft, number))
                if once or time.monotonic() <= deadline:  # count only submissions completed inside the window
                    flows.append(elapsed)
                    for stage, ms in times.items():
                        stages[stage].append(ms)

        threads = [threading.Thread(target=client, args=(i, s)) for i, s in enumerate(self.sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {
            "count": len(flows),
            "per_second": len(flows) / duration,
            "flow": summary(flows),
            "stages": {s: summary(v) for s, v in stages.items()},
        }

    def healthz(self, duration: float) -> dict[str, Any]:
        latencies: list[float] = []
        deadline = time.monotonic() + duration

        def client() -> None:
            http = requests.Session()
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                response = http.get(f"{self.server.url}/healthz", timeout=60)
                if response.status_code == 200:
                    latencies.append((time.perf_counter() - t0) * 1000)

        threads = [threading.Thread(target=client) for _ in self.sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {"count": len(latencies), "per_second": len(latencies) / duration, **summary(latencies)}


# --------------------------------------------------------------------------- CPU accounting


def cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            root = psutil.Process(pid)
            for process in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = process.cpu_times()
                    total += times.user + times.system
    return total


def clamd_pids() -> list[int]:
    import psutil

    return [p.pid for p in psutil.Process().children() if p.name().startswith("clamd")]


def postgres_seconds() -> float:
    """CPU time of every PostgreSQL process (server and backends) of this machine."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        if process.info["name"] == "postgres" and process.info["cpu_times"]:
            total += process.info["cpu_times"].user + process.info["cpu_times"].system
    return total


def own_seconds() -> float:
    """CPU time of this process: the load generator's threads."""
    import psutil

    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def busy_seconds() -> float:
    import psutil

    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


# --------------------------------------------------------------------------- pgbench

PGBENCH_TABLES = """
DROP TABLE IF EXISTS bench_outboxevent, bench_statusevent, bench_attachment, bench_application, bench_numbers;
CREATE TABLE bench_application (
    id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, number varchar(30) NOT NULL, uuid uuid NOT NULL UNIQUE,
    draft_uuid uuid NOT NULL UNIQUE, answers jsonb NOT NULL, status varchar(20) NOT NULL,
    submitted_at timestamptz NOT NULL, UNIQUE (tenant_id, number));
CREATE INDEX ON bench_application (tenant_id, submitted_at);
CREATE TABLE bench_attachment (
    id bigserial PRIMARY KEY, application_id bigint NOT NULL REFERENCES bench_application(id),
    field varchar(200) NOT NULL, name varchar(200) NOT NULL, content_type varchar(100) NOT NULL,
    size bigint NOT NULL, sha256 varchar(64) NOT NULL, key varchar(200) NOT NULL);
CREATE INDEX ON bench_attachment (application_id);
CREATE TABLE bench_statusevent (
    id bigserial PRIMARY KEY, application_id bigint NOT NULL REFERENCES bench_application(id),
    status varchar(20) NOT NULL, at timestamptz NOT NULL);
CREATE INDEX ON bench_statusevent (application_id);
CREATE TABLE bench_outboxevent (
    id bigserial PRIMARY KEY, application_id bigint NOT NULL REFERENCES bench_application(id),
    kind varchar(60) NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX ON bench_outboxevent (application_id);
CREATE SEQUENCE IF NOT EXISTS bench_number_seq;
CREATE TABLE bench_numbers (
    tenant_id bigint NOT NULL, year int NOT NULL, last int NOT NULL, PRIMARY KEY (tenant_id, year));
INSERT INTO bench_numbers VALUES (1, 2026, 0);
"""


def pgbench_script(with_number_lock: bool) -> str:
    answers = json.dumps(
        {
            "person": {"person": {"vorname": "Mia", "nachname": "Muster 1", "telefon": ""}},
            "vorhaben": {"vorhaben": {"ort": "Hauptstraße 1", "beschreibung": DESCRIPTION}},
            "nachweis": {"unterlagen": {"lageplan": {"key": "attachments/ab/" + "ab" * 32, "sha256": "ab" * 32}}},
        },
        ensure_ascii=False,
    )
    number = "'A-2026-' || nextval('bench_number_seq')"
    lines = ["BEGIN;"]
    if with_number_lock:
        lines.append(
            "UPDATE bench_numbers SET last = last + 1 WHERE tenant_id = 1 AND year = 2026 RETURNING last \\gset"
        )
        number = "'A-2026-' || :last"
    lines += [
        "INSERT INTO bench_application (tenant_id, number, uuid, draft_uuid, answers, status, submitted_at) "
        f"VALUES (1, {number}, gen_random_uuid(), gen_random_uuid(), '{answers}', 'submitted', now()) "
        "RETURNING id AS app \\gset",
        "INSERT INTO bench_attachment (application_id, field, name, content_type, size, sha256, key) VALUES "
        "(:app, 'nachweis.unterlagen.lageplan', 'lageplan.pdf', 'application/pdf', 1048576, md5(random()::text) "
        "|| md5(random()::text), 'attachments/ab/' || md5(random()::text) || md5(random()::text));",
        "INSERT INTO bench_statusevent (application_id, status, at) VALUES (:app, 'submitted', now());",
        "INSERT INTO bench_outboxevent (application_id, kind, payload, created_at) VALUES "
        '(:app, \'application.submitted\', \'{"number": "A-2026-000001", "forwardable": true}\', now());',
        "COMMIT;",
    ]
    return "\n".join(lines) + "\n"


def find_pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    return str(candidates[-1]) if candidates else None


def run_pgbench(db: ServerDatabase, args: argparse.Namespace, workdir: Path, with_lock: bool) -> dict[str, float]:
    binary = find_pgbench()
    if binary is None:
        raise RuntimeError("pgbench fehlt (kommt mit PostgreSQL: postgresql-client)")
    import psycopg

    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute(PGBENCH_TABLES)  # type: ignore[arg-type]
    script = workdir / f"pgbench_{'lock' if with_lock else 'plain'}.sql"
    script.write_text(pgbench_script(with_lock), encoding="utf-8")
    parts = urlsplit(db.url)
    command = [
        binary, "-n", "-c", str(args.users), "-j", "2", "-T", str(args.pgbench_duration), "-f", str(script),
        "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
        parts.path.lstrip("/"),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    if result.returncode != 0 or not tps or not latency:
        raise RuntimeError(f"pgbench failed:\n{result.stdout}\n{result.stderr}")
    return {"tps": float(tps.group(1)), "latency": float(latency.group(1))}


# --------------------------------------------------------------------------- verification


def verify(db: ServerDatabase, acknowledged: list[tuple[str, str]]) -> dict[str, int]:
    rows = db.query("SELECT number, draft_uuid FROM applications_application")
    stored: dict[str, list[str]] = {}
    for number, draft in rows:
        stored.setdefault(number, []).append(str(uuid.UUID(str(draft))))
    drafts = [d for ds in stored.values() for d in ds]
    lost = sum(1 for draft, number in acknowledged if stored.get(number) != [draft])
    duplicated = (len(rows) - len(stored)) + (len(drafts) - len(set(drafts)))
    return {
        "acknowledged": len(acknowledged),
        "stored": len(rows),
        "lost": lost,
        "duplicated": duplicated,
        "unacknowledged_stored": len(rows) - len({n for _d, n in acknowledged}),
    }


# --------------------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rathaus-bench-submit-"))
    db = (
        ServerDatabase("sqlite", workdir)
        if args.db == "sqlite"
        else ServerDatabase("postgres", workdir, pg_url=args.pg_url, name=args.pg_url.rsplit("/", 1)[1])
    )
    db.create()
    print(f"Daten: {workdir}; Datenbank {args.db}", flush=True)
    try:
        (workdir / "clamd").mkdir()
        with running_clamd(workdir / "clamd") as sock:
            env = server_env(
                db.url, workdir / "data", sock, RATHAUS_EVENTS_DISPATCH="0" if args.no_event_dispatch else "1"
            )
            print(f"migrieren, {args.users} Bürgerinnen und Bürger anlegen …", flush=True)
            run_module(env, "tests.durability.seed", "--users", str(args.users), "--out", str(workdir / "seed.json"))
            sessions = json.loads((workdir / "seed.json").read_text())["sessions"]
            server = Server(env, workdir / "server.log", workers=args.workers, port=args.port)
            server.start()
            try:
                rows = measure(args, server, sessions, db, workdir)
            except Exception:
                print(f"Fehler; Serverprotokoll: {workdir / 'server.log'}", file=sys.stderr)
                raise
            finally:
                server.stop()
    finally:
        db.drop()
    table = render(args, rows)
    print(table)
    with args.results.open("a", encoding="utf-8") as handle:
        handle.write(table + "\n")
    print(f"angehängt an {args.results}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if rows["check"]["lost"] == 0 and rows["check"]["duplicated"] == 0 else 1


def measure(
    args: argparse.Namespace, server: Server, sessions: list[str], db: ServerDatabase, workdir: Path
) -> dict[str, Any]:
    pdfs = PdfFactory(args.pdf_kb * 1024)
    load = Load(server, sessions, pdfs)
    print(f"  PDF: {len(pdfs.base)} Byte; Aufwärmen (eine Einreichung je Person) …", flush=True)
    load.submissions(duration=1, once=True)
    warm_errors = list(load.errors)
    load.errors.clear()
    print(f"  Phase /healthz: {args.users} Clients, {args.healthz_duration} s …", flush=True)
    healthz = load.healthz(args.healthz_duration)
    mode = f"{args.rate:g}/s gestartet" if args.rate else "geschlossene Schleife"
    print(f"  Phase Einreichungen: {args.users} Clients, {args.duration} s, {mode} …", flush=True)
    pids = [server.process.pid] if server.process else []
    clamd = clamd_pids()
    cpu_before, clamd_before = cpu_seconds(pids), cpu_seconds(clamd)
    pg_before, own_before = postgres_seconds(), own_seconds()
    busy_before, wall_before = busy_seconds(), time.time()
    load_avg = os.getloadavg()[0]
    submissions = load.submissions(args.duration, args.rate)
    wall = time.time() - wall_before
    server_cpu, clamd_cpu = cpu_seconds(pids) - cpu_before, cpu_seconds(clamd) - clamd_before
    pg_cpu, own_cpu = postgres_seconds() - pg_before, own_seconds() - own_before
    busy = busy_seconds() - busy_before
    count = max(1, submissions["count"])
    submissions["cpu"] = {
        "server_ms": server_cpu * 1000 / count,
        "clamd_ms": clamd_cpu * 1000 / count,
        "postgres_ms": pg_cpu * 1000 / count,
        "client_ms": own_cpu * 1000 / count,
        "other_ms": max(0.0, busy - server_cpu - clamd_cpu - pg_cpu - own_cpu) * 1000 / count,
        "busy_share": busy / (wall * (os.cpu_count() or 1)) * 100,
    }
    pgbench: dict[str, dict[str, float]] = {}
    if args.db == "postgres":
        for with_lock in (False, True):
            print(f"  pgbench ({'mit' if with_lock else 'ohne'} Nummernsperre) …", flush=True)
            pgbench["lock" if with_lock else "plain"] = run_pgbench(db, args, workdir, with_lock)
    check = verify(db, load.acknowledged)
    print(f"  Prüfung: {check}; Fehler: {len(load.errors)} (Aufwärmen {len(warm_errors)})", flush=True)
    return {
        "healthz": healthz,
        "submissions": submissions,
        "pgbench": pgbench,
        "check": check,
        "errors": load.errors + warm_errors,
        "load": load_avg,
        "pdf_bytes": len(pdfs.base),
    }


def render(args: argparse.Namespace, rows: dict[str, Any]) -> str:
    import django

    s, h, check, cpu = rows["submissions"], rows["healthz"], rows["check"], rows["submissions"]["cpu"]
    pg = rows["pgbench"]
    mode = f"{args.rate:g} submissions/s started" if args.rate else "closed loop (no think time)"
    lines = [
        f"### {dt.date.today().isoformat()} — submissions, {args.db}, {args.users} users, {mode}",
        "",
        f"`{' '.join(['python', 'bench/submit.py', *sys.argv[1:]])}` — {os.cpu_count()} CPUs, {args.workers} gunicorn "
        f"sync workers, Python {platform.python_version()}, Django {django.get_version()}; clamd with the test "
        f"signatures; PDF {rows['pdf_bytes'] / 1024 / 1024:.2f} MiB; load average before {rows['load']:.2f}",
        "",
        "| measured | count | per s | median ms | p95 ms | p99 ms | p95 ÷ healthz p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| `/healthz` (baseline) | {h['count']} | {h['per_second']:.0f} | {h['median']:.1f} | {h['p95']:.1f} "
        f"| {h['p99']:.1f} | 1.0 |",
        f"| whole submission (6 requests) | {s['count']} | {s['per_second']:.1f} | {s['flow']['median']:.0f} "
        f"| {s['flow']['p95']:.0f} | {s['flow']['p99']:.0f} | {s['flow']['p95'] / h['p95']:.0f} |",
    ]
    for stage in STAGES:
        st = s["stages"][stage]
        lines.append(
            f"| – {stage} request | | | {st['median']:.0f} | {st['p95']:.0f} | {st['p99']:.0f} "
            f"| {st['p95'] / h['p95']:.0f} |"
        )
    for name, label in (("plain", "4 INSERTs"), ("lock", "number row lock + 4 INSERTs")):
        if name in pg:
            lines.append(
                f"| pgbench: {label} in one transaction | | {pg[name]['tps']:.0f} tps | {pg[name]['latency']:.1f} "
                "(avg) | | | |"
            )
    ratio = f"{s['per_second'] / pg['plain']['tps']:.3f}" if "plain" in pg else "–"
    ratio_lock = f"{s['per_second'] / pg['lock']['tps']:.3f}" if "lock" in pg else "–"
    lines += [
        "",
        f"submissions/s ÷ pgbench tps: {ratio} (with number lock: {ratio_lock}); "
        f"CPU per submission: gunicorn {cpu['server_ms']:.0f} ms, clamd {cpu['clamd_ms']:.0f} ms, "
        f"PostgreSQL {cpu['postgres_ms']:.0f} ms, load generator {cpu['client_ms']:.0f} ms, "
        f"rest {cpu['other_ms']:.0f} ms; "
        f"machine busy {cpu['busy_share']:.0f} %; "
        f"acknowledged {check['acknowledged']} (incl. warm-up), stored {check['stored']}, lost {check['lost']}, "
        f"duplicated {check['duplicated']}, errors {len(rows['errors'])}",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
