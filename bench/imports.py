"""What `import bot` costs: `sundown --help`, `status` and the container's health check pay it.

    python bench/imports.py [runs]

Runs ``python -X importtime -c 'import bot'`` in fresh processes and prints the best and the
median of the total, and the heaviest modules of the best run. Target: under 1 s on the 2-core
reference machine, with matplotlib, holidays and astral not imported at all.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run() -> tuple[float, list[tuple[int, str]]]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import bot"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    rows = []
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.split("|")
            rows.append((int(cumulative), name.strip()))
    total = next(us for us, name in rows if name == "bot")
    return total / 1e6, sorted(rows, reverse=True)[1:9]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    results = [one_run() for _ in range(runs)]
    totals = [total for total, _ in results]
    best = min(results)
    print(f"import bot: best {best[0]:.2f} s, median {statistics.median(totals):.2f} s "
          f"over {runs} runs")
    for us, name in best[1]:
        print(f"  {us / 1e6:5.2f} s  {name}")


if __name__ == "__main__":
    main()
