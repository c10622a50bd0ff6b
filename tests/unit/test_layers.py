"""The package ``hub`` loads its public names lazily: importing a low layer does not load the app."""

import subprocess
import sys

import pytest

import hub

pytestmark = pytest.mark.unit


def test_importing_a_low_layer_does_not_load_the_ingress():
    probe = "import sys, hub.values, hub.validation; print(sorted(m for m in sys.modules if m.startswith('hub.')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "hub.validation" in loaded
    assert "hub.ingress" not in loaded
    assert "hub.transport" not in loaded


def test_public_names_resolve_to_their_home_modules():
    from hub import Envelope, Violation
    from hub.envelope import Envelope as HomeEnvelope
    from hub.validation.violations import Violation as HomeViolation

    assert (Envelope, Violation) == (HomeEnvelope, HomeViolation)
    assert set(hub.__all__) <= set(dir(hub))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = hub.Nope
