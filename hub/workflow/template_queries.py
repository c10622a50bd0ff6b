"""``workorder.QueryTemplate``: a phenomenon's template (issue 12.3) as the front end shows it to its agent.

Before dispatching, the agent asks the intake questions, makes the pre-processing checks (often solving the
complaint at first contact) and fills the fields the dispatch must carry. Without this command a front end learned
the fields only by being refused (``dispatch-incomplete``, each refusal counted), and the questions and checks not
at all: they were shown by ``onepoint taxonomy show`` on the hub's machine only. The answer is read from the
taxonomy this process loaded (``engine.taxonomy``): the category's code and names at each level from the domain
down, its template's id and name (``Inherited``: a refinement naming no template of its own takes its
phenomenon's), the target (department and system), the questions, the checks (each with its ``number``, 1 the
first: what CreateWorkOrder's and Dispatch's ``CheckDone`` name it by) and every required field with its
label, type, pattern and choices as the taxonomy declares them. A code the taxonomy does not hold is refused
``unknown-category``, as CreateWorkOrder refuses it (c:CategoryCode admits only phenomena and refinements).

A read of no work order: registered ``reads``, its record keeps no answer, a repeat is answered afresh (after a
restart with another taxonomy, from that one).
"""

from __future__ import annotations

from lxml import etree

from hub.envelope import Envelope
from hub.gateways.documents import add_child, command_element
from hub.workers import BusinessRejection, HandlerRegistry, Reply
from hub.workflow.listeners import WO, acknowledged
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.taxonomy import Category, DispatchTemplate, FieldSpec, Taxonomy, UnknownCategory
from hub.workflow.taxonomy.dispatch_limits import HUB_ADDED_FIELDS
from hub.workflow.taxonomy.model import parent_of

__all__ = ["query_template", "register", "template_answer"]


def _lineage(taxonomy: Taxonomy, category: Category) -> list[Category]:
    """The category and the ones above it, the domain first."""
    found = [category]
    parent = parent_of(category.code)
    while parent is not None:
        found.append(taxonomy.category(parent))
        parent = parent_of(parent)
    return list(reversed(found))


def _named(parent: etree._Element, name: str, value: str) -> None:
    """An optional text (a Chinese name or label) only when the taxonomy gives one."""
    if value:
        add_child(parent, name, value)


def _field(parent: etree._Element, spec: FieldSpec) -> None:
    element = add_child(parent, "RequiredField", None)
    add_child(element, "Name", spec.name)
    add_child(element, "Label", spec.label)
    _named(element, "LabelZh", spec.label_zh)
    add_child(element, "Type", spec.type)
    if spec.pattern is not None:
        add_child(element, "Pattern", spec.pattern.pattern)
    for choice in spec.choices:
        add_child(element, "Choice", choice)
    if spec.name in HUB_ADDED_FIELDS:  # a form need not ask for it: the work order's own is dispatched
        add_child(element, "FilledByHub", "true")


def _template(parent: etree._Element, template: DispatchTemplate, inherited: bool) -> None:
    element = add_child(parent, "Template", None)
    add_child(element, "TemplateId", template.id)
    add_child(element, "Name", template.name)
    add_child(element, "Inherited", "true" if inherited else "false")
    target = add_child(element, "Target", None)
    add_child(target, "Code", template.target.code)
    add_child(target, "Name", template.target.name)
    _named(target, "NameZh", template.target.name_zh)
    add_child(target, "System", template.target.system)
    for question in template.questions:
        add_child(element, "IntakeQuestion", question)
    for number, check in enumerate(template.checks, start=1):  # the number wo:CheckDone names it by
        add_child(element, "PreCheck", check).set("number", str(number))
    for spec in template.fields:
        _field(element, spec)


def template_answer(root: etree._Element, taxonomy: Taxonomy, code: str) -> etree._Element:
    """``root`` (an acknowledged QueryTemplateResponse) with the category ``code`` and its template; a code that
    is no phenomenon or refinement of ``taxonomy`` raises `UnknownCategory`."""
    template = taxonomy.phenomenon(code)
    category = taxonomy.category(code)
    add_child(root, "CategoryCode", code)
    for level in _lineage(taxonomy, category):
        element = add_child(root, "Category", None)
        add_child(element, "Code", level.code)
        add_child(element, "Level", level.level)
        add_child(element, "Name", level.name)
        _named(element, "NameZh", level.name_zh)
    _template(root, template, category.inherited)
    return root


def query_template(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    workflow.store.only_reads()  # the answer is not kept: a repeat is answered afresh
    code = (command_element(envelope).findtext(f"{{{WO}}}CategoryCode") or "").strip()
    root = acknowledged("QueryTemplateResponse", envelope, workflow)
    try:
        template_answer(root, workflow.engine.taxonomy, code)
    except UnknownCategory as exc:
        unknown = str(exc).strip("'\"")  # a KeyError's text comes quoted
        raise BusinessRejection(f"{unknown}: ask for a phenomenon or refinement of the hub's taxonomy (`onepoint "
                                "taxonomy show` on the hub lists them)", code="unknown-category") from None
    return Reply(root, outcome=f"template of {code}")


def register(registry: HandlerRegistry, consumer: str) -> None:
    """Add QueryTemplate to the workflow's handlers."""
    registry.add("workorder.QueryTemplate", query_template, consumer=consumer, reads=True)
