"""The ``[broker]`` section: the backbone's URL and its topology (prefix, delay tiers, limits).

`load_broker_settings` reads this section alone, for the tools that need nothing else of the hub's settings
(``onepoint dlq``): the operator running them must not need the secrets the rest of the file names by environment
variable (a caller's ``ws_password_env``, an adapter's ``password_env``, a database password). ``load_settings``
parses the section with the same `parse_broker`, so both report a bad ``[broker]`` in the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.config.files import ConfigError, read_settings_file
from hub.config.values import positive
from hub.transport.topology import DelayTier, TopologyConfig
from hub.transport.urls import BrokerURLError, check_broker_url

__all__ = ["DEFAULT_DELAY_TIERS", "BrokerSettings", "load_broker_settings", "parse_broker"]

DEFAULT_DELAY_TIERS = TopologyConfig().delay_tiers
_KEYS = frozenset({"url", "prefix", "delay_tiers", "delivery_limit", "max_queue_length"})
_DURATION = re.compile(r"^([1-9][0-9]*)(ms|s|m|h)$")
_UNIT_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000}


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    url: str = "memory://"
    prefix: str = "onepoint"
    delay_tiers: tuple[DelayTier, ...] = DEFAULT_DELAY_TIERS
    delivery_limit: int = 10
    max_queue_length: int | None = None

    @property
    def topology(self) -> TopologyConfig:
        """Exchange and queue names, delay tiers and limits of the backbone."""
        return TopologyConfig(prefix=self.prefix, delay_tiers=self.delay_tiers,
                              delivery_limit=self.delivery_limit, max_length=self.max_queue_length)


def _delay_tiers(value: Any, source: str) -> tuple[DelayTier, ...]:
    """``["5s", "30s", "5m"]``: one delay tier per duration, named by it, shortest first."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: broker.delay_tiers must be a list of durations such as [\"5s\", \"30s\"]")
    tiers = []
    for text in value:
        match = _DURATION.match(text)
        if match is None:
            raise ConfigError(f"{source}: broker.delay_tiers: {text!r} is not a duration (e.g. 500ms, 5s, 5m, 1h)")
        tiers.append(DelayTier(text, int(match.group(1)) * _UNIT_MS[match.group(2)]))
    if [t.ttl_ms for t in tiers] != sorted({t.ttl_ms for t in tiers}):
        raise ConfigError(f"{source}: broker.delay_tiers must grow strictly: {value}")
    return tuple(tiers)


def _broker_url(value: Any, source: str) -> str:
    """``broker.url``: ``memory://`` or ``amqp[s]://user:pass@host:port[,host:port...]/vhost[?options]`` (a
    cluster's nodes), each node's address and options as the AMQP client takes them: a bad ``?heartbeat=x`` or a
    misspelt option is refused here, naming the file and key, not by the first connection of each process."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{source}: broker.url must be a URL such as amqp://user:pass@127.0.0.1:5672/%2F")
    try:
        check_broker_url(value)
    except BrokerURLError as exc:
        raise ConfigError(f"{source}: broker.url: {exc}") from None
    return value


def parse_broker(broker: Any, source: str) -> BrokerSettings:
    """The ``[broker]`` table of the file ``source`` (``{}`` when absent); ``ConfigError`` naming a bad key."""
    if not isinstance(broker, dict):
        raise ConfigError(f"{source}: [broker] must be a table")
    if unknown := set(broker) - _KEYS:
        raise ConfigError(f"{source}: unknown keys in [broker]: {sorted(unknown)}")
    try:
        return BrokerSettings(
            url=_broker_url(broker.get("url", "memory://"), source),
            prefix=str(broker.get("prefix", "onepoint")),
            delay_tiers=_delay_tiers(broker["delay_tiers"], source) if "delay_tiers" in broker else DEFAULT_DELAY_TIERS,
            delivery_limit=positive(broker, "broker", "delivery_limit", 10, source),
            max_queue_length=(None if broker.get("max_queue_length") is None
                              else positive(broker, "broker", "max_queue_length", 1, source)),
        )
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def load_broker_settings(path: Path) -> BrokerSettings:
    """The ``[broker]`` section of the settings file ``path``, nothing else of it read (nor checked)."""
    return parse_broker(read_settings_file(path).get("broker", {}), str(path))
