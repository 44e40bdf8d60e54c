"""What a batch reads ahead goes to the first handler of a message about its key, once (servicekit.readahead)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from servicekit import readahead


def session() -> Any:
    return SimpleNamespace(info={})


def test_the_first_message_about_a_key_gets_it_once_and_later_ones_read_afresh() -> None:
    s = session()
    readahead.put(s, "rows", {"A": [1], "B": [2]})
    readahead.hand_over(s, "A")
    assert readahead.take(s, "rows", "B") is readahead.MISSING  # not this handler's order
    assert readahead.take(s, "rows", "A") == [1]
    assert readahead.take(s, "rows", "A") is readahead.MISSING  # once
    readahead.hand_over(s, "A")  # a second message about A: what the first did may have changed it
    assert readahead.take(s, "rows", "A") is readahead.MISSING
    readahead.hand_over(s, "B")
    assert readahead.take(s, "rows", "B") == [2]


def test_a_message_about_no_key_drops_everything_read_ahead() -> None:
    s = session()
    readahead.put(s, "rows", {"A": [1]})
    readahead.hand_over(s, None)
    readahead.hand_over(s, "A")
    assert readahead.take(s, "rows", "A") is readahead.MISSING


def test_without_a_batch_nothing_is_handed() -> None:
    s = session()
    readahead.hand_over(s, "A")
    assert readahead.take(s, "rows", "A") is readahead.MISSING
