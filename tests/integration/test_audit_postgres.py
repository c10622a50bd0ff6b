"""The audit log on PostgreSQL (``[audit] database``) behaves as on its SQLite file: the tampering cases of
tests/unit/audit/test_tampering.py, run here on both engines with the same SQL (table names and ``randomblob``
translated for PostgreSQL, the append-only triggers bypassed as a tamperer with the database would), are named at
the same row; appends after a cut tail are refused; the rows refuse UPDATE, DELETE and TRUNCATE; verify streams."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.audit import AuditIntegrityError, AuditLog, ChainKey, PostgresAuditStorage, Problem, SQLiteAuditStorage
from hub.audit.storage import AuditStorage
from tests.support.postgres_server import PostgresServer
from tests.unit.audit.kit import TEST_KEY, entry, swap, tamper

pytestmark = pytest.mark.integration

OTHER_KEY = ChainKey(b"another-key-of-at-least-32-bytes!!", "other")


class Engine:
    """One audit log's database and a tamperer with direct access to it, on SQLite or PostgreSQL."""

    def __init__(self, path: Path | None = None, url: str | None = None) -> None:
        self.path, self.url = path, url
        self.storages: list[AuditStorage] = []

    def storage(self, *, create: bool = True) -> AuditStorage:
        made: AuditStorage = SQLiteAuditStorage(self.path, create=create) if self.path is not None \
            else PostgresAuditStorage.open(str(self.url), create=create)
        self.storages.append(made)
        return made

    def log(self, rows: int = 0, key: ChainKey = TEST_KEY) -> AuditLog:
        log = AuditLog(self.storage(), key)
        for n in range(rows):
            log.append(entry(n))
        return log

    def tamper(self, *statements: str) -> None:
        if self.path is not None:
            tamper(self.path, *statements)
            return
        engine = sa.create_engine(str(self.url))
        try:
            with engine.begin() as db:
                db.execute(sa.text("SET LOCAL session_replication_role = replica"))  # the triggers bypassed
                for statement in statements:
                    db.execute(sa.text(on_postgres(statement)))
        finally:
            engine.dispose()


