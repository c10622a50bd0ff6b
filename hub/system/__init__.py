"""The whole system on one command (``onepoint serve``): the hub, a worker for every queue that has a consumer,
and, for development, the emulated systems wired to it.

``HubSystem`` assembles the hub's app and its in-process workers (``consumers`` names the package consuming each
queue); ``start_emulators`` runs the emulators with their call-backs pointed at the hub and ``point_adapters``
points the adapters at them; ``endpoints`` lists the URLs a newcomer needs. On ``memory://`` a stop drains the
in-process queues first (``drain``).
"""

from hub.system.admission import Admission, AdmissionGate
from hub.system.assembly import HubSystem, RunningConsumer, SystemStartError, processed_store_url
from hub.system.callbacks import DEVELOPMENT_CALLBACK_TOKENS, callback_tokens, refused_callbacks
from hub.system.consumers import CONSUMER_PACKAGES, ConsumerKit, ConsumerUnavailable, consumer_kit, consumer_kits
from hub.system.drain import DRAIN_SECONDS, drain, report_lost
from hub.system.emulated import EmulatedSystems, EmulatorStartError, point_adapters, point_mail, start_emulators
from hub.system.endpoints import Endpoint, endpoints
from hub.system.links import links_to

__all__ = [
    "CONSUMER_PACKAGES",
    "DEVELOPMENT_CALLBACK_TOKENS",
    "DRAIN_SECONDS",
    "Admission",
    "AdmissionGate",
    "ConsumerKit",
    "ConsumerUnavailable",
    "EmulatedSystems",
    "EmulatorStartError",
    "Endpoint",
    "HubSystem",
    "RunningConsumer",
    "SystemStartError",
    "callback_tokens",
    "consumer_kit",
    "consumer_kits",
    "drain",
    "endpoints",
    "links_to",
    "point_adapters",
    "point_mail",
    "processed_store_url",
    "refused_callbacks",
    "report_lost",
    "start_emulators",
]
