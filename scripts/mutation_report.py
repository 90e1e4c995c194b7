"""Score of the last `mutmut run` per module, with the surviving mutants, into docs/testing.md.

Reads the results mutmut keeps under ``mutants/`` (via ``mutmut results --all``), counts per module what was
killed (a test failed, timed out or the type checker refused the mutant) and what was not (survived, no test
reached it), subtracts the mutants explained as equivalent in ``scripts/mutation_equivalent.txt`` (one
``mutant-name  reason`` per line) and writes the table between the markers in docs/testing.md.

    .venv/bin/python scripts/mutation_report.py [--check 90]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing.md"
EQUIVALENT = ROOT / "scripts" / "mutation_equivalent.txt"
START, END = "<!-- mutation:start -->", "<!-- mutation:end -->"
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
LINE = re.compile(r"^\s*(?P<name>[\w.]+): (?P<status>.+?)\s*$")


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


def report(rows: list[tuple[str, str]], explained: dict[str, str]) -> tuple[str, float]:
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
    lines = [
        "| module | mutants | killed | equivalent (explained) | surviving | score |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    total: Counter[str] = Counter()
    for module in sorted(per_module):
        c = per_module[module]
        total.update(c)
        counted = c["killed"] + c["equivalent"] + c["survived"]
        score = 100.0 * (c["killed"] + c["equivalent"]) / counted if counted else 100.0
        lines.append(
            f"| `{module}` | {counted} | {c['killed']} | {c['equivalent']} | {c['survived']} | {score:.1f} % |"
        )
    counted = total["killed"] + total["equivalent"] + total["survived"]
    score = 100.0 * (total["killed"] + total["equivalent"]) / counted if counted else 0.0
    lines.append(
        f"| **all** | **{counted}** | **{total['killed']}** | **{total['equivalent']}** | **{total['survived']}** "
        f"| **{score:.1f} %** |"
    )
    if total["not checked"]:
        lines.append(f"\n{total['not checked']} mutants were not checked (run interrupted).")
    if survivors:
        lines.append("\nSurviving mutants (`mutmut show NAME` prints the change):\n")
        for module in sorted(survivors):
            lines.append(f"- `{module}`: " + ", ".join(f"`{s}`" for s in sorted(survivors[module])))
    return "\n".join(lines), score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=float, default=None, help="exit 1 below this score (percent)")
    args = parser.parse_args()
    table, score = report(results(), equivalent())
    print(table)
    text = DOC.read_text()
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
