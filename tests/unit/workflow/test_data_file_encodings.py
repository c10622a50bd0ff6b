"""Data files saved by Windows editors: "UTF-8 with BOM" (Notepad's and many Chinese editors' default) is read
like UTF-8, as it is UTF-8; a file saved as GBK is refused naming the line and column of the first byte that is
not UTF-8 and saying to save it as UTF-8 (it was a byte offset, or "Invalid statement (at line 1, column 1)"
for the BOM), for the taxonomy and for the SLA table, calendars and outage services (``datafile.read_toml``)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from hub.workflow.calendars import load_calendars
from hub.workflow.datafile import DataFileError, packaged, read_toml
from hub.workflow.sla import load_sla_table
from hub.workflow.taxonomy import TaxonomyError, load_taxonomy

pytestmark = pytest.mark.unit


def _with_bom(path: Path) -> None:
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())


def _as_gbk(path: Path) -> tuple[int, int]:
    """Save ``path`` as GBK; the line and column (1-based) of its first character that is not ASCII."""
    text = path.read_text("utf-8")
    path.write_text(text, "gbk")
    for number, line in enumerate(text.splitlines(), 1):
        for column, character in enumerate(line, 1):
            if not character.isascii():
                return number, column
    raise AssertionError("no character that is not ASCII")


def test_a_taxonomy_file_with_a_byte_order_mark_is_read(seed: Path) -> None:
    _with_bom(seed / "categories.toml")
    _with_bom(seed / "templates.toml")
    assert load_taxonomy(seed).counts() == load_taxonomy().counts()


def test_a_taxonomy_file_saved_as_gbk_is_named_with_its_line_and_column(seed: Path) -> None:
    line, column = _as_gbk(seed / "categories.toml")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(seed)
    first = caught.value.problems[0]
    assert first.source == str(seed / "categories.toml")
    assert f"at line {line}, column {column}" in first.message
    assert "save the file as UTF-8" in first.message


@pytest.mark.parametrize("name", ["sla.toml", "calendars.toml", "outage_services.toml"])
def test_the_workflows_other_data_files_take_a_byte_order_mark(tmp_path: Path, name: str) -> None:
    copy = tmp_path / name
    copy.write_bytes(codecs.BOM_UTF8 + packaged(name).read_bytes())
    assert read_toml(copy)[0] == read_toml(packaged(name))[0]


def test_the_sla_table_and_calendars_with_a_byte_order_mark_load(tmp_path: Path) -> None:
    sla, calendars = tmp_path / "sla.toml", tmp_path / "calendars.toml"
    sla.write_bytes(codecs.BOM_UTF8 + packaged("sla.toml").read_bytes())
    calendars.write_bytes(codecs.BOM_UTF8 + packaged("calendars.toml").read_bytes())
    assert load_sla_table(sla).rows == load_sla_table().rows
    assert load_calendars(calendars).departments == load_calendars().departments


def test_a_calendars_file_saved_as_gbk_is_named_with_its_line_and_column(tmp_path: Path) -> None:
    calendars = tmp_path / "calendars.toml"
    calendars.write_text('default_calendar = "office"\n# 工作日历\n', "gbk")
    with pytest.raises(DataFileError, match=re.escape("at line 2, column 3")) as caught:
        load_calendars(calendars)
    assert str(caught.value).startswith(f"{calendars}: not UTF-8: byte 0x")
    assert "save the file as UTF-8" in str(caught.value)
