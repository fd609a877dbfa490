"""Placeholder of the phrase guard (SOP section 4); replaced by the real one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    phrase: str
    suggestion: str


def check(text: str, phrases) -> Hit | None:
    for phrase, suggestion in phrases:
        if phrase in text:
            return Hit(phrase, suggestion)
    return None
