"""How often the restatement's reading is right, over the labelled reading set.

    python bench/reading.py [--misses [dev|held|all]]

Runs ``read_complaint`` over desk/data/reading_set.tsv (messages in zh_CN, zh_TW and en as
customers type them, labelled by hand; the products offered are the usual names of
desk/data/products.tsv). The dev lines are the ones the rules were tuned on; the held lines were
written before the rules and left alone, so their figures say how the rules fare on wording they
were not fitted to. ``--misses`` lists the wrong readings, of the dev lines unless told otherwise:
tune on those, never on held lines. Once held lines have been looked at while tuning they are
moved to dev and new held lines are written first (the set's header says which are which).

Figures, for dev and held separately (kind and wants also per language): kind accuracy; wants
exact (the whole set right); product accuracy; safety and threat recall (of the lines labelled
so, how many are flagged) and their false alarms (lines flagged that are not labelled so);
complaints read as questions (a complaint read as an inquiry: the customer would get no ticket).
Goals on held: kind >= 0.95, wants exact >= 0.85, product >= 0.9, safety and threat recall
>= 0.9, complaints read as questions 0.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.models import Kind, Urgency, Want
from desk.restatement import Reading, read_complaint

READING_SET = Path(__file__).resolve().parent.parent / "desk" / "data" / "reading_set.tsv"
LANGUAGES = ("zh_CN", "zh_TW", "en")
SPLITS = ("dev", "held")


@dataclass(frozen=True)
class Example:
    lang: str
    kind: Kind
    wants: frozenset[Want]
    product: str | None
    urgency: frozenset[Urgency]
    split: str  # "dev" or "held"
    text: str


def _set(cell: str, enum):
    return frozenset(enum(v) for v in cell.split(",") if v)


def load_set(path: Path = READING_SET) -> list[Example]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    header, *rows = (line.split("\t") for line in lines)
    assert header == ["lang", "kind", "wants", "product", "urgent", "split", "text"], header
    return [Example(lang, Kind(kind), _set(wants, Want), product or None, _set(urgent, Urgency),
                    split, text)
            for lang, kind, wants, product, urgent, split, text in rows]


def _right(e: Example, r: Reading) -> dict[str, bool]:
    return {"kind": e.kind == r.kind, "wants": e.wants == frozenset(r.wants),
            "product": e.product == r.product}


def _recall(pairs: list[tuple[Example, Reading]], urgency: Urgency) -> tuple[float, int]:
    labelled = [(e, r) for e, r in pairs if urgency in e.urgency]
    found = sum(urgency in r.urgency for _, r in labelled)
    false = sum(urgency in r.urgency and urgency not in e.urgency for e, r in pairs)
    return (found / len(labelled) if labelled else 1.0), false


def figures(examples: list[Example]) -> dict[str, float]:
    """Every figure the bench prints, by name (the test suite checks some of them)."""
    pairs = [(e, read_complaint(e.text)) for e in examples]
    result: dict[str, float] = {}
    for split in SPLITS:
        part = [p for p in pairs if p[0].split == split]
        result[f"lines ({split})"] = len(part)
        for field, name in (("kind", "kind accuracy"), ("wants", "wants exact"),
                            ("product", "product accuracy")):
            result[f"{name} ({split})"] = sum(_right(e, r)[field] for e, r in part) / len(part)
        for urgency in Urgency:
            recall, false = _recall(part, urgency)
            result[f"{urgency.value} recall ({split})"] = recall
            result[f"{urgency.value} false alarms ({split})"] = false
        result[f"complaints read as questions ({split})"] = sum(
            e.kind is not Kind.INQUIRY and r.kind is Kind.INQUIRY for e, r in part)
    for split in SPLITS:
        for lang in LANGUAGES:
            part = [p for p in pairs if p[0].lang == lang and p[0].split == split]
            for field, label in (("kind", "kind accuracy"), ("wants", "wants exact")):
                result[f"{label} ({split}, {lang})"] = (
                    sum(_right(e, r)[field] for e, r in part) / len(part))
    return result


UNITS = {"lines": "lines", "false alarms": "lines", "complaints read as questions": "lines"}


def unit(name: str) -> str:
    return next((u for key, u in UNITS.items() if name.startswith(key) or key in name), "ratio")


def misses(examples: list[Example], split: str = "dev") -> list[str]:
    lines = []
    for e in examples:
        if split != "all" and e.split != split:
            continue
        r = read_complaint(e.text)
        wrong = [f for f, ok in _right(e, r).items() if not ok]
        if e.urgency != frozenset(r.urgency):
            wrong.append("urgent")
        if wrong:
            def show(kind, wants, product, urgency):
                return (f"{kind.value}/{','.join(sorted(w.value for w in wants)) or '-'}/"
                        f"{product or '-'}/{','.join(sorted(u.value for u in urgency)) or '-'}")
            lines.append(f"{e.split:4} {e.lang:5} {'+'.join(wrong)}: "
                         f"{show(e.kind, e.wants, e.product, e.urgency)} <- "
                         f"{show(r.kind, r.wants, r.product, r.urgency)}: {e.text}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", nargs="?", const="dev", choices=("dev", "held", "all"),
                        help="list the wrong readings of these lines (default: dev)")
    args = parser.parse_args()
    examples = load_set()
    if args.misses:
        print("\n".join(misses(examples, args.misses)))
    print(f"examples: {len(examples)} lines")
    for name, value in figures(examples).items():
        shown = f"{value:.3f}" if unit(name) == "ratio" else f"{value:.0f}"
        print(f"{name}: {shown} {unit(name)}")


if __name__ == "__main__":
    main()
