"""What a batch reads ahead goes to the first handler of a message about its key, once (servicekit.unit.Batch)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from servicekit.unit import MISSING, Batch


def session() -> Any:
    return SimpleNamespace(info={})


def test_the_first_message_about_a_key_gets_it_once_and_later_ones_read_afresh() -> None:
    s = session()
    Batch.of(s).put("rows", {"A": [1], "B": [2]})
    Batch.of(s).hand_over("A")
    assert Batch.of(s).take("rows", "B") is MISSING  # not this handler's order
    assert Batch.of(s).take("rows", "A") == [1]
    assert Batch.of(s).take("rows", "A") is MISSING  # once
    Batch.of(s).hand_over("A")  # a second message about A: what the first did may have changed it
    assert Batch.of(s).take("rows", "A") is MISSING
    Batch.of(s).hand_over("B")
    assert Batch.of(s).take("rows", "B") == [2]


def test_a_message_about_no_key_drops_everything_read_ahead() -> None:
    s = session()
    Batch.of(s).put("rows", {"A": [1]})
    Batch.of(s).hand_over(None)
    Batch.of(s).hand_over("A")
    assert Batch.of(s).take("rows", "A") is MISSING


def test_without_a_batch_nothing_is_handed() -> None:
    s = session()
    Batch.of(s).hand_over("A")
    assert Batch.of(s).take("rows", "A") is MISSING
