"""Loading the taxonomy: read the TOML sources, check everything, raise one error naming every problem."""

from __future__ import annotations

import logging
from pathlib import Path

from hub.workflow.taxonomy.check import build_fields, build_targets, build_templates
from hub.workflow.taxonomy.check_categories import build_categories
from hub.workflow.taxonomy.errors import Problems
from hub.workflow.taxonomy.model import Taxonomy
from hub.workflow.taxonomy.sources import read_sources
from hub.workflow.taxonomy.version import taxonomy_version

__all__ = ["load_taxonomy"]

log = logging.getLogger("onepoint.workflow.taxonomy")


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """The checked taxonomy of ``path`` (a TOML file or a directory of them; None: the packaged data).

    Raises `TaxonomyError` listing every problem (file, code or key, what is wrong) when anything is wrong: a file
    that cannot be read first, without the knock-on problems of the references into what it defines
    (`errors.Problems.unresolved`).
    """
    problems = Problems()
    raw = read_sources(None if path is None else Path(path), problems)
    fields = build_fields(raw.sections["fields"], problems)
    targets = build_targets(raw.sections["targets"], problems)
    templates = build_templates(raw.sections["templates"], fields, targets, problems)
    categories = build_categories(raw.sections["categories"], templates, problems)
    problems.raise_if_any()
    taxonomy = Taxonomy(categories, templates, fields, targets, raw.source,
                        version=taxonomy_version(None if path is None else Path(path)))
    log.info("taxonomy loaded", extra={"source": raw.source, **taxonomy.counts()})
    return taxonomy
