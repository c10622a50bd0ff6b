"""The complaint front ends' bulletin: the active outage notices NSP broadcasts, with unread marks per agent.

``consumer`` (queue ``bulletin``) applies each ``nsp.OutageNotice`` to the ``BulletinBoard`` (a SQLite file, or a
database several hubs share: ``[bulletin] database``, ``database``, ``tables``): raised,
updated by a higher revision or a correction, cleared, each change a new edition (``editions``); the hub serves it
at ``GET /bulletin?agent=ID`` (``hub.ingress.bulletin``).
"""

from hub.bulletin.board import BoardBusy, BulletinBoard, BulletinEntry, BulletinPage, ReadMark
from hub.bulletin.consumer import CONSUMER, close, dependencies, handlers
from hub.bulletin.notice import AffectedArea, InconsistentNotice, OutageNotice, parse_outage_notice
from hub.bulletin.views import bulletin_json, bulletin_xml, entry_json, notice_xml

__all__ = [
    "CONSUMER",
    "AffectedArea",
    "BoardBusy",
    "BulletinBoard",
    "BulletinEntry",
    "BulletinPage",
    "InconsistentNotice",
    "OutageNotice",
    "ReadMark",
    "bulletin_json",
    "bulletin_xml",
    "close",
    "dependencies",
    "entry_json",
    "handlers",
    "notice_xml",
    "parse_outage_notice",
]
