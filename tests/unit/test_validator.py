import re

import pytest

from hub.validation import DocumentRefused, DocumentValidator, RefusalKind, Violation

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def validator(registry):
    return DocumentValidator(registry)


def test_every_command_set_of_the_card_is_installed(registry):
    assert registry.names() == ["boss", "crm", "dsmp", "mail", "nsp", "oa", "workorder"]
    for command_set in registry:
        assert command_set.namespace == f"urn:onepoint:{command_set.name}:1"
        assert command_set.commands, command_set.name


def test_valid_document_yields_its_command_and_header(validator, examples_dir):
    command = validator.validate_bytes((examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes())
    assert command.command_type == "workorder.CreateWorkOrder"
    assert command.message_id == "cs-20261123-000001"
    assert command.source_system == "CS"
    assert command.payload().startswith(b"<?xml")
    assert validator.validate_bytes(command.payload()).command_type == command.command_type


def test_every_violation_is_reported_with_line_path_and_reason(validator, examples_dir):
    document = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    document = document.replace(b"<wo:Channel>HOTLINE", b"<wo:Channel>PIGEON_POST")
    document = document.replace(b"<wo:Msisdn>13800138000", b"<wo:Msisdn>1380013")
    document = document.replace(b"<c:AreaCode>0755", b"<c:AreaCode>755")
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(document)
    violations = refused.value.violations
    assert refused.value.kind is RefusalKind.INVALID
    assert [v.path for v in violations] == [
        "/wo:CreateWorkOrder/wo:Channel",
        "/wo:CreateWorkOrder/wo:Msisdn",
        "/wo:CreateWorkOrder/wo:Area/c:AreaCode",
    ]
    lines = document.decode().splitlines()
    assert "PIGEON_POST" in lines[violations[0].line - 1]
    assert "1380013<" in lines[violations[1].line - 1]
    assert "HOTLINE" in violations[0].reason
    assert all(v.reason for v in violations)


def test_unknown_namespace_is_refused(validator):
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(b'<x:CreateWorkOrder xmlns:x="urn:other:1"/>')
    assert refused.value.kind is RefusalKind.UNKNOWN_COMMAND
    assert "urn:other:1" in refused.value.violations[0].reason


def test_a_response_element_is_not_a_command(validator):
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(b'<w:CreateWorkOrderResponse xmlns:w="urn:onepoint:workorder:1"/>')
    assert "not a command" in refused.value.violations[0].reason


def test_expected_set_must_match(validator, examples_dir):
    document = (examples_dir / "workorder" / "QueryWorkOrder.valid.xml").read_bytes()
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(document, expected_set="boss")
    assert "urn:onepoint:boss:1" in refused.value.violations[0].reason


@pytest.mark.parametrize(
    ("system", "name", "facts"),
    [
        ("workorder", "CreateWorkOrder", {"category": ("01.02.03",), "area": ("0755",)}),
        ("crm", "NotifyAccountManager", {"tier": ("VIP_GOLD",), "category": ("01.02.03",)}),
        ("boss", "QueryCustomerTier", {}),
    ],
)
def test_validation_collects_the_routing_facts(validator, examples_dir, system, name, facts):
    command = validator.validate_bytes((examples_dir / system / f"{name}.valid.xml").read_bytes())
    assert dict(command.routing_facts()) == facts


def test_routing_facts_are_the_document_s_values(validator, examples_dir):
    document = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    command = validator.validate_bytes(document.replace(b"<c:AreaCode>0755<", b"<c:AreaCode>010<"))
    assert command.routing_facts()["area"] == ("010",)


# Co-occurrence rules (hub.validation.rules): what XSD 1.0 cannot say, checked after the XSD.


def test_an_outage_notice_whose_kind_and_adjustment_kind_disagree_is_refused_with_its_violation(
        validator, examples_dir):
    fault = (examples_dir / "nsp" / "OutageNotice.valid-fault.xml").read_bytes()
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(fault.replace(b"<nsp:Kind>FAULT</nsp:Kind>",
                                               b"<nsp:Kind>FAULT</nsp:Kind><nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>"))
    assert refused.value.kind is RefusalKind.INVALID
    [violation] = refused.value.violations
    assert violation.path == "/nsp:OutageNotice/nsp:AdjustmentKind"
    assert violation.reason == "AdjustmentKind is only for Kind PLANNED_WORK, not Kind FAULT"
    planned = (examples_dir / "nsp" / "OutageNotice.valid-planned-work.xml").read_bytes()
    document = planned.replace(b"<nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>", b"")
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(document)
    [violation] = refused.value.violations
    assert violation.path == "/nsp:OutageNotice/nsp:Kind"
    assert "<nsp:Kind>PLANNED_WORK" in document.decode().splitlines()[violation.line - 1]
    assert violation.reason == "Kind PLANNED_WORK needs its AdjustmentKind, which is missing"


@pytest.mark.parametrize(("replace", "path", "reason"), [
    ((b"<nsp:Start>2026-11-23T08:35:00+08:00</nsp:Start>", b"<nsp:Start>10000-01-01T00:00:00Z</nsp:Start>"),
     "/nsp:OutageNotice/nsp:Start", "Start 10000-01-01T00:00:00Z lies outside the years 0001-9999 (UTC)"),
    ((b"<nsp:Start>2026-11-23T08:35:00+08:00</nsp:Start>", b"<nsp:Start>0001-01-01T00:00:00+08:00</nsp:Start>"),
     "/nsp:OutageNotice/nsp:Start", "Start 0001-01-01T00:00:00+08:00 lies outside the years 0001-9999 (UTC)"),
    ((b"<nsp:Start>2026-11-23T08:35:00+08:00</nsp:Start>", b"<nsp:Start>2026-11-24T08:35:00+08:00</nsp:Start>"),
     "/nsp:OutageNotice/nsp:ExpectedEnd", "ExpectedEnd 2026-11-23T12:00:00+08:00 is before Start"),
    ((b"<nsp:Status>ACTIVE</nsp:Status>",
      b"<nsp:Status>ACTIVE</nsp:Status><nsp:ClearedAt>2026-11-23T11:05:00+08:00</nsp:ClearedAt>"),
     "/nsp:OutageNotice/nsp:ClearedAt", "ClearedAt is only for Status CLEARED or WITHDRAWN, not Status ACTIVE"),
    ((b"<nsp:Status>ACTIVE</nsp:Status>",
      b"<nsp:Status>ACTIVE</nsp:Status><nsp:WithdrawalReason>issued in error</nsp:WithdrawalReason>"),
     "/nsp:OutageNotice/nsp:WithdrawalReason", "WithdrawalReason is only for Status WITHDRAWN, not Status ACTIVE"),
])
def test_an_outage_notice_whose_times_no_consumer_can_agree_on_is_refused(validator, examples_dir, replace, path,
                                                                          reason):
    fault = (examples_dir / "nsp" / "OutageNotice.valid-fault.xml").read_bytes()
    assert replace[0] in fault
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(fault.replace(*replace))
    [violation] = refused.value.violations
    assert violation.path == path and violation.reason.startswith(reason), violation


def test_an_outage_notice_ending_at_24_00_or_cleared_before_a_planned_start_is_taken(validator, examples_dir):
    fault = (examples_dir / "nsp" / "OutageNotice.valid-fault.xml").read_bytes()
    end = re.search(rb"<nsp:ExpectedEnd>[^<]+</nsp:ExpectedEnd>", fault)
    assert end is not None
    midnight = b"<nsp:ExpectedEnd>2026-11-23T24:00:00+08:00</nsp:ExpectedEnd>"
    validator.validate_bytes(fault.replace(end.group(), midnight))
    cleared = (examples_dir / "nsp" / "OutageNotice.valid-cleared.xml").read_bytes()
    start = re.search(rb"<nsp:Start>[^<]+</nsp:Start>", cleared)
    assert start is not None
    validator.validate_bytes(cleared.replace(start.group(), b"<nsp:Start>2026-12-30T02:00:00+08:00</nsp:Start>"))


def test_the_violations_of_the_xsd_and_of_a_rule_are_reported_together(validator, examples_dir):
    planned = (examples_dir / "nsp" / "OutageNotice.valid-planned-work.xml").read_bytes()
    document = planned.replace(b"<nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>", b"")
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(document.replace(b"<c:AreaCode>0572", b"<c:AreaCode>572"))
    assert refused.value.kind is RefusalKind.INVALID
    assert [(v.path, v.reason) for v in refused.value.violations[1:]] == [
        ("/nsp:OutageNotice/nsp:Kind", "Kind PLANNED_WORK needs its AdjustmentKind, which is missing"),
    ]
    assert [v.path for v in refused.value.violations[:1]] == ["/nsp:OutageNotice/nsp:Area[3]/c:AreaCode"]


def test_a_document_refused_by_the_xsd_is_held_to_the_rules_too_by_the_document_validator(registry, examples_dir):
    from hub.validation import DocumentSetValidator

    planned = (examples_dir / "nsp" / "OutageNotice.valid-planned-work.xml").read_bytes()
    document = planned.replace(b"<nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>", b"")
    with pytest.raises(DocumentRefused) as refused:
        DocumentSetValidator(registry).validate_bytes(document.replace(b"<c:AreaCode>0572", b"<c:AreaCode>572"))
    assert [v.path for v in refused.value.violations] == [
        "/nsp:OutageNotice/nsp:Area[3]/c:AreaCode", "/nsp:OutageNotice/nsp:Kind",
    ]


def test_a_rule_that_cannot_read_a_tree_the_xsd_refused_says_nothing(registry, examples_dir):
    from hub.validation import CommandSetRegistry, schema_directory
    from hub.validation.rules import Rule, RuleBook

    def needs_a_valid_tree(command):
        raise AttributeError("'NoneType' object has no attribute 'text'")

    book = RuleBook().add("crm.NotifyAccountManager", Rule("assumes its XSD held", needs_a_valid_tree))
    with schema_directory() as directory:
        own = DocumentValidator(CommandSetRegistry.from_directory(directory, detailed=False, rules=book))
    notice = (examples_dir / "crm" / "NotifyAccountManager.valid.xml").read_bytes()
    with pytest.raises(DocumentRefused) as refused:
        own.validate_bytes(notice.replace(b"<crm:Priority>1<", b"<crm:Priority>9<"))
    assert refused.value.kind is RefusalKind.INVALID
    assert [v.path for v in refused.value.violations] == ["/crm:NotifyAccountManager/crm:Priority"]
    with pytest.raises(AttributeError):  # on a tree the XSD accepted, a broken rule is a defect, not a refusal
        own.validate_bytes(notice)


# Bounds of the explaining pass (xmlschema): its cost grows faster than the document.


def _with_attributes(document: bytes, start_tag: bytes, count: int, *, times: int = 1) -> bytes:
    """``document`` with ``count`` unknown attributes added to the first ``times`` of ``start_tag``."""
    attributes = b" ".join(b"x%d='1'" % i for i in range(count))
    return document.replace(start_tag, start_tag[:-1] + b" " + attributes + b">", times)


@pytest.mark.timeout(10)  # minutes before the attribute caps: xmlschema's cost was cubic in them
def test_a_command_with_2000_unknown_attributes_on_one_element_is_refused_before_the_schema(
        validator, examples_dir):
    todo = (examples_dir / "oa" / "CompleteTodo.valid.xml").read_bytes()
    document = _with_attributes(todo, b"<oa:UserId>", 2_000)
    assert len(document) < 20_000
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(document, expected_set="oa")
    assert refused.value.kind is RefusalKind.TOO_LARGE
    [violation] = refused.value.violations
    assert violation.path == "/oa:CompleteTodo/oa:UserId"
    assert "<oa:UserId " in document.decode().splitlines()[violation.line - 1]
    assert violation.reason == (
        "the element oa:UserId has 2000 attributes, over the limit of 64 attributes per element"
    )


@pytest.mark.timeout(10)
def test_an_element_over_the_explaining_budget_is_explained_by_libxml2_and_the_list_is_bounded(
        registry, examples_dir):
    from hub.validation import ParserLimits

    permissive = DocumentValidator(registry, ParserLimits(max_attributes_per_element=256))
    todo = (examples_dir / "oa" / "CompleteTodo.valid.xml").read_bytes()
    with pytest.raises(DocumentRefused) as refused:
        permissive.validate_bytes(_with_attributes(todo, b"<oa:UserId>", 250), expected_set="oa")
    violations = refused.value.violations
    assert refused.value.kind is RefusalKind.INVALID
    assert len(violations) == 101
    assert all(v.path == "/oa:CompleteTodo/oa:UserId" for v in violations[:100])
    assert violations[-1].reason == "… and 150 more violations"


def test_300_schema_violations_are_listed_as_the_first_100_and_a_line_saying_more_were_found(
        validator, examples_dir):
    from hub.validation.validator import MAX_LISTED_VIOLATIONS

    todo = (examples_dir / "oa" / "CompleteTodo.valid.xml").read_bytes()
    document = todo.replace(b"</oa:CompleteTodo>", b"<oa:Unknown/>" * 300 + b"</oa:CompleteTodo>")
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(document, expected_set="oa")
    violations = refused.value.violations
    assert MAX_LISTED_VIOLATIONS == 100
    assert len(violations) == 101
    assert [v.reason for v in violations[:100]] == [
        f"Unexpected child with tag 'oa:Unknown' at position {position}." for position in range(6, 106)
    ]
    assert violations[-1] == Violation(None, "/", "… and more violations: only the first 100 are listed")


def test_more_violations_than_listed_still_name_the_broken_rule(validator, examples_dir):
    planned = (examples_dir / "nsp" / "OutageNotice.valid-planned-work.xml").read_bytes()
    document = planned.replace(b"<nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>", b"")
    document = _with_attributes(document, b"<c:AreaCode>", 40, times=5)  # 200 unknown attributes
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(document)
    violations = refused.value.violations
    assert len(violations) == 102
    assert violations[-2].reason == "Kind PLANNED_WORK needs its AdjustmentKind, which is missing"
    assert violations[-1].reason.startswith("… and ")


@pytest.mark.timeout(10)
def test_a_tree_too_large_to_explain_in_detail_is_explained_by_libxml2(validator, examples_dir):
    todo = (examples_dir / "oa" / "CompleteTodo.valid.xml").read_bytes()
    document = todo.replace(b"</oa:CompleteTodo>", b"<oa:Unknown/>" * 50_000 + b"</oa:CompleteTodo>")
    with pytest.raises(DocumentRefused) as refused:
        validator.validate_bytes(document, expected_set="oa")
    [violation] = refused.value.violations
    assert violation.path == "/oa:CompleteTodo/oa:Unknown[1]"
    assert "not expected" in violation.reason


def test_the_rules_of_a_command_set_are_its_own(registry, examples_dir):
    from hub.validation.rules import RuleBook, only_when

    assert list(registry.get("nsp").rules) == ["OutageNotice"]
    assert not registry.get("workorder").rules  # the benchmarked set: no rule, no extra work
    book = RuleBook().add("crm.NotifyAccountManager", only_when("DueAt", field="Priority", equals="1"))
    from hub.validation import CommandSetRegistry, schema_directory

    with schema_directory() as directory:
        own = CommandSetRegistry.from_directory(directory, detailed=False, rules=book)
    assert not own.get("nsp").rules
    checker = DocumentValidator(own)
    notice = (examples_dir / "crm" / "NotifyAccountManager.valid.xml").read_bytes()
    assert checker.validate_bytes(notice).command == "NotifyAccountManager"
    with pytest.raises(DocumentRefused, match="DueAt is only for Priority 1, not Priority 2"):
        checker.validate_bytes(notice.replace(b"<crm:Priority>1<", b"<crm:Priority>2<"))


def test_every_installed_rule_reads_elements_its_command_declares(registry):
    from hub.validation.command_rules import INSTALLED_RULES

    for command_type in INSTALLED_RULES.command_types():
        set_name, command = command_type.split(".")
        declaration = registry.get(set_name).detailed_schema.elements[command]
        children = {child.local_name for child in declaration.type.content.iter_elements()}
        for rule in INSTALLED_RULES.rules_of(command_type):
            assert rule.elements and set(rule.elements) <= children, (command_type, rule.says)
