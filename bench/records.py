"""E-Akte benchmark on PostgreSQL: journal verification, filing, work queue and full-text search, with baselines.

    .venv/bin/python bench/records.py [--entries 1000000] [--cases 20000] [--docs 200000] [--users 20]
        [--parts journal,filing,load,profile,http] [--filings 300] [--http-duration 60] [--wait 1-2]

Every run from scratch: drops and creates the database ``rathaus_bench_records`` (``--pg-url``), migrates.

1. Journal: bulk-loads a valid hash chain of ``--entries`` entries for one municipality (hashes computed with
   ``journal._canonical``/``chain_hash``, rows by COPY), then times ``rathaus audit verify`` (the command as an
   operator runs it). Baseline in the same run: SHA-256 over the same canonical bytes in a loop (no database).
2. Work queue and search: ``--cases`` cases in ``--cases``/2 files across 10 units, ``--docs`` documents with
   one version each and German text; the search index is built by ``search.rebuild_all``. Then ``--users``
   threads (one DB connection each, as gunicorn workers would have) act as caseworkers of different units and
   run for ``--duration`` seconds each phase: the queue (what the page asks: ``queues.page_of`` of the open
   cases of my units by deadline with its capped total, and ``queues.counts``), the full-text search
   (``search.search_cases`` with facets) and the baseline (one plain indexed ``SELECT`` of a case by primary
   key). p50/p95 per phase. Closed loop, no think time: this is the capacity figure; the HTTP figure with
   think time is ``bench/locustfile_records.py``.
   This measures the selectors in-process, not over HTTP: the database work and its concurrency. Two more
   phases ask for the whole pages in-process (Django's test client, one per thread, logged in with a second
   factor): the work-queue page and the page searched — everything a request does but the network.
3. Filing (``--parts filing``): ``--filings`` applications submitted through the applications services (the
   records consumer held back), then filed one after the other by ``services.file_application`` as the
   consumer does; cases per second against single-row INSERTs per second. ``BENCH_PROFILE=1`` prints a profile.
4. HTTP (``--parts http``): ``rathaus serve`` (gunicorn, ``--workers``: 2 × cores) on the same database and
   ``bench/locustfile_records.py``: ``--users`` caseworkers with think time ``--wait`` on the work-queue page
   and its full-text search for ``--http-duration`` seconds; locust's p50/p95.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pg_world import copy_rows, setup  # noqa: E402 - after the path

WORDS = [
    "Hund",
    "Hunde",
    "Hundesteuer",
    "Bello",
    "Dackel",
    "Anmeldung",
    "Abmeldung",
    "Wohngeld",
    "Miete",
    "Einkommen",
    "Bauantrag",
    "Garage",
    "Carport",
    "Zaun",
    "Grundstück",
    "Lindenweg",
    "Ahornstraße",
    "Gewerbe",
    "Gaststätte",
    "Sondernutzung",
    "Gehweg",
    "Baum",
    "Fällung",
    "Sperrmüll",
    "Bescheid",
    "Widerspruch",
    "Nachweis",
    "Kontoauszug",
    "Lohnabrechnung",
    "Mietvertrag",
    "Geburtsurkunde",
    "Personalausweis",
    "Antrag",
    "Frist",
    "Zahlung",
    "Gebühr",
    "Erstattung",
    "Kita",
    "Betreuung",
    "Elterngeld",
    "Parkausweis",
    "Kennzeichen",
    "Fahrzeug",
    "Zulassung",
]
SYLLABLES = [a + b for a in "bdklmnrst" for b in "aeio"]
FILLER = sorted({"".join(random.Random(n).choices(SYLLABLES, k=3)) + "ung" for n in range(20000)})
QUERIES = ["Hunde", "Wohngeld Miete", "Bauantrag Garage", "Lindenweg", "Gebühr", "Sondernutzung Gehweg", "Müller"]
SURNAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Wolf",
]


def document_text(rnd: random.Random) -> str:
    """40 words: filler words with a Zipf-like spread, and a topic word now and then (about 3 per document)."""
    return " ".join(
        rnd.choice(WORDS) if rnd.random() < 0.08 else FILLER[min(int(rnd.paretovariate(1.0)) - 1, len(FILLER) - 1)]
        for _ in range(40)
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/rathaus_bench_records")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=20, help="seconds per load phase")
    parser.add_argument("--parts", default="journal,filing,load,http", help="comma-separated subset")
    parser.add_argument("--filings", type=int, default=300, help="applications filed in the filing phase")
    parser.add_argument("--http-duration", type=int, default=60, help="seconds of the locust run")
    parser.add_argument("--wait", default="1-2", help="think time of the locust users (MIN-MAX s, or 0)")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1),
        help="gunicorn workers of the HTTP part (default 2 × cores, as docs/operators/production.md advises)",
    )  # fmt: skip
    return parser.parse_args()


def bench_journal(entries: int) -> dict[str, float]:
    from django.core.management import call_command

    from rathaus.records import journal
    from rathaus.records.models import JournalHead
    from rathaus.tenants.models import Municipality

    tenant = Municipality.objects.create(slug="journal", name="Journalstadt", ags="05999100")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    prev = journal.GENESIS
    rows = []
    canonicals = []
    t0 = time.perf_counter()
    for seq in range(1, entries + 1):
        at = start + dt.timedelta(seconds=seq)
        detail = {"version": seq % 7} if seq % 3 else {}
        fields = dict(
            tenant_id=tenant.pk,
            seq=seq,
            at=at,
            actor_id=None,
            actor="Posteingang (automatisch)",
            role="system",
            action="case.read",
            object_type="case",
            object_id=f"92.01-2026-{seq:06d}/1",
            outcome="done",
            remote_addr="",
            detail=detail,
        )
        canonical = journal._canonical(**fields)
        canonicals.append(canonical)
        h = journal.chain_hash(prev, canonical)
        rows.append(
            (tenant.pk, seq, at, None, fields["actor"], "system", "case.read", "case", fields["object_id"], "done", "",
             json.dumps(detail), prev, h)
        )  # fmt: skip
        prev = h
    generate = time.perf_counter() - t0
    t0 = time.perf_counter()
    columns = (
        "tenant_id seq at actor_id actor role action object_type object_id outcome remote_addr detail prev_hash hash"
    )
    copy_rows("records_journalentry", columns.split(), rows)
    JournalHead.objects.create(tenant_id=tenant.pk, seq=entries, hash=prev)
    load = time.perf_counter() - t0
    del rows
    # Baseline: the bare hashing of the same bytes (no database, no JSON encoding).
    t0 = time.perf_counter()
    p = journal.GENESIS
    sha = hashlib.sha256
    for canonical in canonicals:
        p = sha(p.encode("ascii") + canonical).hexdigest()
    raw = time.perf_counter() - t0
    assert p == prev
    out = io.StringIO()
    t0 = time.perf_counter()
    call_command("audit", "verify", "--tenant", "journal", stdout=out, stderr=out)
    verify = time.perf_counter() - t0
    print(out.getvalue().strip())
    return {"generate_s": generate, "copy_s": load, "verify_s": verify, "raw_sha256_s": raw, "ratio": verify / raw}


def load_cases(n_cases: int, n_docs: int) -> tuple[object, list]:
    from django.utils import timezone

    from rathaus.identity.models import StaffRole
    from rathaus.identity.tests.factories import StaffFactory
    from rathaus.records import search
    from rathaus.records.models import FilePlanUnit
    from rathaus.tenants.models import Municipality, OrgUnit

    rnd = random.Random(9)
    tenant = Municipality.objects.create(slug="akten", name="Aktenstadt", ags="05999101")
    units = [OrgUnit.objects.create(tenant=tenant, key=f"FB{i}", name=f"Fachbereich {i}") for i in range(10)]
    plan = FilePlanUnit.objects.create(tenant=tenant, code="92.01", title="Hundesteuer")
    now = timezone.now()
    today = timezone.localdate()
    n_files = max(1, n_cases // 2)
    t0 = time.perf_counter()
    copy_rows(
        "records_party",
        ["id", "tenant_id", "kind", "name", "address", "email"],
        [(i, tenant.pk, "person", f"{rnd.choice(SURNAMES)} {i}", "", "") for i in range(1, n_files + 1)],
    )
    copy_rows(
        "records_casefile",
        ["id", "uuid", "tenant_id", "reference", "plan_unit_id", "subject", "owner_unit_id", "party_id", "status", "confidentiality", "personal_data", "retention_years", "disposal", "legal_hold", "legal_hold_reason", "opened_at", "grouping_key"],  # noqa: E501
        [
            (i, __import__("uuid").uuid4(), tenant.pk, f"92.01-2026-{i:06d}", plan.pk,
             f"{rnd.choice(WORDS)} {rnd.choice(SURNAMES)}", units[i % 10].pk, i, "open", "internal", True, 10, "V", False, "",  # noqa: E501
             now, "")
            for i in range(1, n_files + 1)
        ],
    )  # fmt: skip
    statuses = ["new", "in_progress", "waiting", "decided", "closed"]
    copy_rows(
        "records_case",
        ["id", "uuid", "tenant_id", "file_id", "number", "subject", "status", "owner_unit_id", "service_key", "application_number", "due_on", "opened_at"],  # noqa: E501
        [
            (i, __import__("uuid").uuid4(), tenant.pk, (i - 1) // 2 + 1, (i - 1) % 2 + 1,
             f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}", rnd.choice(statuses), units[((i - 1) // 2 + 1) % 10].pk,
             rnd.choice(["99102013104000", "99107023037000", "99012070006000"]), f"A-2026-{i:06d}",
             today + dt.timedelta(days=rnd.randint(-30, 60)), now - dt.timedelta(minutes=(n_cases - i) * 20))
            for i in range(1, n_cases + 1)
        ],
    )  # fmt: skip
    copy_rows(
        "records_document",
        ["id", "uuid", "tenant_id", "case_id", "kind", "title", "created_at", "origin"],
        [
            (i, __import__("uuid").uuid4(), tenant.pk, (i - 1) % n_cases + 1, "incoming", f"Eingang {i}", now, "")
            for i in range(1, n_docs + 1)
        ],
    )  # fmt: skip
    copy_rows(
        "records_documentversion",
        ["tenant_id", "document_id", "version", "sha256", "key", "name", "content_type", "size", "text", "created_at"],
        [
            (tenant.pk, i, 1, "0" * 64, "bench", "brief.txt", "text/plain", 100,
             document_text(rnd), now)
            for i in range(1, n_docs + 1)
        ],
    )  # fmt: skip
    loaded = time.perf_counter() - t0
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("records_party", "records_casefile", "records_case", "records_document"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    t0 = time.perf_counter()
    search.rebuild_all()
    indexed = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load (GIN pending list, statistics)
    print(f"loaded {n_cases} cases / {n_docs} documents in {loaded:.1f} s, indexed in {indexed:.1f} s")
    users = []
    for i in range(10):
        user = StaffFactory(tenant=tenant, email=f"sb{i}@akten.test")
        StaffRole.objects.create(tenant=tenant, user=user, org_unit=units[i], role="caseworker")
        users.append(user)
    return tenant, users


def run_phase(name: str, work, users: list, threads: int, duration: int) -> dict[str, float]:
    from django.db import connection

    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def worker(k: int) -> None:
        user = users[k % len(users)]
        rnd = random.Random(k)
        mine: list[float] = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            work(user, rnd)
            mine.append(time.perf_counter() - t0)
        connection.close()
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {"phase": name, "requests": len(latencies), "rps": len(latencies) / duration, "p50_ms": q[49] * 1000,
            "p95_ms": q[94] * 1000}  # fmt: skip


def bench_load(tenant, users: list, threads: int, duration: int) -> list[dict]:
    from rathaus.records import queues, search
    from rathaus.records.models import Case

    def baseline(user, rnd) -> None:
        Case.objects.for_tenant(tenant).filter(pk=rnd.randint(1, 20000)).values_list("subject").first()

    def queue(user, rnd) -> None:
        # What the work-queue page asks (views.queue): the open cases of my units by deadline, one page with its
        # capped total, and the menu's counts.
        f = queues.QueueFilter.from_query({})
        queues.page_of(queues.filtered(user, tenant, f), f)
        queues.counts(user, tenant)

    def fulltext(user, rnd) -> None:
        search.search_cases(user, tenant, rnd.choice(QUERIES))

    clients = pages(tenant, users)

    def queue_page(user, rnd) -> None:
        response = clients(user).get("/intern/akten/")
        assert response.status_code == 200, response.status_code

    def search_page(user, rnd) -> None:
        response = clients(user).get("/intern/akten/", {"suche": rnd.choice(QUERIES), "status": "alle"})
        assert response.status_code == 200, response.status_code

    return [run_phase(name, work, users, threads, duration) for name, work in
            (("baseline SELECT by pk", baseline), ("work queue", queue), ("full-text search", fulltext),
             ("work-queue page", queue_page), ("search page", search_page))]  # fmt: skip


def pages(tenant, users: list):
    """A Django test client per thread, logged in as the thread's caseworker: the whole page in-process (the
    middleware, the access check, the navigation, the view and its template), without a server or network."""
    from django.test import Client

    from rathaus.tenants.models import Domain

    Domain.objects.get_or_create(host="127.0.0.1", defaults={"municipality": tenant, "is_primary": True})
    keys = dict(zip([user.pk for user in users], sessions_for(users), strict=True))
    local = threading.local()

    def client(user) -> Client:
        if getattr(local, "user", None) != user.pk:
            local.client = Client(HTTP_HOST="127.0.0.1")
            local.client.cookies["sessionid"] = keys[user.pk]
            local.user = user.pk
        return local.client

    return client


def profile_page(tenant, users: list, n: int = 40) -> None:
    """One caseworker asks for the work-queue page ``n`` times in one thread: time per page, the queries of one
    page, and a cProfile of all of them (where the time of a page goes, for the p95 target of issue 9)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = pages(tenant, users)
    user = users[0]
    client(user).get("/intern/akten/")  # warm: templates compiled, caches filled
    with CaptureQueriesContext(connection) as queries:
        client(user).get("/intern/akten/")
    times = []
    profiler = cProfile.Profile()
    for _ in range(n):
        t0 = time.perf_counter()
        profiler.enable()
        client(user).get("/intern/akten/")
        profiler.disable()
        times.append(time.perf_counter() - t0)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(json.dumps({"phase": "work-queue page, one thread", "pages": n, "p50_ms": statistics.median(times) * 1000,
                      "min_ms": min(times) * 1000, "queries": len(queries), "sql_ms_one_page": sql_ms}))  # fmt: skip
    for q in queries.captured_queries:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def sessions_for(users: list) -> list[str]:
    """Session keys of ``users`` logged in with a verified second factor (as ``login_staff`` in the tests)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "rathaus.identity.backends.TenantEmailBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, name="rathaus").persistent_id
        session.create()
        keys.append(session.session_key)
    return keys


def bench_http(tenant, users: list, args: argparse.Namespace) -> list[dict]:
    """The work-queue page and its search over HTTP: ``rathaus serve`` (gunicorn, ``--workers``, embedded settings
    on the same database) and locust with ``--users`` caseworkers, think time ``--wait`` seconds."""
    import csv
    import subprocess
    import tempfile
    import urllib.request

    from rathaus.tenants.models import Domain

    Domain.objects.get_or_create(host="127.0.0.1", defaults={"municipality": tenant, "is_primary": True})
    workdir = Path(tempfile.mkdtemp(prefix="rathaus-bench-records-"))
    cookies = workdir / "cookies.txt"
    cookies.write_text("\n".join(sessions_for(users)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")])),
        "RATHAUS_DATA_DIR": str(workdir), "DATABASE_URL": args.pg_url, "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING", "BENCH_COOKIES": str(cookies), "BENCH_WAIT": args.wait,
    })  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    log = open(workdir / "server.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "rathaus.cli", "serve", f"127.0.0.1:{args.port}", "--workers", str(args.workers)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    rows = []
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        prefix = workdir / "locust"
        command = [
            str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile_records.py"),
            "--headless", "--only-summary", "--loglevel", "WARNING", "-u", str(args.users), "-r", "5",
            "-t", f"{args.http_duration}s", "--host", base, "--csv", str(prefix),
        ]  # fmt: skip
        with open(workdir / "locust.log", "w", encoding="utf-8") as out:
            subprocess.run(command, env=env, check=False, stdout=out, stderr=subprocess.STDOUT)
        with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows.append({"phase": f"HTTP {row['Name']}", "requests": int(row["Request Count"]),
                             "failures": int(row["Failure Count"]), "rps": float(row["Requests/s"]),
                             "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
                             "think_s": args.wait})  # fmt: skip
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()
    print(f"HTTP: Protokolle in {workdir}")
    return rows


def bench_filing(n: int) -> dict[str, float]:
    """Applications filed as cases per second by what the records consumer calls (``services.file_application``;
    the answers PDF is made later, off this path), one after the other as one consumer works. The ``n``
    applications are submitted first through the applications services while the consumer files nothing.
    Baseline in the same run: ``n`` single-row INSERTs, each in its own transaction."""
    from django.db import transaction

    from rathaus.applications import services as applications
    from rathaus.applications.tests.conftest import HUND_FORM
    from rathaus.catalog.tests.factories import ServiceFactory
    from rathaus.identity.tests.factories import CitizenFactory
    from rathaus.records import services, tasks
    from rathaus.records.models import Case, FilePlanUnit, Party
    from rathaus.tenants.models import Municipality

    tenant = Municipality.objects.create(slug="ablage", name="Ablagestadt", ags="05999102")
    FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    service = ServiceFactory(tenant=tenant, slug="hund", name="Hund anmelden", file_plan_code="32.10.01",
                             trust_level="none")  # fmt: skip
    definition = {**HUND_FORM, "id": "hund-frei", "fees": [], "payment_required_before_forwarding": False}
    form = applications.publish_form(service=service, definition=definition)
    real_file, real_pdf = services.file_application, tasks.schedule_application_pdf
    services.file_application = lambda **kwargs: None  # type: ignore[assignment]  # the consumer waits
    tasks.schedule_application_pdf = lambda *args, **kwargs: None  # type: ignore[assignment]
    numbers = []
    try:
        for i in range(n):
            citizen = CitizenFactory(tenant=tenant, first_name="Mia", last_name=f"Muster {i}")
            draft = applications.start_draft(tenant=tenant, service=service, owner=citizen, form_version=form)
            names = {"halter.person.vorname": "Mia", "halter.person.nachname": f"Muster {i}"}
            applications.save_step(draft=draft, step_id="halter", data=names)
            applications.save_step(draft=draft, step_id="hunde", data={"hunde.hund.0.name": f"Bello {i}"})
            submitted = applications.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
            numbers.append(submitted.number)
    finally:
        services.file_application, tasks.schedule_application_pdf = real_file, real_pdf  # type: ignore[assignment]
    assert not Case.objects.for_tenant(tenant).exists()
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    t0 = time.perf_counter()
    for number in numbers:
        services.file_application(tenant=tenant.pk, number=number)
    filing = time.perf_counter() - t0
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile).sort_stats("cumtime").print_stats(40)
    assert Case.objects.for_tenant(tenant).count() == n
    t0 = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            Party.objects.create(tenant=tenant, name=f"Basis {i}")
    insert = time.perf_counter() - t0
    return {"applications": n, "filing_s": filing, "filed_per_s": n / filing, "baseline_insert_per_s": n / insert,
            "ratio": (n / insert) / (n / filing)}  # fmt: skip


def main() -> None:
    args = parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-records-" + "x" * 60)  # the same for this process and the server
    setup(args.pg_url)
    parts = args.parts.split(",")
    print(f"# bench/records.py {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
    if "journal" in parts:
        print(json.dumps({"journal_entries": args.entries, **bench_journal(args.entries)}, default=str))
    if "filing" in parts:
        print(json.dumps({"phase": "filing", **bench_filing(args.filings)}), flush=True)
    if {"load", "profile", "http"} & set(parts):
        tenant, users = load_cases(args.cases, args.docs)
        if "load" in parts:
            for row in bench_load(tenant, users, args.users, args.duration):
                print(json.dumps(row), flush=True)
        if "profile" in parts:
            profile_page(tenant, users)
        if "http" in parts:
            for row in bench_http(tenant, users, args):
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
