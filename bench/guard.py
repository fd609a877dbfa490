"""How well the phrase guard tells what staff must never say from what they may: the guard set.

    python bench/guard.py [--misses [dev|held|all]]

Runs ``desk.guard.check`` with the SOP's phrases over desk/data/guard_set.tsv (staff messages in
zh_CN, zh_TW and en, labelled by hand: block, ordinary, near). The held lines were written first,
before any rule, and never used to tune them; the dev lines are the ones the rules were written
from. Figures, for each part and for the whole set:

- recall: the share of the messages to stop that are stopped;
- ordinary blocked: the share of everyday staff messages stopped (false alarms);
- near blocked: the share of innocent messages that use the forbidden words in a good way
  ("按照规定,您可以…", "I'll ask and get back to you") that are stopped;
- family right: of the violations stopped, the share stopped as the family they were labelled
  with (the writer is shown that family's better wording);
- check time: microseconds per message.

It ends with the goals of issue 20 (recall >= 0.95, ordinary blocked <= 2%) against the held-out
part, which is the honest figure. ``--misses`` lists what went wrong: tune on dev lines only.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.guard import DEFAULT_PHRASES, check

GUARD_SET = Path(__file__).resolve().parent.parent / "desk" / "data" / "guard_set.tsv"
VERDICTS = ("block", "ordinary", "near")
RECALL_GOAL, ORDINARY_GOAL = 0.95, 0.02
# The family each of the guard's phrases stands for (the set's family column).
FAMILIES = dict(zip((p.label for p in DEFAULT_PHRASES), (
    "belittle", "cheap", "impossible", "shirk", "unknown", "never_said", "rule", "cant",
    "blame_customer", "blame_colleague") * 2, strict=True))


@dataclass(frozen=True)
class Example:
    lang: str
    verdict: str  # block, ordinary or near
    family: str  # for block lines
    split: str  # dev or held
    text: str


def load_set(path: Path = GUARD_SET) -> list[Example]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    header, *rows = (line.split("\t") for line in lines)
    assert header == ["lang", "verdict", "family", "split", "text"], header
    examples = [Example(*row) for row in rows]
    assert all(e.verdict in VERDICTS and e.split in ("dev", "held") for e in examples)
    return examples


def blocked(example: Example) -> bool:
    return check(example.text, DEFAULT_PHRASES) is not None


def _share(examples: list[Example], verdict: str) -> float:
    part = [e for e in examples if e.verdict == verdict]
    return sum(map(blocked, part)) / len(part) if part else 0.0


def figures(examples: list[Example]) -> dict[str, float]:
    """Every figure the bench prints, by name (the test suite checks them)."""
    result: dict[str, float] = {}
    for split in ("dev", "held", "all"):
        part = [e for e in examples if split in ("all", e.split)]
        result[f"recall ({split})"] = _share(part, "block")
        result[f"ordinary blocked ({split})"] = _share(part, "ordinary")
        result[f"near blocked ({split})"] = _share(part, "near")
        stopped = [(e, check(e.text, DEFAULT_PHRASES)) for e in part if e.verdict == "block"]
        stopped = [(e, hit) for e, hit in stopped if hit is not None]
        result[f"family right ({split})"] = (
            sum(FAMILIES[hit.phrase] == e.family for e, hit in stopped) / len(stopped)
            if stopped else 0.0)
    return result


def speed(examples: list[Example], rounds: int = 5) -> float:
    """Microseconds per message checked, after a first pass (pypinyin's tables loaded)."""
    for e in examples:
        blocked(e)
    start = time.perf_counter()
    for _ in range(rounds):
        for e in examples:
            blocked(e)
    return (time.perf_counter() - start) / rounds / len(examples) * 1e6


def misses(examples: list[Example], split: str = "dev") -> list[str]:
    return [f"{e.split:4} {e.lang:5} {e.verdict:8} {e.family or '-':15} "
            f"{'passed' if e.verdict == 'block' else 'stopped'}: {e.text}"
            for e in examples if split in ("all", e.split) and blocked(e) != (e.verdict == "block")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", nargs="?", const="dev", choices=("dev", "held", "all"),
                        help="list what the guard got wrong on these lines (default: dev)")
    args = parser.parse_args()
    examples = load_set()
    if args.misses:
        print("\n".join(misses(examples, args.misses)))
    for split in ("dev", "held"):
        part = [e for e in examples if e.split == split]
        for verdict in VERDICTS:
            count = sum(e.verdict == verdict for e in part)
            print(f"{verdict} lines ({split}): {count} lines")
    result = figures(examples)
    for name, value in result.items():
        unit = ("share of violations" if name.startswith("recall")
                else "share of stopped violations" if name.startswith("family")
                else "share of messages")
        print(f"{name}: {value:.3f} {unit}")
    print(f"check time: {speed(examples):.0f} us per message")
    recall, ordinary = result["recall (held)"], result["ordinary blocked (held)"]
    print(f"held recall vs goal {RECALL_GOAL}: {recall - RECALL_GOAL:+.3f} "
          f"({'met' if recall >= RECALL_GOAL else 'missed'})")
    print(f"held ordinary blocked vs goal {ORDINARY_GOAL}: {ordinary - ORDINARY_GOAL:+.3f} "
          f"({'met' if ordinary <= ORDINARY_GOAL else 'missed'})")


if __name__ == "__main__":
    main()
