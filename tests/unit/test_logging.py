import io
import json
import logging
import random
import re
import sys

import pytest

from hub.observability import JsonFormatter, MaskingFilter, TextFormatter, configure_logging, mask_msisdn, masking

pytestmark = pytest.mark.unit


def test_msisdns_are_masked():
    assert mask_msisdn("call 13800138000 now") == "call 138****8000 now"
    assert mask_msisdn("+8613912345678") == "139****5678"
    assert mask_msisdn("order WO20261123ABCD1234 and 075583765432") == "order WO20261123ABCD1234 and 075583765432"


def test_the_quick_test_before_masking_never_leaves_a_number_unmasked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts the quick search rules out are not scanned: every text masks as the full pattern alone would."""
    rng = random.Random(7)

    def token() -> str:  # a run of 8-14 digits, some after +86, 86 or 0086, some with separators or full-width
        if rng.random() < 0.3:
            return rng.choice([" ", "-", "x", "+", "WO", ".", "  ", "客户"])
        digits = "1" + rng.choice("0123456789") + "".join(rng.choice("0123456789") for _ in range(rng.randrange(6, 13)))
        if rng.random() < 0.3:
            digits = "".join(d + rng.choice(["", "", "", " ", "-", ".", " - ", "—", "–", "/", "_", "·", "~", ",",
                                             "\u200b", "\u2212", "/ ", ")", ") ", "）"])
                             for d in digits).rstrip(" -.")
        if rng.random() < 0.1:  # its first three digits in brackets
            digits = rng.choice(["(", "（", "﹙"]) + digits[:3] + rng.choice([")", "）", "﹚"]) + digits[3:]
        if rng.random() < 0.1:
            digits = digits.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
        return rng.choice(["", "", "86", "+86", "0086", "+86 "]) + digits

    texts = ["".join(token() for _ in range(rng.randrange(0, 6))) for _ in range(5000)]
    texts += ["+86 13800138000", "8613800138000", "1380013800", "138001380001", "a13912345678b",
              "１３８００１３８０００", "138-0013-8000", "⑴③⑧⓪⓪①③⑧⓪⓪⓪", "(138)0013-8000", "138—0013—8000",
              "138/0013/8000", "（138）0013 8000", "138\u200b0013\u200b8000"]
    masked = [mask_msisdn(text) for text in texts]
    monkeypatch.setattr(masking, "_quick_ascii", lambda text: True)  # every text scanned
    monkeypatch.setattr(masking, "_quick_other", lambda text: True)
    assert masked == [mask_msisdn(text) for text in texts]
    assert sum(m != t for m, t in zip(masked, texts, strict=True)) > 200  # the random texts do hold numbers to mask


def test_records_are_json_with_masked_fields():
    record = logging.LogRecord("onepoint", logging.INFO, __file__, 1, "complaint from %s", ("13800138000",), None)
    record.msisdn = "13912345678"
    record.nested = {"numbers": ["15012345678"]}
    assert MaskingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["event"] == "complaint from 138****8000"
    assert entry["msisdn"] == "139****5678"
    assert entry["nested"] == {"numbers": ["150****5678"]}
    assert entry["level"] == "info"


class _Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def _logged(terminal: bool, log_format: str = "auto", **environment: str) -> str:
    stream = _Stream(terminal)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NO_COLOR", raising=False)
        for name, value in environment.items():
            patch.setenv(name, value)
        try:
            configure_logging("INFO", log_format, stream)  # type: ignore[arg-type]
            logging.getLogger("onepoint.workflow").warning(
                "work order created", extra={"msisdn": "13800138000", "tier": "VIP_GOLD", "note": "two words",
                                             "targets": ["nsp", "crm"]})
        finally:
            root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    return stream.getvalue()


def test_a_terminal_gets_readable_lines_and_anything_else_json() -> None:
    line = _logged(terminal=True, NO_COLOR="1")
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} WARNING workflow +work order created  msisdn=138\*\*\*\*8000 "
                        r'tier=VIP_GOLD note="two words" targets=\["nsp","crm"\]\n', line), line
    entry = json.loads(_logged(terminal=False))
    assert (entry["event"], entry["msisdn"], entry["logger"]) == ("work order created", "138****8000",
                                                                   "onepoint.workflow")


def test_the_format_can_be_chosen_and_a_terminal_sees_the_level_in_colour() -> None:
    assert json.loads(_logged(terminal=True, log_format="json"))["tier"] == "VIP_GOLD"
    assert _logged(terminal=False, log_format="text").split()[1] == "WARNING"  # piped: no colour codes
    assert "\x1b[33mWARNING" in _logged(terminal=True)


def test_an_exception_follows_its_line_masked_in_both_formats() -> None:
    try:
        raise ValueError("broken 13912345678")
    except ValueError:
        record = logging.LogRecord("onepoint.x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    assert MaskingFilter().filter(record)
    first, *rest = TextFormatter().format(record).splitlines()
    assert first.endswith("x                    failed") and rest[0].startswith("  Traceback")
    assert rest[-1] == "  ValueError: broken 139****5678"
    assert json.loads(JsonFormatter().format(record))["exception"].endswith("ValueError: broken 139****5678")


def test_uvicorns_coloured_copy_of_the_event_is_not_repeated_on_a_text_line() -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "Finished server process [%d]", (42,), None)
    record.color_message = "Finished server process [\x1b[36m%d\x1b[0m]"
    assert TextFormatter().format(record).endswith("uvicorn.error        Finished server process [42]")


def test_the_log_format_option_takes_any_case_as_the_level_option_does() -> None:
    """``--log-format JSON`` / ``ONEPOINT_LOG_FORMAT=Text`` were usage errors while ``--log-level info`` was taken
    (audit of configuration)."""
    import click
    from click.testing import CliRunner

    from hub.cli.log_options import log_format_option

    @click.command()
    @log_format_option
    def shown(log_format: str) -> None:
        click.echo(log_format)

    assert CliRunner().invoke(shown, ["--log-format", "JSON"]).output.strip() == "json"
    assert CliRunner().invoke(shown, [], env={"ONEPOINT_LOG_FORMAT": "Text"}).output.strip() == "text"
    assert CliRunner().invoke(shown, ["--log-format", "xml"]).exit_code == 2
