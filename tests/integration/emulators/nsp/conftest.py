from __future__ import annotations

import pytest

from tests.integration.emulators.nsp.receiver import running_receiver


@pytest.fixture
def receiver():
    with running_receiver() as rec:
        yield rec
