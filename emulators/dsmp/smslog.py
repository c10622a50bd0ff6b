"""Point-to-point and SP SMS records of one subscriber, generated from the seed (CMPP 2.0 field conventions).

Choices where the command set (dsmp.xsd) is silent:

- records cover the ``days`` (default 30) days before ``anchor`` (default the population's epoch,
  2026-11-23T08:00+08:00), so the data never depends on the wall clock; times have CMPP's minute precision
  (YYMMDDHHMM) and are given in +08:00;
- any China Mobile number (the population's prefixes) has records; subscribers of the seeded population get
  theirs shaped by their status (after a suspension or loss report: no MO, MT end UNDELIV ``MB:0008``); other
  networks' numbers have none;
- traffic: person-to-person messages (about 4 a day, lognormal per subscriber, more in the daytime), a daily MT
  from each of 0-3 subscribed SP services, 10086 notices and 95xxx bank messages now and then;
- protocol: SP and enterprise traffic through the gateway in the SP's CMPP2/CMPP3, person-to-person within the
  network CMPP2, to or from other networks SMPP (the interconnect gateway);
- msg_fmt: person-to-person 8 (UCS2) 70 %, 0 (ASCII) 25 %, 15 (GB) 5 %; SP 15 45 %, 8 40 %, 4 (binary, ringtones
  and WAP push) 10 %, 0 4 %, 3 (SIM write) 1 %;
- stat: DELIVRD 93 %, EXPIRED 2.5 % (MK:0001, 48 h validity), UNDELIV 2 %, REJECTD 1 %, UNKNOWN 0.5 %, DELETED
  0.3 %, ACCEPTD (pending, no done time) only in the last day; error codes in the MA/MB/MK/MI/CB families that
  published gateway code lists use;
- send status (CMPP 2.0 Submit_Resp result, ``SubmitResult``): 0 (accepted) for all but a few; SP messages are
  refused at submit now and then, 8 flow control 0.6 %, 5 wrong fee code 0.2 %, 7 wrong service code 0.2 %;
  other messages 9 (other error) 0.1 %, 4 wrong message length 0.05 %. A message refused at submit was never
  delivered: no delivery status, no done time, no error code, its error reason the result's meaning. Drawn from
  a stream of its own (``<seed>:sms-submit:<number>``), so every other field is what it was before.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from emulators.dsmp.directory import SpEntry, poisson
from emulators.population import Subscriber
from emulators.population.names import MSISDN_PREFIXES

__all__ = ["SmsRecord", "generate_records"]

_OTHER_NETWORKS = ("130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "189")
_BARRED = {"SUSPENDED", "REPORTED_LOST", "PRE_CANCELLED"}
_FAILURES = {
    "EXPIRED": (("MK:0001", "Validity period expired: handset off or out of coverage"),),
    "UNDELIV": (("MB:0008", "Subscriber unreachable: suspended or barred"),
                ("CB:0001", "Number invalid or unallocated"), ("MI:0013", "Handset SMS memory full")),
    "REJECTD": (("MA:0001", "Number on the global blacklist"), ("MA:0022", "Over the half-hour limit for the number")),
    "UNKNOWN": (("MA:0004", "Unknown status from the downstream SMS centre"),),
    "DELETED": (("MA:0006", "Deleted by the SMS centre: system refused"),),
}
_SP_REJECTS = (("CB:0007", "Insufficient balance for the SP fee"), ("MA:0024", "Content not registered"))
_STATUS_WEIGHTS = (("DELIVRD", 930), ("EXPIRED", 25), ("UNDELIV", 20), ("REJECTD", 10), ("UNKNOWN", 5),
                   ("DELETED", 3), ("ACCEPTD", 7))
#: (Submit_Resp result, per 100,000 submits, its meaning): the refusals at submit, of SP messages and of others
_SP_SUBMIT_REFUSALS = ((8, 600, "Flow control: over the SP's allowed sending rate"), (5, 200, "Wrong fee code"),
                       (7, 200, "Wrong service code"))
_SUBMIT_REFUSALS = ((9, 100, "Refused at submit by the SMS centre (other error)"),
                    (4, 50, "Wrong message length"))
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 10, 11, 10, 10, 10, 10, 11, 12, 13, 13, 11, 7, 3)


@dataclass(frozen=True, slots=True)
class SmsRecord:
    direction: str
    calling: str
    called: str
    protocol: str
    message_format: int
    submit: datetime
    done: datetime | None
    status: str | None  # the delivery status; None for a message refused at submit (never delivered)
    error_code: str | None = None
    error_reason: str | None = None
    sp_code: str | None = None
    submit_result: int = 0  # the send status: CMPP 2.0 Submit_Resp result, 0 accepted (dsmp:SubmitResult)


def _pick(rng: random.Random, table: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _outcome(rng: random.Random, submit: datetime, end: datetime, sp: bool, barred_at: datetime | None,
             mt: bool) -> tuple[str, datetime | None, str | None, str | None]:
    minute = timedelta(minutes=1)
    if mt and barred_at is not None and submit >= barred_at:
        return "UNDELIV", submit + minute, *_FAILURES["UNDELIV"][0]
    status = str(_pick(rng, _STATUS_WEIGHTS))
    if status == "ACCEPTD" and end - submit > timedelta(days=1):
        status = "DELIVRD"
    if status == "DELIVRD":
        return status, submit + timedelta(seconds=rng.randint(1, 40)), None, None
    if status == "ACCEPTD":
        return status, None, None, None
    code, reason = rng.choice(_SP_REJECTS if sp and status == "REJECTD" else _FAILURES[status])
    delay = {"EXPIRED": timedelta(hours=48), "DELETED": timedelta(days=rng.randint(1, 3))}.get(
        status, timedelta(minutes=rng.randint(0, 5)))
    return status, submit + delay, code, reason


def _submit_refusal(rng: random.Random, sp: bool) -> tuple[int, str] | None:
    """The Submit_Resp result and its meaning of a message refused at submit; None for one accepted (0)."""
    roll = rng.randrange(100_000)
    for result, per_100k, reason in _SP_SUBMIT_REFUSALS if sp else _SUBMIT_REFUSALS:
        if roll < per_100k:
            return result, reason
        roll -= per_100k
    return None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def generate_records(
    seed: int | str, msisdn: str, subscriber: Subscriber | None, directory: tuple[SpEntry, ...],
    anchor: datetime, days: int,
) -> list[SmsRecord]:
    """Every record of ``msisdn`` in the window, by submit time (empty for other networks' numbers)."""
    if msisdn[:3] not in MSISDN_PREFIXES:
        return []
    rng = random.Random(f"{seed}:sms:{msisdn}")  # noqa: S311 - test data
    submits = random.Random(f"{seed}:sms-submit:{msisdn}")  # noqa: S311 - test data; its own stream
    start = (anchor - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    barred_at = None
    if subscriber is not None and subscriber.status in _BARRED:
        barred_at = subscriber.status_changed_at or start
    one_way = subscriber is not None and subscriber.status == "ONE_WAY_SUSPENDED"
    per_day = min(rng.lognormvariate(math.log(4), 0.8), 40.0)
    contacts = [rng.choice(MSISDN_PREFIXES if rng.random() < 0.8 else _OTHER_NETWORKS) + f"{rng.randrange(10**8):08d}"
                for _ in range(rng.randint(3, 15))]
    services = [(sp, svc) for sp in directory for svc in sp.services]
    subscribed = rng.sample(services, min(len(services), rng.choice((0, 0, 1, 1, 2, 3))))
    records: list[SmsRecord] = []

    def add(direction: str, other: str, protocol: str, fmt: int, at: datetime, sp_code: str | None) -> None:
        if at >= anchor or (direction == "MO" and ((barred_at and at >= barred_at) or one_way)):
            return
        status, done, code, reason = _outcome(rng, at, anchor, sp_code is not None, barred_at, direction == "MT")
        calling, called = (msisdn, other) if direction == "MO" else (other, msisdn)
        refused = _submit_refusal(submits, sp_code is not None)
        if refused is not None:  # never delivered: no delivery status, done time or delivery error
            records.append(SmsRecord(direction, calling, called, protocol, fmt, _minute(at), None, None, None,
                                     refused[1], sp_code, refused[0]))
            return
        records.append(SmsRecord(direction, calling, called, protocol, fmt, _minute(at),
                                 _minute(done) if done else None, status, code, reason, sp_code))

    for day in range(days + 1):
        midnight = start + timedelta(days=day)
        for _ in range(poisson(rng, per_day)):
            at = midnight + timedelta(hours=rng.choices(range(24), _HOUR_WEIGHTS)[0], minutes=rng.randrange(60))
            other = rng.choice(contacts)
            protocol = "CMPP2" if other[:3] in MSISDN_PREFIXES else "SMPP"
            fmt = int(str(_pick(rng, ((8, 70), (0, 25), (15, 5)))))
            add(rng.choice(("MO", "MT")), other, protocol, fmt, at, None)
        for sp, svc in subscribed:
            at = midnight + timedelta(hours=7, minutes=rng.randrange(90))
            fmt = int(str(_pick(rng, ((15, 45), (8, 40), (4, 10), (0, 4), (3, 1)))))
            add("MT", svc.code, sp.protocol, fmt, at, sp.code)
        if rng.random() < 0.08:
            add("MT", "10086", "CMPP2", 8, midnight + timedelta(hours=rng.randint(9, 20)), None)
        if rng.random() < 0.05:
            add("MT", rng.choice(("95588", "95533", "95555")), "CMPP3", 8,
                midnight + timedelta(hours=rng.randint(8, 22), minutes=rng.randrange(60)), None)
    records.sort(key=lambda r: r.submit)
    return records