def on_postgres(statement: str) -> str:
    """A tamperer's SQLite statement as PostgreSQL spells it."""
    statement = re.sub(r"\baudit_(log|anchor|key)\b", r"onepoint_audit_\1", statement)
    statement = re.sub(r"\bx'([0-9a-f]*)'", r"'\\x\1'::bytea", statement)
    return statement.replace("randomblob(32)", "sha256(random()::text::bytea)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        made = Engine(path=tmp_path / "audit.db")
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        made = Engine(url=server.create_database())
    yield made
    for storage in made.storages:
        storage.close()


CASES = [  # (rows, the tamperer's statements, the finding: problem and row, words in the summary)
    *[(20, [f"UPDATE audit_log SET {change} WHERE seq = 12"], (Problem.ALTERED, 12), "ALTERED at row 12: ")  # noqa: S608
      for change in ("rows_returned = 0", "operator = 'someone.else'", "msisdn_masked = '*******9999'",
                     "outcome = 'denied'", "period_to = '2026-12-31T00:00:00.000000+00:00'",
                     "at = '2026-01-01T00:00:00.000000+00:00'", "message_id = 'msg-999999'", "mac = randomblob(32)",
                     "prev_mac = randomblob(32)", "caller = 'OA'")],
    (20, ["UPDATE audit_log SET role = 'x' WHERE seq IN (7, 15)"], (Problem.ALTERED, 7), ""),
    (20, ["DELETE FROM audit_log WHERE seq = 8"], (Problem.REMOVED, 8), ""),
    (20, ["DELETE FROM audit_log WHERE seq = 1"], (Problem.REMOVED, 1), ""),
    (20, ["DELETE FROM audit_log WHERE seq BETWEEN 5 AND 9"], (Problem.REMOVED, 5), ""),
    (20, ["DELETE FROM audit_log WHERE seq = 8", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 8"],
     (Problem.REMOVED, 8), "renumbered"),
    (20, swap(5, 6), (Problem.REORDERED, 5), "now at 6"),
    (20, swap(3, 17), (Problem.REORDERED, 3), "now at 17"),
    (20, swap(1, 2), (Problem.REORDERED, 1), "now at 2"),
    (80, swap(2, 79), (Problem.ALTERED, 2), ""),
    (20, ["DELETE FROM audit_log WHERE seq > 19"], (Problem.TRUNCATED, 20), "anchor names row 20"),
    (20, ["DELETE FROM audit_log WHERE seq > 17"], (Problem.TRUNCATED, 18), "anchor names row 20"),
    (5, ["DELETE FROM audit_log"], (Problem.TRUNCATED, 1), ""),
    (5, ["UPDATE audit_anchor SET anchor_mac = randomblob(32)"], (Problem.ANCHOR, 6), "fails its MAC"),
    (5, ["DELETE FROM audit_anchor"], (Problem.ANCHOR, 6), "missing"),
    (3, ["DROP TABLE audit_anchor"], (Problem.ANCHOR, 4), "missing"),
    (10, ["INSERT INTO audit_log SELECT 11, at, operator, role, client_address, msisdn_masked, period_from,"
          " period_to, purpose, rows_returned, outcome, reason, message_id, prev_mac, mac, caller, peer"
          " FROM audit_log WHERE seq = 7"], (Problem.REORDERED, 11), "written as 7"),
    *[(5, [f"INSERT INTO audit_log SELECT {seq}, at, 'FORGED-ceo', role, client_address, msisdn_masked,"  # noqa: S608
           " period_from, period_to, purpose, 500, outcome, reason, message_id, prev_mac, mac, caller, peer"
           " FROM audit_log WHERE seq = 3"], (Problem.ALTERED, seq), "") for seq in (0, -1)],
    (3, ["DELETE FROM audit_key", "INSERT INTO audit_key (id, key_id) VALUES (1, 'other')"], (Problem.ANCHOR, 4),
     "recorded key id was changed"),
    (20, ["DROP TABLE audit_log"], (Problem.TRUNCATED, 1), "the table of rows is gone (the anchor names row 20)"),
    (20, ["DROP TABLE audit_log", "DROP TABLE audit_anchor"], (Problem.TRUNCATED, 1), "only the key id is left"),
]


@pytest.mark.parametrize(("rows", "statements", "finding", "words"), CASES)
def test_tampering_is_named_at_the_same_row_on_either_engine(engine: Engine, rows: int, statements: list[str],
                                                             finding: tuple[Problem, int], words: str) -> None:
    log = engine.log(rows)
    assert log.verify().intact
    engine.tamper(*statements)
    report = AuditLog(engine.storage(create=False), TEST_KEY).verify()  # verify opens the log only to read it
    assert report.finding is not None, "the tampering went unnoticed"
    assert (report.finding.problem, report.finding.seq) == finding
    assert words in report.summary()


def test_an_intact_and_an_empty_log_verify(engine: Engine) -> None:
    assert engine.log(0).verify().summary() == "OK: 0 rows, chain intact"
    assert engine.log(50).verify().summary() == "OK: 50 rows, chain intact"


def test_verify_streams_in_pages_and_reports_progress(engine: Engine) -> None:
    log = engine.log(2500)
    seen: list[int] = []
    assert log.verify(progress=seen.append).intact
    assert seen == [1000, 2000, 2500]
    assert [record.seq for record in log.last(3)] == [2498, 2499, 2500]
    assert log.count() == 2500


def test_no_row_is_appended_after_a_cut_tail_or_a_dropped_anchor(engine: Engine) -> None:
    log = engine.log(6)
    engine.tamper("DELETE FROM audit_log WHERE seq > 4")
    with pytest.raises(AuditIntegrityError, match="ends at row 4 but its anchor names row 6"):
        log.append(entry())
    assert log.count() == 4
    engine.tamper("DROP TABLE audit_anchor")
    with pytest.raises(AuditIntegrityError, match="no anchor"):
        log.append(entry())


def test_a_log_sealed_with_another_key_is_refused_and_reported_as_such(engine: Engine) -> None:
    engine.log(3)
    other = AuditLog(engine.storage(), OTHER_KEY)
    report = other.verify()
    assert report.finding is not None and (report.finding.problem, report.finding.seq) == (Problem.KEY, 0)
    with pytest.raises(AuditIntegrityError, match="sealed with another key"):
        other.append(entry())


def test_a_tail_cut_with_its_anchor_put_back_is_caught_by_a_recorded_head(engine: Engine) -> None:
    log = engine.log(10)
    with engine.storage().snapshot() as snapshot:
        old = snapshot.anchor()
    assert old is not None
    for n in range(5):
        log.append(entry(n))
    head = log.head()
    engine.tamper("DELETE FROM audit_log WHERE seq > 10",
                  f"UPDATE audit_anchor SET seq = {old.seq}, mac = x'{old.mac.hex()}',"  # noqa: S608
                  f" anchor_mac = x'{old.anchor_mac.hex()}'")
    assert log.verify().intact  # the limit of the anchor: the older state is self-consistent
    report = log.verify(expected_head=head)
    assert report.finding is not None and (report.finding.problem, report.finding.seq) == (Problem.TRUNCATED, 11)


@pytest.mark.postgres
def test_the_rows_refuse_update_delete_and_truncate_on_postgres(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    with AuditLog(PostgresAuditStorage.open(url), TEST_KEY) as log:
        log.append(entry())
    engine = sa.create_engine(url)
    try:
        for statement in ("UPDATE onepoint_audit_log SET rows_returned = 9", "DELETE FROM onepoint_audit_log",
                          "TRUNCATE onepoint_audit_log", "UPDATE onepoint_audit_key SET key_id = 'x'"):
            with pytest.raises(sa.exc.IntegrityError, match=r"append-only|never changes"), engine.begin() as db:
                db.execute(sa.text(statement))
        with engine.connect() as db:
            assert db.execute(sa.text("SELECT count(*) FROM onepoint_audit_log")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_dropped_trigger_is_made_again_when_a_hub_next_opens_the_log(postgres_server: PostgresServer) -> None:
    """As SQLite's ``CREATE TRIGGER IF NOT EXISTS`` on every opening for writing."""
    url = postgres_server.create_database()
    PostgresAuditStorage.open(url).close()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as db:
            db.execute(sa.text("DROP TRIGGER onepoint_audit_log_append_only ON onepoint_audit_log"))
        with AuditLog(PostgresAuditStorage.open(url), TEST_KEY) as log:
            log.append(entry())
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), engine.begin() as db:
            db.execute(sa.text("DELETE FROM onepoint_audit_log"))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_hub_role_granted_only_what_the_docs_say_appends_and_verifies(postgres_server: PostgresServer) -> None:
    """hub/audit/postgres_schema.py: tables created by another role, the hub's role granted SELECT and INSERT on the
    three tables and UPDATE on the anchor only (the anchor is moved with every append)."""
    owner_url = postgres_server.create_database()
    PostgresAuditStorage.open(owner_url).close()  # the tables made by their owner
    owner = sa.create_engine(owner_url)
    try:
        with owner.begin() as db:
            db.execute(sa.text("CREATE ROLE audit_writer LOGIN"))
            db.execute(sa.text("GRANT SELECT, INSERT ON onepoint_audit_log, onepoint_audit_anchor, onepoint_audit_key"
                               " TO audit_writer"))
            db.execute(sa.text("GRANT UPDATE ON onepoint_audit_anchor TO audit_writer"))
    finally:
        owner.dispose()
    writer_url = sa.engine.make_url(owner_url).set(username="audit_writer").render_as_string(hide_password=False)
    with AuditLog(PostgresAuditStorage.open(writer_url), TEST_KEY) as log:
        assert log.storage.adopt_key_id(TEST_KEY.key_id) == TEST_KEY.key_id
        for n in range(3):
            log.append(entry(n))
        assert log.verify().summary() == "OK: 3 rows, chain intact"
