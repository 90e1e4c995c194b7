"""FIM fidelity: every real XDatenfelder schema we have, imported now and by the importer before issue 11.

    .venv/bin/python bench/fim.py [--fim-dir ../shared/fim] [--corpus tests/data/fim_public]
                                  [--baseline-commit c8271bb]

Per schema: fields / groups / repetitions / code-list fields / rules in the XML, and what the import keeps:
repetitions kept, code lists resolved (with the genericode files beside the schemas) or reported, rules
translated (their effect enforced) or listed for review; then whether a minimal truthful applicant (natural
person, no representative, address in Germany; rathaus/formengine/tests/fim_applicant.py) completes the form
by the real step validation, first with the code lists we have, then with stand-in lists for the missing ones
(the structure once they are uploaded). The baseline is the importer of ``--baseline-commit`` (git show),
driven the same way. Prints a markdown table; the import time of the largest schema is the best of 5.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.settings.test")

import django  # noqa: E402

django.setup()

from rathaus.formengine import parse_definition  # noqa: E402
from rathaus.formengine.genericode import parse_genericode, resolve, resolver  # noqa: E402
from rathaus.formengine.tests.fim_applicant import complete  # noqa: E402
from rathaus.formengine.xdatenfelder import read_xdatenfelder  # noqa: E402

STAND_IN = [("999", "Platzhalter"), ("000", "deutsch / Deutschland (Platzhalter)")]


def old_importer(commit: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:rathaus/formengine/xdatenfelder.py"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    spec = importlib.util.spec_from_loader("rathaus.formengine._xdf_baseline", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "rathaus.formengine"
    sys.modules[spec.name] = module
    exec(compile(source, "xdatenfelder_baseline.py", "exec"), module.__dict__)  # the importer of our own history
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fim-dir", default=str(ROOT.parent / "shared" / "fim"))
    parser.add_argument("--corpus", default=str(ROOT / "tests" / "data" / "fim_public"))
    parser.add_argument("--baseline-commit", default="c8271bb")
    args = parser.parse_args()
    dirs = [Path(d) for d in (args.fim_dir, args.corpus) if Path(d).is_dir()]
    schemas = sorted(p for d in dirs for p in d.glob("S*.xml"))
    lists = resolver(parse_genericode(p.read_bytes()) for d in dirs for p in d.glob("C*genericode*.xml"))

    def with_stand_ins(uri: str, version: str | None) -> list[tuple[str, str]]:
        return resolve(lists, uri, version) or STAND_IN

    baseline = old_importer(args.baseline_commit)
    rows: list[dict[str, Any]] = []
    for path in schemas:
        data = path.read_bytes()
        now = read_xdatenfelder(data, codelists=lists)
        full = read_xdatenfelder(data, codelists=with_stand_ins)
        old = baseline.read_xdatenfelder(data)
        s = now.stats
        rules = len(now.rules)
        translated = sum(r.status == "translated" for r in now.rules)
        outcome = complete(parse_definition(now.definition))
        outcome_full = complete(parse_definition(full.definition))
        outcome_old = complete(parse_definition(old.definition))
        rows.append(
            {
                "schema": path.name,
                "kb": len(data) // 1024,
                "fields": s["xml_fields"],
                "groups": s["xml_groups"],
                "rep": f"{s['repetitions_kept']}/{s['xml_repetitions']}",
                "cl": f"{s['codelists_resolved']}+{s['xml_codelists'] - s['codelists_resolved']} gemeldet",
                "rules": f"{translated}/{rules}",
                "old": _verdict(outcome_old),
                "now": _verdict(outcome),
                "full": _verdict(outcome_full),
                "_translated": translated,
                "_rules": rules,
                "_rep": (s["repetitions_kept"], s["xml_repetitions"]),
                "_done": tuple(o.completed and not o.forced for o in (outcome_old, outcome, outcome_full)),
                "_filled": (outcome_old.filled, outcome_full.filled),
            }
        )
        for note in now.notes:
            if "mehrfach vorkommen" in note:  # a repetition kept only once
                print(f"  Wiederholung verloren {path.name}: {note}", file=sys.stderr)
        for rule in now.rules:
            if rule.status != "translated":
                print(f"  zur Prüfung {path.name} {rule.fim_id} „{rule.name}“: {rule.reason}", file=sys.stderr)
    largest = max(schemas, key=lambda p: p.stat().st_size)
    best = min(_timed(lambda: read_xdatenfelder(largest.read_bytes(), codelists=lists)) for _ in range(5))
    best_old = min(_timed(lambda: baseline.read_xdatenfelder(largest.read_bytes())) for _ in range(5))
    print(f"bench/fim.py — {time.strftime('%Y-%m-%d')} — {os.cpu_count()} Kerne — {len(schemas)} Schemata\n")
    print("| Schema | KB | Felder | Gruppen | Wiederholungen behalten | Codelisten (aufgelöst + gemeldet) "
          "| Regeln übersetzt | vorher | jetzt | jetzt, Codelisten vollständig |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---|---:|---|---|---|")
    for r in rows:
        print(
            f"| {r['schema']} | {r['kb']} | {r['fields']} | {r['groups']} | {r['rep']} | {r['cl']} | {r['rules']} "
            f"| {r['old']} ({r['_filled'][0]} Angaben) | {r['now']} | {r['full']} ({r['_filled'][1]} Angaben) |"
        )
    total_rules = sum(r["_rules"] for r in rows)
    total_translated = sum(r["_translated"] for r in rows)
    kept = sum(r["_rep"][0] for r in rows)
    reps = sum(r["_rep"][1] for r in rows)
    done = [sum(r["_done"][i] for r in rows) for i in range(3)]
    print(
        f"\nSumme: Regeln {total_translated}/{total_rules} übersetzt "
        f"({100 * total_translated / max(total_rules, 1):.0f} %); Wiederholungen {kept}/{reps} behalten; "
        f"wahrheitsgemäß ausfüllbar vorher {done[0]}/{len(rows)}, jetzt {done[1]}/{len(rows)}, "
        f"mit vollständigen Codelisten {done[2]}/{len(rows)}; Pflichtangaben der Minimal-Antragstellerin vorher "
        f"{sum(r['_filled'][0] for r in rows)}, jetzt {sum(r['_filled'][1] for r in rows)}"
    )
    print(
        f"Import des größten Schemas ({largest.name}, {largest.stat().st_size // 1024} KB): "
        f"{best * 1000:.0f} ms (vorher {best_old * 1000:.0f} ms, Faktor {best / best_old:.1f})"
    )


def _verdict(outcome: Any) -> str:
    if outcome.completed and not outcome.forced:
        return "ja"
    if outcome.completed:
        return f"nur mit {len(outcome.forced)} unzutreffenden Angaben"
    return "nein: " + outcome.stuck.split(":", 1)[-1].strip()[:70]


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
