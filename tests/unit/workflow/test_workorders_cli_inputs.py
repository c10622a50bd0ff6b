"""``onepoint workorders list``: ``--page`` is bounded as QueryWorkOrders' c:PageNumber (1-100000; beyond, a usage
error, never a traceback), and ``--msisdn`` takes a number as people write it (``+86 138 0013 8000``,
``138-0013-8000``) and refuses what is no mobile number (usage error, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workers import WorkerTestClient
from tests.unit.workflow.audit_kit import created

pytestmark = pytest.mark.unit


def listing(config: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["workorders", "list", *options, "--config", str(config)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("page", ["100000000000000000000", "100001", "0"])
def test_a_page_beyond_the_bounds_is_a_usage_error(client: WorkerTestClient, config: Path, page: str) -> None:
    created(client)
    code, output = listing(config, "--page", page)
    assert code == 2 and "--page" in output


def test_the_last_page_is_listed(client: WorkerTestClient, config: Path) -> None:
    """A page past the end names the last one (it printed an empty table under "1 work order(s); page 100000")."""
    created(client)
    code, output = listing(config, "--page", "100000")
    assert code == 0 and "page 100000 is past the end: the last page is 1 (1 work order(s), 20 a page)" in output


@pytest.mark.parametrize("spelling", ["13800138000", "+8613800138000", "+86 138 0013 8000", "138 0013 8000",
                                      "138-0013-8000", "008613800138000", "８６１３８００１３８０００"])
def test_the_customers_number_however_written(client: WorkerTestClient, config: Path, spelling: str) -> None:
    work_order_id = created(client)
    code, output = listing(config, "--msisdn", spelling)
    assert code == 0 and work_order_id in output and "1 work order(s)" in output


@pytest.mark.parametrize("spelling", ["1380013800", "23800138000", "+1 415 555 0100", "abc"])
def test_what_is_no_mobile_number_is_a_usage_error(client: WorkerTestClient, config: Path, spelling: str) -> None:
    created(client)
    code, output = listing(config, "--msisdn", spelling)
    assert code == 2 and "--msisdn" in output and "no mobile number" in output


@pytest.mark.parametrize("category", ["01", "01.02", "01.02.03"])
def test_a_category_at_any_level_lists_those_below_it(client: WorkerTestClient, config: Path, category: str) -> None:
    work_order_id = created(client)  # of 01.02.03
    code, output = listing(config, "--category", category)
    assert code == 0 and work_order_id in output and "1 work order(s)" in output


@pytest.mark.parametrize("category", ["1.2", "abc", "01.2", "01.02.03.001.5", "01.02.03.1", "01.", "01.02.", " 01",
                                      "０１", ""])
def test_what_is_no_category_is_a_usage_error(client: WorkerTestClient, config: Path, category: str) -> None:
    """Before, any text was looked for and answered as an empty list (exit 0), where QueryWorkOrders refuses it
    by its schema (wo:CategoryPrefix; a trailing dot neither)."""
    created(client)
    code, output = listing(config, "--category", category)
    assert code == 2 and "--category" in output and f"{category!r} is no category" in output
    assert "01, 01.02, 01.02.03 or 01.02.03.001" in output
