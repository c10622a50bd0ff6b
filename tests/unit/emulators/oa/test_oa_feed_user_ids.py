"""OA emulator: a feed of a user id that is no ``c:PartyId`` (a character XML cannot carry among them: U+0001, NUL,
U+FFFE) is refused with a JSON 400 ``invalid-user`` like the other routes' refusals, not a 500 from the feed's XML;
a user id OA can hold items for still gets its (empty) feed."""

from __future__ import annotations

import pytest

from emulators.oa import create_emulator
from emulators.toolkit import in_process_emulator

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("user", ["%01", "a%00b", "%EF%BF%BE", "-mgr", "m" * 33, "mgr%20one"])
@pytest.mark.parametrize("inbox", ["todo", "toread"])
def test_a_feed_of_a_user_id_oa_cannot_hold_is_a_json_400(user: str, inbox: str) -> None:
    with in_process_emulator(create_emulator()) as oa:
        found = oa.http.get(f"/feeds/{user}/{inbox}.atom")
        assert found.status_code == 400, found.text
        assert found.json()["code"] == "invalid-user"


def test_a_party_id_gets_its_feed_and_an_unknown_feed_is_a_json_404() -> None:
    with in_process_emulator(create_emulator()) as oa:
        feed = oa.http.get("/feeds/mgr-cs.0755_03/todo.atom")
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
        unknown = oa.http.get("/feeds/mgr-1/done.atom")
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown-feed"
