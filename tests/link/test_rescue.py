"""The rules that rescue recall can ask, never link (docs/architecture.md, "What an
automatic link rests on"): read from their module's code, every status they set is
`REVIEW` (or none: a rescue may take back a question it would open), and the
module cannot even name another."""

from __future__ import annotations

import ast
import inspect

from linkage.link import rescue, status

RULES = [rule for rule in status.RULES if rule.__module__ == rescue.__name__]


def test_the_rescues_are_rules_of_the_status_list() -> None:
    assert {rule.__name__ for rule in RULES} == \
        {"folder_evidence", "unnamed_born_that_day", "other_word_order",
         "maiden_name_near_stay"}


def test_every_status_a_rescue_sets_is_review_or_none() -> None:
    for rule in RULES:
        calls = [node for node in ast.walk(ast.parse(inspect.getsource(rule)))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                 and node.func.attr in ("set", "hold")]
        assert calls, rule.__name__
        for call in calls:
            assert call.func.attr == "set", rule.__name__      # hold only lowers auto
            status_set = call.args[1]
            assert (isinstance(status_set, ast.Name) and status_set.id == "REVIEW") or \
                (isinstance(status_set, ast.Constant) and status_set.value == ""), \
                rule.__name__


def test_the_module_knows_no_other_status() -> None:
    names = {node.id for node in ast.walk(ast.parse(inspect.getsource(rescue)))
             if isinstance(node, ast.Name)}
    assert not names & {"AUTO", "CONFIRMED", "REJECTED", "LINKED"}
    assert '"auto"' not in inspect.getsource(rescue)
