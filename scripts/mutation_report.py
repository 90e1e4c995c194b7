"""Score of the last `mutmut run` per module, with the surviving mutants, into docs/testing.md.

Reads the results mutmut keeps under ``mutants/`` (via ``mutmut results --all``), counts per module what was
killed (a test failed, timed out or the type checker refused the mutant) and what was not (survived, no test
reached it), subtracts the mutants explained as equivalent in ``scripts/mutation_equivalent.txt`` (one
``mutant-name  reason`` per line) and writes the table between the markers in docs/testing.md.

Runs of separate globs or groups of modules accumulate: every ``mutants/<module>.meta`` found counts. With
``--keep-previous`` a module of the table in docs/testing.md that has no results now keeps its row, marked
as being from an earlier run (so a partial re-run does not drop the modules it did not touch).

    .venv/bin/python scripts/mutation_report.py [--check 90] [--keep-previous]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing.md"
EQUIVALENT = ROOT / "scripts" / "mutation_equivalent.txt"
START, END = "<!-- mutation:start -->", "<!-- mutation:end -->"
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
LINE = re.compile(r"^\s*(?P<name>[\w.]+): (?P<status>.+?)\s*$")
ROW = re.compile(
    r"^\| `(?P<module>[^`]+)`(?P<mark> †)? \| (?P<mutants>\d+) \| (?P<killed>\d+) \| (?P<equivalent>\d+) "
    r"\| (?P<survived>\d+) \|( (?P<unchecked>\d+) \|)?"
)
EARLIER = " †"


def results() -> list[tuple[str, str]]:
    out = subprocess.run(  # noqa: S603 - our own venv's mutmut, fixed arguments
        [str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [(m["name"], m["status"]) for line in out.splitlines() if (m := LINE.match(line))]


def equivalent() -> dict[str, str]:
    if not EQUIVALENT.exists():
        return {}
    explained = {}
    for line in EQUIVALENT.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, reason = line.strip().partition(" ")
            explained[name] = reason.strip()
    return explained


def module_of(mutant: str) -> str:
    """``rathaus.identity.trust.x_rank__mutmut_3`` → ``rathaus/identity/trust.py``."""
    parts = mutant.split(".")
    while parts and not parts[-1].startswith(("x_", "xǁ")):
        parts.pop()
    return "/".join(parts[:-1]) + ".py"


def configured_modules() -> list[str]:
    """``[tool.mutmut] only_mutate`` of pyproject.toml (modules without any result are listed as not run)."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        return list(tomllib.load(f).get("tool", {}).get("mutmut", {}).get("only_mutate", []))


def previous_rows(text: str) -> dict[str, Counter[str]]:
    """The per-module counts of the table now in docs/testing.md (for ``--keep-previous``)."""
    _, _, rest = text.partition(START)
    table, _, _ = rest.partition(END)
    found: dict[str, Counter[str]] = {}
    for line in table.splitlines():
        if m := ROW.match(line):
            found[m["module"]] = Counter(
                {k: int(m[k]) for k in ("killed", "equivalent", "survived")},
                **{"not checked": int(m["unchecked"] or 0)},
            )
    return found


def report(
    rows: list[tuple[str, str]], explained: dict[str, str], earlier: dict[str, Counter[str]] | None = None
) -> tuple[str, float]:
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for name, status in rows:
        module = module_of(name)
        if status in KILLED:
            per_module[module]["killed"] += 1
        elif status == "not checked":
            per_module[module]["not checked"] += 1
        elif name in explained:
            per_module[module]["equivalent"] += 1
        else:
            per_module[module]["survived"] += 1
            survivors[module].append(f"{name} ({status})")
    kept = {module: counts for module, counts in (earlier or {}).items() if module not in per_module}
    for module, counts in kept.items():
        per_module[module] = Counter({k: counts[k] for k in ("killed", "equivalent", "survived", "not checked")})
    lines = [
        "| module | mutants | killed | equivalent (explained) | surviving | not checked | score |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total: Counter[str] = Counter()
    for module in sorted(per_module):
        c = per_module[module]
        total.update(c)
        counted = c["killed"] + c["equivalent"] + c["survived"]
        score = 100.0 * (c["killed"] + c["equivalent"]) / counted if counted else 100.0
        mark = EARLIER if module in kept else ""
        lines.append(
            f"| `{module}`{mark} | {counted + c['not checked']} | {c['killed']} | {c['equivalent']} | {c['survived']} "
            f"| {c['not checked']} | {score:.1f} % |"
        )
    not_run = sorted(set(configured_modules()) - set(per_module))
    for module in not_run:
        lines.append(f"| `{module}` | – | – | – | – | – | not run |")
    counted = total["killed"] + total["equivalent"] + total["survived"]
    score = 100.0 * (total["killed"] + total["equivalent"]) / counted if counted else 0.0
    lines.append(
        f"| **all** | **{counted + total['not checked']}** | **{total['killed']}** | **{total['equivalent']}** "
        f"| **{total['survived']}** | **{total['not checked']}** | **{score:.1f} %** |"
    )
    if kept:
        lines.append(f"\n†: not re-run this time; the counts of the earlier run ({len(kept)} modules).")
    if total["not checked"]:
        lines.append(
            f"\n{total['not checked']} mutants were not checked (run interrupted); the score counts the checked ones."
        )
    if survivors:
        lines.append("\nSurviving mutants (`mutmut show NAME` prints the change):\n")
        for module in sorted(survivors):
            lines.append(f"- `{module}`: " + ", ".join(f"`{s}`" for s in sorted(survivors[module])))
    return "\n".join(lines), score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=float, default=None, help="exit 1 below this score (percent)")
    parser.add_argument(
        "--keep-previous", action="store_true", help="keep the rows of modules without results from docs/testing.md"
    )
    args = parser.parse_args()
    text = DOC.read_text()
    table, score = report(results(), equivalent(), previous_rows(text) if args.keep_previous else None)
    print(table)
    if START in text and END in text:
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        DOC.write_text(f"{head}{START}\n{table}\n{END}{tail}")
    if args.check is not None and score < args.check:
        print(f"mutation score {score:.1f} % is below {args.check} %", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
