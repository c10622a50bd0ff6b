"""``onepoint dlq`` without a broker: a bad --config is one line (audit d3), --prefix / $ONEPOINT_PREFIX apply over
the config's prefix (d5), and ``dlq show`` decodes a body by the encoding it names before masking (d9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import hub.cli.dlq_connection as dlq_connection
from hub.cli.dlq import dlq
from hub.cli.dlq_body import body_encoding, decode_body, shown_body
from hub.transport import TopologyConfig, open_broker

pytestmark = pytest.mark.unit

UTF16 = '<?xml version="1.0" encoding="UTF-16"?><Q><Msisdn>13800138000</Msisdn></Q>'


@pytest.mark.parametrize("text", ['[broker\nurl = \n', '[broker]\nurl = "amqp://127.0.0.1:1/%2F"\nbogus_key = 1\n'])
@pytest.mark.parametrize("command", [["list"], ["show", "X"], ["replay", "--all"], ["purge", "--yes"]])
def test_a_bad_settings_file_is_one_line(tmp_path: Path, text: str, command: list[str]) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(text)
    result = CliRunner().invoke(dlq, [*command, "--config", str(config)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith(f"Error: {config}: ")


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[TopologyConfig]:
    """The topologies the commands open their broker with (an in-memory one: every DLQ there, all empty)."""
    seen: list[TopologyConfig] = []

    def fake_open(url: str, topology: TopologyConfig, declare: bool = True, **_options: Any) -> Any:
        seen.append(topology)
        return open_broker("memory://", topology)

    monkeypatch.setattr(dlq_connection, "open_broker", fake_open)
    return seen


def test_prefix_applies_over_the_configs(tmp_path: Path, opened: list[TopologyConfig],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[broker]\nurl = "amqp://guest:guest@127.0.0.1:1/%2F"\nprefix = "fromfile"\n'
                      'delay_tiers = ["1s", "2s"]\n')
    runner = CliRunner()
    assert runner.invoke(dlq, ["list", "--config", str(config)]).exit_code == 0
    assert runner.invoke(dlq, ["list", "--config", str(config), "--prefix", "given"]).exit_code == 0
    monkeypatch.setenv("ONEPOINT_PREFIX", "fromenv")
    assert runner.invoke(dlq, ["list", "--config", str(config)]).exit_code == 0
    monkeypatch.delenv("ONEPOINT_PREFIX")
    assert runner.invoke(dlq, ["list", "--broker", "amqp://guest:guest@127.0.0.1:1/%2F"]).exit_code == 0
    assert [t.prefix for t in opened] == ["fromfile", "given", "fromenv", "onepoint"]
    assert [t.name for t in opened[1].delay_tiers] == ["1s", "2s"]  # the rest of the config's topology stays


def test_a_utf16_body_is_decoded_then_masked() -> None:
    body = UTF16.encode("utf-16")
    assert decode_body(body) == UTF16
    assert "<Msisdn>138****8000</Msisdn>" in shown_body(body, unmasked=False)
    assert "13800138000" in shown_body(body, unmasked=True)


def test_a_fixed_line_number_in_a_body_is_masked_as_the_events_mask_it() -> None:
    body = b"<Q><ContactNumber>0755-83765432</ContactNumber><Tel>(+86)10-65529988</Tel></Q>"
    shown = shown_body(body, unmasked=False)
    assert "<ContactNumber>********5432</ContactNumber><Tel>********9988</Tel>" in shown
    assert shown_body(body, unmasked=True) == body.decode()


@pytest.mark.parametrize("age", ["9999999999d", "99999999999999999999s", "36501d", "876025h", "9" * 5000 + "s"])
def test_an_age_beyond_a_hundred_years_is_a_usage_error(age: str) -> None:
    """``--older-than 9999999999d`` ended in an OverflowError traceback (exit 1), before the broker was reached."""
    given = CliRunner().invoke(dlq, ["list", "--broker", "amqp://127.0.0.1:1/", "--older-than", age])
    assert given.exit_code == 2 and isinstance(given.exception, SystemExit), given.exception
    assert "--older-than" in given.output and "at most 36500 days" in given.output and "Traceback" not in given.output


def test_a_zero_padded_age_is_read_as_its_number() -> None:
    """Zeros before the number, past int()'s 4,300 digits, were a ValueError traceback (review of e14c1b6)."""
    given = CliRunner().invoke(dlq, ["list", "--broker", "amqp://127.0.0.1:1/", "--older-than", "0" * 5000 + "1d"])
    assert given.exit_code != 2 and "Traceback" not in given.output, given.output  # on to the broker (none)
    assert not isinstance(given.exception, ValueError), given.exception


