"""Where the server's time of one submission goes: the whole API journey in-process under pyinstrument.

    .venv/bin/python bench/submit_profile.py [--db postgres|sqlite] [--rounds 20] [--pdf-kb 1024]

Same form, PDFs and real clamd (test signatures) as ``bench/submit.py``, but through Django's test client
in this process (no gunicorn, no network), so the profile shows only server code, clamd waits included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rathaus.attachments.testing import running_clamd  # noqa: E402
from tests.durability.harness import ServerDatabase, server_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pdf-kb", type=int, default=1024)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/rathaus_bench_profile")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rathaus-profile-"))
    db = (
        ServerDatabase("sqlite", workdir)
        if args.db == "sqlite"
        else ServerDatabase("postgres", workdir, pg_url=args.pg_url, name=args.pg_url.rsplit("/", 1)[1])
    )
    db.create()
    (workdir / "clamd").mkdir()
    try:
        with running_clamd(workdir / "clamd") as sock:
            os.environ.update(server_env(db.url, workdir / "data", sock))
            run(args)
    finally:
        from django.db import connections

        connections.close_all()
        db.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.test import Client
    from pyinstrument import Profiler
    from submit import PdfFactory

    from tests.durability.seed import seed
    from tests.durability.submission_flow import API, DESCRIPTION, FILE_PATH, SERVICE_SLUG

    session = seed(1, "127.0.0.1")["sessions"][0]
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=False)
    client.cookies["sessionid"] = session
    pdfs = PdfFactory(args.pdf_kb * 1024)

    def submission(n: int) -> None:
        draft = client.post(f"{API}/drafts", {"service": SERVICE_SLUG}, content_type="application/json").json()["uuid"]
        base = f"{API}/drafts/{draft}"
        step = {"answers": {"person": {"vorname": "Mia", "nachname": f"M {n}"}}}
        client.put(f"{base}/steps/person", step, content_type="application/json")
        step = {"answers": {"vorhaben": {"ort": f"Hauptstraße {n}", "beschreibung": DESCRIPTION}}}
        client.put(f"{base}/steps/vorhaben", step, content_type="application/json")
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("lageplan.pdf", pdfs(), content_type="application/pdf")
        ref = client.post(f"{base}/files/{FILE_PATH}", {"file": upload}).json()
        step = {"answers": {"unterlagen": {"lageplan": ref}}}
        client.put(f"{base}/steps/nachweis", step, content_type="application/json")
        response = client.post(f"{base}/submit")
        assert response.status_code == 201, response.content

    submission(0)  # warm-up: imports, first connection
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for n in range(1, args.rounds + 1):
            submission(n)
    elapsed = (time.perf_counter() - started) * 1000 / args.rounds
    print(f"{args.rounds} Einreichungen, {elapsed:.1f} ms je Einreichung (Wanduhr, ein Prozess, ohne Netz)")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    sys.exit(main())
