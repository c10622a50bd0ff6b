"""``[runtime] gc_young_threshold`` and ``tune_garbage_collector`` (applied by ``onepoint serve`` / ``worker``)."""

from __future__ import annotations

import gc
import re
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import ConfigError, load_settings, tune_garbage_collector
from hub.config.runtime import DEFAULT_GC_YOUNG_THRESHOLD

pytestmark = pytest.mark.unit


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_the_default_threshold_is_in_the_built_in_settings() -> None:
    assert load_settings().gc_young_threshold == DEFAULT_GC_YOUNG_THRESHOLD == 50_000


def test_a_settings_file_sets_the_threshold(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("[runtime]\ngc_young_threshold = 0\n")
    assert load_settings(path).gc_young_threshold == 0
    path.write_text("[server]\nport = 9000\n")
    assert load_settings(path).gc_young_threshold == DEFAULT_GC_YOUNG_THRESHOLD


@pytest.mark.parametrize(("text", "message"), [
    ("[runtime]\ngc_young_threshold = -1\n", "gc_young_threshold must be 0"),
    ("[runtime]\ngc_threshold = 10\n", "unknown keys in [runtime]: ['gc_threshold']"),
])
def test_bad_runtime_settings_name_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(path)


@pytest.mark.usefixtures("restored_gc")
def test_tuning_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    start_up_object = {"compiled": ["schema"]}
    tune_garbage_collector(20_000)
    assert gc.get_threshold()[0] == 20_000
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(start_up_object)
    # frozen: in the permanent generation, which no collection (and no get_objects) visits
    assert all(obj is not start_up_object for obj in gc.get_objects())


@pytest.mark.usefixtures("restored_gc")
def test_zero_keeps_pythons_thresholds_and_cycles_are_still_collected() -> None:
    before = gc.get_threshold()
    tune_garbage_collector(0)
    assert gc.get_threshold() == before

    class Node:
        def __init__(self) -> None:
            self.me = self

    ref = weakref.ref(Node())
    gc.collect()
    assert ref() is None  # a cycle made after the freeze is still found and freed


def test_a_negative_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("0 (Python's default) or positive")):
        tune_garbage_collector(-5)
