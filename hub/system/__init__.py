"""The whole system on one command (``onepoint serve``): the hub, a worker for every queue that has a consumer,
and, for development, the five emulated systems wired to it.

``HubSystem`` assembles the hub's app and its in-process workers (``consumers`` names the package consuming each
queue); ``start_emulators`` runs the emulators with their call-backs pointed at the hub and ``point_adapters``
points the adapters at them; ``endpoints`` lists the URLs a newcomer needs.
"""

from hub.system.assembly import HubSystem, RunningConsumer, SystemStartError, processed_store_url
from hub.system.consumers import CONSUMER_PACKAGES, ConsumerKit, ConsumerUnavailable, consumer_kit, consumer_kits
from hub.system.emulated import EmulatedSystems, point_adapters, start_emulators
from hub.system.endpoints import Endpoint, endpoints
from hub.system.links import links_to

__all__ = [
    "CONSUMER_PACKAGES",
    "ConsumerKit",
    "ConsumerUnavailable",
    "EmulatedSystems",
    "Endpoint",
    "HubSystem",
    "RunningConsumer",
    "SystemStartError",
    "consumer_kit",
    "consumer_kits",
    "endpoints",
    "links_to",
    "point_adapters",
    "processed_store_url",
    "start_emulators",
]