def test_an_age_of_a_hundred_years_is_taken() -> None:
    given = CliRunner().invoke(dlq, ["list", "--broker", "amqp://127.0.0.1:1/", "--older-than", "36500d"])
    assert given.exit_code != 2 and "--older-than" not in given.output, given.output  # on to the broker (none)


@pytest.mark.parametrize(("body", "encoding"), [
    ('<?xml version="1.0" encoding="GBK"?><Q>客户13800138000</Q>'.encode("gbk"), "GBK"),
    ("<Q>13800138000</Q>".encode("utf-16-le"), "utf-16-le"),  # no byte-order mark: Appendix F's "<\0"
    ("<Q>13800138000</Q>".encode("utf-32"), "utf-32"),
    (b"\xef\xbb\xbf<Q>13800138000</Q>", "utf-8-sig"),
    (b"<Q>13800138000</Q>", "utf-8"),
])
def test_bodies_are_decoded_by_the_encoding_they_name(body: bytes, encoding: str) -> None:
    assert body_encoding(body) == encoding
    assert "138****8000" in shown_body(body, unmasked=False)


@pytest.mark.parametrize(("label", "codec"), [("windows-936", "gbk"), ("csGB2312", "gb2312"), ("GB2312", "gbk")])
def test_a_body_in_a_gbk_label_the_ingress_reads_is_decoded_as_it_reads_it(label: str, codec: str) -> None:
    """The ingress reads every GBK label as GB18030 (``codec_for``) and sends such a body on as received; before,
    ``dlq show`` gave the label to Python's codecs, which know no ``windows-936`` or ``csGB2312`` and read
    ``GB2312`` as GB2312 only (堃 is GBK): masked it printed "not text in the encoding they name"."""
    name = "堃" if codec == "gbk" else "张"  # 堃: GBK, not GB2312
    text = f'<?xml version="1.0" encoding="{label}"?><Q>客户{name}13800138000反映无法主叫</Q>'
    body = text.encode(codec)
    assert body_encoding(body) == label
    assert decode_body(body) == text
    assert shown_body(body, unmasked=False) == text.replace("13800138000", "138****8000")
    assert shown_body(body, unmasked=True) == text


@pytest.mark.parametrize("body", [
    b"<Q>\xd3\xc9 13800138000</Q>",  # GBK bytes in a body that names no encoding: not UTF-8
    b'<?xml version="1.0" encoding="no-such-codec"?><Q>13800138000</Q>',
    b'<?xml version="1.0" encoding="base64"?><Q>13800138000</Q>',
])
def test_a_body_that_cannot_be_decoded_is_never_printed_raw_when_masked(body: bytes) -> None:
    shown = shown_body(body, unmasked=False)
    assert shown.startswith(f"({len(body)} bytes that are not text in the encoding they name")
    assert "1380013" not in shown and "\x00" not in shown


@pytest.mark.parametrize("option", ["heartbeat=x", "hearbeat=30"])
def test_a_broker_option_the_client_refuses_is_one_line_without_the_password(tmp_path: Path, option: str) -> None:
    url = f"amqp://guest:s3cret@127.0.0.1:1/%2F?{option}"
    given = CliRunner().invoke(dlq, ["list", "--broker", url])  # on the command line: a usage error
    assert given.exit_code == 2 and isinstance(given.exception, SystemExit), given.exception
    assert "--broker" in given.output and option.partition("=")[0] in given.output and "s3cret" not in given.output
    config = tmp_path / "hub.toml"
    config.write_text(f'[broker]\nurl = "{url}"\n')
    named = CliRunner().invoke(dlq, ["list", "--config", str(config)])  # in the settings: their error, file and key
    assert named.exit_code == 1 and isinstance(named.exception, SystemExit), named.exception
    assert named.output.startswith(f"Error: {config}: broker.url: ") and "s3cret" not in named.output


def test_a_broker_url_of_an_unknown_scheme_is_a_usage_error_as_demos_is() -> None:
    given = CliRunner().invoke(dlq, ["list", "--broker", "bogus://x"])
    assert given.exit_code == 2 and "unsupported broker URL scheme 'bogus'" in given.output  # was: exit 1
