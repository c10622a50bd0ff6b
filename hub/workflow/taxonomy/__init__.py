"""The 4-level complaint taxonomy and its dispatch templates, loaded from TOML data and checked at start.

``load_taxonomy()`` reads the packaged data (``data/*.toml``); ``taxonomy.phenomenon("01.02.03")`` gives the
template of a phenomenon or refinement, whose ``missing_fields(fields)`` names what a dispatch still lacks.
"""

from hub.workflow.taxonomy.errors import Problem, TaxonomyError
from hub.workflow.taxonomy.fields import FIELD_TYPES, FieldSpec
from hub.workflow.taxonomy.loader import load_taxonomy
from hub.workflow.taxonomy.model import Category, Taxonomy, UnknownCategory
from hub.workflow.taxonomy.templates import SYSTEM_CODES, DispatchTemplate, Target

__all__ = ["FIELD_TYPES", "SYSTEM_CODES", "Category", "DispatchTemplate", "FieldSpec", "Problem", "Target",
           "Taxonomy", "TaxonomyError", "UnknownCategory", "load_taxonomy"]
