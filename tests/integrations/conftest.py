"""Fixtures of the integration tests: a receiver on 127.0.0.1 that records what the server sends
integrations (tests/receiver.py). Each module's servers are its own (``server``, overriding the
root one); the root ``cast`` is made on whichever ``server`` the module has."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.receiver import Receiver


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()
