"""Every verb on a ticket, once: its step, whose press counts, the surfaces that offer it.

Adding a verb: its Action (desk/buttons.py) and arguments, its step in the module of its
family (card, managers, survey), its row here, its button (outbox/views.py), its texts in the
catalogs. The chat's handlers and the desk's API find it here; nothing else needs to change.
"""

from __future__ import annotations

import actions.card as card
import actions.managers as managers
import actions.survey as survey
from actions.core import Reply, Row, Step, Surface, Verb, Who
from desk.buttons import Action

GROUP = frozenset({Surface.GROUP})
PRIVATE = frozenset({Surface.PRIVATE})
MANAGERS_ANYWHERE = frozenset({Surface.PRIVATE, Surface.DESK})
CUSTOMER = frozenset({Surface.CUSTOMER})


def _staff(step: Step) -> Row:
    return Row(step, Who.STAFF, GROUP)


def _manager(step: Step, surfaces: frozenset[Surface] = PRIVATE) -> Row:
    return Row(step, Who.MANAGERS, surfaces)


def _customer(step: Step) -> Row:
    return Row(step, Who.CUSTOMER, CUSTOMER)


VERBS: dict[Verb, Row] = {
    # the card in the store's group
    Action.CLAIM: _staff(card.claim),
    Action.ACCEPT: _staff(card.accept),
    Action.PASS: _staff(card.pass_on),
    Action.CONTACTED: _staff(card.contacted),
    Action.NO_ANSWER: _staff(card.no_answer),
    Action.SERVICE_DONE: _staff(card.service_done),
    Action.BACK: _staff(card.back),
    Action.OUTCOME: _staff(card.outcome),
    Action.ESCALATE: _staff(card.escalate),
    Action.TIER: _staff(card.tier),
    Action.VISIT: _staff(card.visit),
    Action.NOTE: _staff(card.note),
    Action.SAY: _staff(card.say),
    Action.CANNED: _staff(card.canned),
    # replies to the bot's prompts in the store's group
    Reply.REPORT: _staff(card.report),
    Reply.NOTE: _staff(card.save_note),
    # a manager's alert in private, and the desk
    Action.PICK_TECHNICIAN: _manager(managers.pick),
    Action.REPLY_BY: _manager(managers.reply_by, MANAGERS_ANYWHERE),
    Action.ANSWERED: _manager(managers.answered),
    Action.ASSIGN: _manager(managers.assign, MANAGERS_ANYWHERE),
    # the satisfaction callback, in the customer's private chat
    Action.SURVEY_OVERALL: _customer(survey.overall),
    Action.SURVEY_SOLVED: _customer(survey.solved),
    Action.SURVEY_DRIVER: _customer(survey.driver),
    Action.SURVEY_SKIP: _customer(survey.skip),
    Action.SURVEY_NO_COMMENT: _customer(survey.no_comment),
    Reply.COMMENT: _customer(survey.comment),
}


def offered(surface: Surface) -> frozenset[Verb]:
    """The verbs ``surface`` offers."""
    return frozenset(verb for verb, row in VERBS.items() if surface in row.surfaces)
