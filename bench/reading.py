"""How often the restatement's suggestions are right: kind and want, over the reading set.

    python bench/reading.py [--misses [dev|held|all]]

Runs ``read_complaint`` over desk/data/reading_set.tsv (messages in zh_CN, zh_TW and en as
customers type them, labelled by hand). The dev lines are the ones the rules were tuned on; the
held lines were written at the same time and left alone, so their figures say how the rules
fare on wording they were not fitted to. ``--misses`` lists the wrong suggestions, of the dev
lines unless told otherwise: tune on those, never on held lines. Targets: whole-set kind and
want accuracy >= 0.9.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.models import Kind, Want
from desk.restatement import Reading, read_complaint

READING_SET = Path(__file__).resolve().parent.parent / "desk" / "data" / "reading_set.tsv"
LANGUAGES = ("zh_CN", "zh_TW", "en")


@dataclass(frozen=True)
class Example:
    lang: str
    kind: Kind
    want: Want | None
    split: str  # "dev" or "held"
    text: str


def load_set(path: Path = READING_SET) -> list[Example]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    header, *rows = (line.split("\t") for line in lines)
    assert header == ["lang", "kind", "want", "split", "text"], header
    return [Example(lang, Kind(kind), Want(want) if want else None, split, text)
            for lang, kind, want, split, text in rows]


def accuracy(pairs: list[tuple[Example, Reading]], field: str) -> float:
    return sum(getattr(e, field) == getattr(r, field) for e, r in pairs) / len(pairs)


def figures(examples: list[Example]) -> dict[str, float]:
    """Every figure the bench prints, by name (the test suite checks the whole-set ones)."""
    pairs = [(e, read_complaint(e.text)) for e in examples]
    result = {}
    for field in ("kind", "want"):
        for split in ("dev", "held"):
            part = [p for p in pairs if p[0].split == split]
            result[f"{field} accuracy ({split})"] = accuracy(part, field)
    for field in ("kind", "want"):
        for lang in LANGUAGES:
            part = [p for p in pairs if p[0].lang == lang]
            result[f"{field} accuracy ({lang})"] = accuracy(part, field)
    result["kind accuracy"] = accuracy(pairs, "kind")
    result["want accuracy"] = accuracy(pairs, "want")
    return result


def misses(examples: list[Example], split: str = "dev") -> list[str]:
    lines = []
    for e in examples:
        if split != "all" and e.split != split:
            continue
        r = read_complaint(e.text)
        if (r.kind, r.want) != (e.kind, e.want):
            want = e.want.value if e.want else "-"
            got = r.want.value if r.want else "-"
            lines.append(f"{e.split:4} {e.lang:5} {e.kind.value}/{want} <- "
                         f"{r.kind.value}/{got}: {e.text}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", nargs="?", const="dev", choices=("dev", "held", "all"),
                        help="list the wrong suggestions of these lines (default: dev)")
    args = parser.parse_args()
    examples = load_set()
    if args.misses:
        print("\n".join(misses(examples, args.misses)))
    print(f"examples: {len(examples)}")
    for name, value in figures(examples).items():
        print(f"{name}: {value:.3f}")


if __name__ == "__main__":
    main()
