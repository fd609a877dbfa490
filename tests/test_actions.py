"""The actions layer: every verb on a ticket once, reachable from every surface that offers it,
the adapters opening no transaction of their own for one, and the imports pointing down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler

import actions
from actions import Reply, Surface
from actions.sweeps import STEPS as SWEPT
from desk.buttons import Action, encode
from desk.deadlines import CALLBACK_STEPS, Step
from desk.i18n import translator
from desk.models import State
from handlers.manager import on_manager_button
from handlers.staff import on_card_button
from handlers.survey import on_survey_button
from schedules.deadlines import STEPS as DEADLINE_STEPS
from tests.conftest import World, file_complaint
from tests.test_outbox import SAMPLE_ARGS
from webapp.server import DECISIONS

ROOT = Path(__file__).resolve().parent.parent
# the card in the group, a manager's alert in private, the customer's satisfaction callback
TICKET_AUDIENCES = {"t", "m", "s"}
TICKET_ACTIONS = [a for a in Action if a.audience in TICKET_AUDIENCES]
CHAT = {Surface.GROUP: on_card_button, Surface.PRIVATE: on_manager_button,
        Surface.CUSTOMER: on_survey_button}


def _data(action: Action) -> str:
    return encode(action, *(SAMPLE_ARGS.get(action) or (12,)))


@pytest.mark.parametrize("action", TICKET_ACTIONS, ids=str)
def test_every_ticket_action_is_one_verb(action: Action) -> None:
    row = actions.VERBS[action]
    assert row.step.__module__.startswith("actions."), "the verb lives in actions/"
    assert row.surfaces, "offered somewhere"
    steps = [r.step for r in actions.VERBS.values()]
    assert steps.count(row.step) == 1, "one implementation, no verb done by two"


async def test_every_chat_verb_reaches_its_one_implementation(world: World) -> None:
    """For each surface of the chat, every verb it offers is taken by exactly one handler,
    the surface's own, which hands it to actions.apply; no other verb reaches that handler."""
    for surface, callback in CHAT.items():
        offered = {v for v in actions.offered(surface) if isinstance(v, Action)}
        for action in TICKET_ACTIONS:
            taking = _taking(world, _data(action))
            if action in offered:
                assert taking == [callback], f"{action} from {surface}"
            else:
                assert callback not in taking, f"{action} is not offered in {surface}"


def _taking(world: World, data: str) -> list:
    """The callbacks an update with ``data`` runs: the first matching handler of each group."""
    update = _update(data)
    taking = []
    for group in sorted(world.app.handlers):
        first = next((h for h in world.app.handlers[group]
                      if isinstance(h, CallbackQueryHandler) and h.check_update(update)), None)
        if first is not None:
            taking.append(first.callback)
    return taking


def _update(data: str):
    from telegram import CallbackQuery, Update, User

    user = User(1, "x", False)
    return Update(1, callback_query=CallbackQuery("1", user, "chat", data=data))


def test_the_desk_offers_exactly_the_verbs_it_may() -> None:
    assert {verb for *_, verb in DECISIONS.values()} == actions.offered(Surface.DESK)
    assert len(DECISIONS) == len(actions.offered(Surface.DESK)), "one path per verb"


async def test_a_verb_asked_where_it_is_not_offered_changes_nothing(world: World) -> None:
    number = await file_complaint(world)
    t = translator("zh_CN")
    manager = world.manager.id
    for actor, verb, args in [
        (actions.Actor(manager, "赵经理", Surface.GROUP, t, world.staff_group.id),
         Action.ASSIGN, (201,)),  # a manager's verb, pressed in the group
        (actions.Actor(manager, "赵经理", Surface.DESK, t), Action.PICK_TECHNICIAN, ()),
        (actions.Actor(201, "李工", Surface.PRIVATE, t, 201, 1), Action.CLAIM, ()),
        (actions.Actor(201, "李工", Surface.GROUP, t, world.east_group.id), Action.CLAIM, ()),
    ]:
        answer = actions.apply(world.outbox, number, actor, verb, args)
        assert answer.invalid and not answer.done, (verb, actor.surface)
    assert world.db.by_number(number).state is State.OFFERED
    assert world.db.by_number(number).assignee_id != 202


async def test_an_alert_drawn_with_indexes_still_promises_its_time(world: World) -> None:
    """Alerts sent before the buttons carried keys still work once: the index is read
    against the options as the policy gives them now."""
    c = world.client
    await c.send(world.manager, "/start")
    number = await file_complaint(world)
    await c.click(world.li, c.last(world.staff_group), "无法解决")
    alert = c.last(world.manager)
    assert await c.press(world.manager, alert, f"m:reply:{number}:1") is None
    assert world.db.by_number(number).reply_by == "2026-11-24T21:00:00+08:00"


def test_replies_to_prompts_are_verbs_of_their_chat() -> None:
    replies = {v for v in actions.VERBS if isinstance(v, Reply)}
    assert replies == set(Reply)
    assert {v for v in actions.offered(Surface.GROUP) if isinstance(v, Reply)} == {
        Reply.REPORT, Reply.NOTE}
    assert {v for v in actions.offered(Surface.CUSTOMER) if isinstance(v, Reply)} == {
        Reply.COMMENT}


def test_every_sweep_step_has_one_implementation_and_one_sweep() -> None:
    assert set(SWEPT) == set(Step)
    assert sorted(DEADLINE_STEPS + CALLBACK_STEPS) == sorted(Step), "each swept once"


ADAPTERS = ["handlers/staff.py", "handlers/manager.py", "handlers/survey.py",
            "webapp/server.py",
            *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "schedules").glob("*.py")))]


@pytest.mark.parametrize("path", ADAPTERS)
def test_adapters_do_no_ticket_verb_themselves(path: str) -> None:
    """No ticket read for a step, no lifecycle step, no save: that is actions/' skeleton."""
    source = (ROOT / path).read_text()
    for forbidden in ("ticket_by_number(", "tx.ticket(", "tx.save(", "lifecycle.",
                      "from desk import lifecycle"):
        assert forbidden not in source, f"{path} does {forbidden!r} itself"


# Who may import whom: each floor only the floors below it.
FLOORS = ["desk", "outbox", "actions", ("handlers", "webapp", "schedules")]
PACKAGES = {"desk", "outbox", "actions", "handlers", "webapp", "schedules"}


def _floor(package: str) -> int:
    return next(i for i, f in enumerate(FLOORS) if package == f or package in f)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found & PACKAGES


def test_imports_point_down_only() -> None:
    up = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for imported in _imports(path) - {package}:
                if _floor(imported) >= _floor(package):
                    up.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert up == []


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _load_time_imports(body: list[ast.stmt]) -> list[ast.stmt]:
    """The imports run when a module loads: not those for the type checker only, nor those
    inside functions (where a late import is how a cycle is kept out of load time)."""
    found: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                found += _load_time_imports(node.body) + _load_time_imports(node.orelse)
        elif isinstance(node, ast.Try):
            found += _load_time_imports(node.body)
            for handler in node.handlers:
                found += _load_time_imports(handler.body)
    return found


def test_no_import_cycle() -> None:
    """Module by module (a package's __init__ included): nothing imports itself round about."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for node in _load_time_imports(ast.parse(path.read_text()).body):
            if isinstance(node, ast.Import):
                deps |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                deps |= {node.module} & modules.keys()
                deps |= {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
        graph[name] = deps - {name}
    state: dict[str, int] = {}  # 1: on the path, 2: done
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep):], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
