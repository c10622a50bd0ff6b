"""The OA adapter's tests: its worker (``oa_kit``) and the fixtures that open its shared records (``records_kit``)."""

from tests.unit.adapters.oa.oa_kit import oa  # noqa: F401 - fixture
from tests.unit.adapters.oa.records_kit import (  # noqa: F401 - fixtures
    closed_items,
    oa_records_at,
    opened_records,
    versions,
)
