"""Every department marked offline (``[mail.offline.<code>]``, docs/offline-mail.md) is a dispatch target of the
taxonomy.

``[mail]`` is read before the taxonomy is, so the settings take any department code; the workflow checks the codes
when it starts (``runtime.open_runtime``, ``start_checks``). A code the taxonomy does not know (a typo,
``[mail.offline.BILING]``) would e-mail nothing while BILLING's dispatches stayed OA to-dos without a word; so the
start is refused, naming each such code and the dispatch target it is probably a misspelling of.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from hub.workflow.datafile import Problems
from hub.workflow.taxonomy import Taxonomy

__all__ = ["OFFLINE_SOURCE", "check_offline_departments"]

OFFLINE_SOURCE = "[mail.offline]"


def check_offline_departments(offline_mailboxes: Mapping[str, str], taxonomy: Taxonomy) -> None:
    """``DataFileError`` of ``[mail.offline]`` naming every department code that is no dispatch target."""
    targets = sorted(taxonomy.targets)
    problems = Problems(OFFLINE_SOURCE)
    for code in sorted(offline_mailboxes):
        if code in taxonomy.targets:
            continue
        close = difflib.get_close_matches(code, targets, n=1, cutoff=0.8)
        hint = f"; a misspelling of {close[0]}?" if close else ""
        problems.add(f"mail.offline.{code}", f"{code} is no dispatch target of the taxonomy {taxonomy.source} "
                                             f"([targets.<code>]: {', '.join(targets) or 'none'}){hint}")
    problems.raise_if_any()
