"""The garbage collector's settings once a service has started (servicekit.heap)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from servicekit.heap import settle_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_startup_objects_are_frozen_and_young_collections_are_rarer(restored_gc: None) -> None:
    gc.unfreeze()
    built_at_startup = [{"n": i} for i in range(1000)]  # containers the collector tracks
    older, oldest = gc.get_threshold()[1:]
    settle_heap(20000)
    assert gc.get_threshold() == (20000, older, oldest)
    assert gc.get_freeze_count() >= len(built_at_startup)
    assert id(built_at_startup[0]) not in {id(o) for o in gc.get_objects()}  # out of every collection's walk


def test_zero_leaves_pythons_defaults(restored_gc: None) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    settle_heap(0)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
