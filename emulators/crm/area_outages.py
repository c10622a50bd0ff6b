"""Area outages as CRM keeps them: whom a telling of an outage notice told, and which version of a notice is the
newest (``CrmState.notify_area``, ``emulators.crm.state``).

An area outage is told to the account managers whose VIP and group customers live in the affected
areas (area code, and the district when the outage names the customer's, hub.areas.district_covers). CRM keeps the
newest version of each notice, as the hub's bulletin does: (revision, status), a clearance after ACTIVE at the same
revision; a request without a Revision is revision 1, a clearance without one clears the kept revision. At one
revision and status, a request saying something else (NSP corrected the notice without a new revision) is newer
unless NSP sent it (NoticeSentAt) before the kept one (the original, come after its correction); and an ACTIVE
request NSP sent before the kept clearance is older whatever its revision (a revision the clearance overtook). The
kept NoticeSentAt is the latest at which NSP said the kept version; without both, the revisions and the arrival
order decide. An older version (a stale ACTIVE after the clearance, a late retry) tells nobody and is answered as a
repeat (Ack DUPLICATE), so is the same version again. A newer ACTIVE version tells only the account managers not yet
told that the notice is active (those of the areas it adds; when there are none it is answered as a repeat of the
telling before); the clearance tells everyone told it was active and those of its areas, and so does a withdrawal
(status WITHDRAWN: NSP issued the notice in error, there was no outage), NSP's last word on the notice: nothing of
it after a withdrawal tells anyone (answered as a repeat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from emulators.population import Subscriber
from hub.areas import district_covers

__all__ = ["STATUS_RANK", "AreaOutage", "KeptVersion", "ManagerTold", "lives_in", "merged_told", "older_than_kept",
           "sent_earlier"]


@dataclass(frozen=True, slots=True)
class ManagerTold:
    """An account manager told of an area outage: his or her area and the customers of his or hers affected."""

    account_manager_id: str
    area_code: str
    affected_customers: int


@dataclass(frozen=True, slots=True)
class AreaOutage:
    """One telling of an area outage (a version of the notice CRM kept), and whom CRM told then."""

    outage_notice_id: str
    status: str  # ACTIVE | CLEARED | WITHDRAWN
    kind: str  # FAULT | PLANNED_WORK
    revision: int | None
    message_id: str
    title: str
    areas: tuple[tuple[str, str | None], ...]  # (area code, district or None)
    services: tuple[str, ...]
    received_at: str
    managers: tuple[ManagerTold, ...]
    repeat: bool = False  # answered again: told before with this status, nobody told twice

    @property
    def affected_customers(self) -> int:
        return sum(m.affected_customers for m in self.managers)


# at one revision, the clearance comes after ACTIVE and the withdrawal (issued in error: no outage) after both
STATUS_RANK = {"ACTIVE": 0, "CLEARED": 1, "WITHDRAWN": 2}
ENDED = ("CLEARED", "WITHDRAWN")  # the notice is over: everyone told it was active hears it


@dataclass(slots=True)
class KeptVersion:
    """A notice's newest version CRM was told: what it says, when NSP last said it, and whom CRM told of its
    current status so far."""

    version: tuple[int, int]
    status: str
    key: tuple[str, int, str, str]
    told: AreaOutage
    told_now: dict[str, ManagerTold]
    content: tuple[object, ...] = ()
    sent_at: datetime | None = None


def sent_earlier(sent_at: datetime | None, than: datetime | None) -> bool:
    """Whether NSP sent one before the other; False without both (nothing says which came first)."""
    return sent_at is not None and than is not None and sent_at < than


def older_than_kept(kept: KeptVersion, version: tuple[int, int], content: tuple[object, ...],
                    sent_at: datetime | None) -> bool:
    """Whether this version tells nothing newer than the kept one (see the module docstring); the same version
    said again later moves the kept NoticeSentAt on."""
    if kept.status == "WITHDRAWN" and (version, content) != (kept.version, kept.content):
        return True  # a withdrawal is NSP's last word: nothing of the notice after it tells anyone
    if version < kept.version or (version[1] == 0 and kept.status in ENDED and sent_earlier(sent_at, kept.sent_at)):
        return True
    if version == kept.version and content == kept.content:
        if sent_at is not None and (kept.sent_at is None or kept.sent_at < sent_at):
            kept.sent_at = sent_at
        return True
    return version == kept.version and sent_earlier(sent_at, kept.sent_at)


def merged_told(managers: tuple[ManagerTold, ...], told: dict[str, ManagerTold]) -> tuple[ManagerTold, ...]:
    by_id = {**told, **{m.account_manager_id: m for m in managers}}
    return tuple(by_id[key] for key in sorted(by_id))


def lives_in(sub: Subscriber, areas: tuple[tuple[str, str | None], ...]) -> bool:
    return any(sub.area_code == code and (not district or district_covers(district, sub.district))
               for code, district in areas)
