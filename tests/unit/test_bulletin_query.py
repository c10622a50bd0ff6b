"""The bulletin API's query string (``hub.ingress.bulletin_http.Query``): a query string of thousands of parameters is
refused from its separators before it is split (audit: 17,000 names held the event loop for seconds), and repeated
names are found in one pass."""

from __future__ import annotations

import pytest

from hub.ingress.bulletin_http import MOST_PARAMETERS, BadParameter, Query

pytestmark = pytest.mark.unit


def test_more_parameters_than_any_endpoint_takes_are_refused_naming_the_limit() -> None:
    assert len(Query("&".join(f"p{n}=1" for n in range(MOST_PARAMETERS))).values) == MOST_PARAMETERS
    for query in ("&".join(f"p{n}" for n in range(MOST_PARAMETERS + 1)), "&".join(f"p{n}" for n in range(17_000))):
        with pytest.raises(BadParameter) as refused:
            Query(query)
        assert refused.value.code == "too-many-parameters"
        assert str(refused.value).startswith(f"more than {MOST_PARAMETERS} query parameters")


def test_every_repeated_parameter_is_named_once() -> None:
    with pytest.raises(BadParameter) as refused:
        Query("agent=a&area=0755&agent=b&area=0757&agent=c")
    assert refused.value.code == "repeated-parameter"
    assert str(refused.value) == "parameter(s) given more than once: agent, area"
