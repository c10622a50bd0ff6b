"""Work-order store contract, the listeners' signing secrets (migration 0025): on SQLite and PostgreSQL alike a
listener is stored with its secret and read back with it; listeners registered at 0024 each get a random secret
of their own on the way to head (none shared, the column NOT NULL, the schema as the metadata has it), so their
next deliveries are signed; a new secret replaces the old; back down to 0024 the column is gone."""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import command

from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.listener_registrations import renew_signing_secret
from hub.workflow.store.migrate import _config, current_revision, head_revision, upgrade
from hub.workflow.store.outbox import listener, listeners
from hub.workflow.store.schema import event_listeners
from tests.support.workorder_store import T0

SECRET = re.compile(r"[A-Za-z0-9_\-]{43}")


def test_a_listener_is_stored_with_its_secret_and_it_can_be_renewed(workorder_store: WorkOrderStore) -> None:
    given = workorder_store.add_listener("http://127.0.0.1:9/crm", None, T0)
    assert SECRET.fullmatch(given.signing_secret)
    assert workorder_store.listener(given.id) == given
    with workorder_store.engine.begin() as connection:
        assert renew_signing_secret(connection, given.id, "n" * 43)
        assert not renew_signing_secret(connection, "00000000-0000-0000-0000-000000000000", "n" * 43)
        renewed = listener(connection, given.id)
    assert renewed is not None and renewed.signing_secret == "n" * 43


def test_listeners_of_0024_get_a_secret_each_on_the_way_to_head_and_back(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0024")
        old = sa.table("event_listeners", sa.column("id"), sa.column("callback_url"), sa.column("created_at"))
        with store.engine.begin() as connection:
            for number in range(3):
                connection.execute(old.insert().values(id=f"00000000-0000-0000-0000-00000000000{number}",
                                                       callback_url=f"http://127.0.0.1:9/{number}",
                                                       created_at=T0))
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as connection:
            secrets = [found.signing_secret for found in listeners(connection)]
        assert len(secrets) == 3 and len(set(secrets)) == 3 and all(SECRET.fullmatch(s) for s in secrets)
        column = {c["name"]: c for c in sa.inspect(store.engine).get_columns("event_listeners")}["signing_secret"]
        assert column["nullable"] is False
        with store.engine.begin() as connection:  # a row without one is refused (NOT NULL)
            try:
                with connection.begin_nested():
                    connection.execute(event_listeners.insert().values(
                        id="00000000-0000-0000-0000-00000000000f", callback_url="http://127.0.0.1:9/x",
                        created_at=T0, signing_secret=None))
                refused = False
            except sa.exc.IntegrityError:
                refused = True
        assert refused

        config = _config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0024")
        assert "signing_secret" not in {c["name"] for c in sa.inspect(store.engine).get_columns("event_listeners")}
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()
