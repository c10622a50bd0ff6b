"""Where a routing decision's targets are on the backbone: (exchange, routing key) per target.

Shared by every publisher of commands (the ingress's router and the handlers' outbound path), so that a
target means the same address whoever sends.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.routing.table import BROADCAST
from hub.transport.topology import TopologyConfig, routing_key

__all__ = ["addresses"]


def addresses(config: TopologyConfig, targets: Iterable[str], command_type: str) -> tuple[tuple[str, str], ...]:
    """``<target>.<command type>`` on the commands exchange; the command type on the broadcast exchange."""
    return tuple(
        (config.broadcast_exchange, command_type) if target == BROADCAST
        else (config.commands_exchange, routing_key(target, command_type))
        for target in targets
    )
