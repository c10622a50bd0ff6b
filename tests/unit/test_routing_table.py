import pytest

from hub.envelope import Envelope
from hub.routing.envelopes import envelope_for
from hub.routing.table import DEFAULT_CACHE_SIZE, NoRouteError, RoutingTable, RoutingTableError
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation import DocumentValidator

pytestmark = pytest.mark.unit

COMMANDS = ["workorder.CreateWorkOrder", "workorder.WorkOrderAction", "crm.NotifyAccountManager", "nsp.OutageNotice"]


def table(*routes: dict) -> RoutingTable:
    return RoutingTable.from_mapping({"routes": list(routes)}, "test", consumers=set(DEFAULT_CONSUMERS),
                                     command_types=COMMANDS)


def envelope(command_type: str, payload: bytes = b"<x/>", source: str = "CS") -> Envelope:
    return Envelope("m-0000000001", command_type, source, payload)


@pytest.fixture(scope="module")
def example(registry, examples_dir):
    """The envelope of an example document as the ingress builds it: validated, with its routing facts."""
    validator = DocumentValidator(registry)

    def build(system: str, name: str) -> Envelope:
        command = validator.validate_bytes((examples_dir / system / f"{name}.valid.xml").read_bytes())
        return envelope_for(command, headers={})

    return build


def test_the_built_in_table_routes_every_command_of_every_set(registry):
    routes = RoutingTable.load(None, consumers=DEFAULT_CONSUMERS, command_types=registry.command_types())
    assert routes.unrouted(registry.command_types()) == []
    assert routes.targets(envelope("nsp.OutageNotice")) == ("broadcast",)
    assert routes.targets(envelope("workorder.CreateWorkOrder")) == ("workflow",)


def test_all_matching_routes_contribute_in_order_without_repeats():
    routes = table(
        {"name": "a", "commands": "workorder.*", "to": ["workflow"]},
        {"name": "b", "commands": ["workorder.CreateWorkOrder"], "to": ["oa", "workflow"]},
    )
    assert routes.targets(envelope("workorder.CreateWorkOrder")) == ("workflow", "oa")
    assert routes.targets(envelope("workorder.WorkOrderAction")) == ("workflow",)


def test_final_stops_the_search():
    routes = table(
        {"name": "a", "commands": "workorder.*", "to": ["workflow"], "final": True},
        {"name": "b", "commands": "workorder.*", "to": ["oa"]},
    )
    assert routes.targets(envelope("workorder.CreateWorkOrder")) == ("workflow",)


@pytest.mark.parametrize(
    ("when", "matches"),
    [
        ({"tier": ["VIP_*"]}, True),  # the notice: CustomerTier VIP_GOLD, CategoryCode 01.02.03, from HUB
        ({"tier": "GROUP_KEY_PERSON"}, False),
        ({"category": "01.02.*"}, True),
        ({"category": "02.*"}, False),
        ({"source": "HUB"}, True),
        ({"source": ["CS", "NSP"]}, False),
        ({"tier": "VIP_GOLD", "category": "01.*", "source": "HUB"}, True),
        ({"tier": "VIP_GOLD", "category": "02.*"}, False),
    ],
)
def test_content_predicates(example, when, matches):
    routes = table(
        {"name": "content", "commands": "crm.*", "when": when, "to": ["crm"]},
        {"name": "fallback", "commands": "crm.*", "to": ["oa"]},
    )
    expected = ("crm", "oa") if matches else ("oa",)
    assert routes.targets(example("crm", "NotifyAccountManager")) == expected


@pytest.mark.parametrize(("area", "matches"), [(["0755", "010"], True), ("020", False)])
def test_area_predicate_reads_a_nested_area_code(example, area, matches):
    routes = table(
        {"name": "south", "commands": "workorder.CreateWorkOrder", "when": {"area": area}, "to": ["oa"]},
        {"name": "all", "commands": "workorder.*", "to": ["workflow"]},
    )
    expected = ("oa", "workflow") if matches else ("workflow",)
    assert routes.targets(example("workorder", "CreateWorkOrder")) == expected


def test_content_predicates_read_the_facts_never_the_payload():
    routes = table(
        {"name": "vip", "commands": "crm.*", "when": {"tier": "VIP_*"}, "to": ["crm"]},
        {"name": "fallback", "commands": "crm.*", "to": ["oa"]},
    )
    unparsable = Envelope("m-0000000001", "crm.NotifyAccountManager", "CS", b"not xml at all",
                          facts={"tier": ("GROUP_MEMBER", "VIP_SILVER")})
    assert routes.targets(unparsable) == ("crm", "oa")
    assert routes.targets(envelope("crm.NotifyAccountManager", b"not xml either")) == ("oa",)


def test_no_route_is_an_error_not_silence():
    routes = table({"name": "a", "commands": "workorder.*", "to": ["workflow"]})
    with pytest.raises(NoRouteError, match=r"crm\.NotifyAccountManager"):
        routes.targets(envelope("crm.NotifyAccountManager"))
    assert routes.unrouted(COMMANDS) == ["crm.NotifyAccountManager", "nsp.OutageNotice"]


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"name": "r", "commands": "billing.*", "to": "workflow"}, "route 'r': 'billing.*' matches no command type"),
        ({"name": "r", "commands": "workorder.*", "to": "billing"}, "route 'r': unknown target 'billing'"),
        ({"name": "r", "commands": "workorder.*"}, "route 'r': 'to' must name one or more targets"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "when": {"colour": "red"}}, "unknown predicate 'colour'"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "when": {"tier": "PLATINUM"}},
         "tier pattern 'PLATINUM' matches no customer tier"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "final": "yes"}, "'final' must be true or false"),
        ({"commands": "crm.*", "to": "crm"}, "a name is required"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "priority": 1}, "unknown keys ['priority']"),
    ],
)
def test_bad_routes_are_named_in_the_error(route, message):
    with pytest.raises(RoutingTableError) as error:
        table(route)
    assert message in str(error.value)
    assert str(error.value).startswith("test: ")


def test_every_bad_route_is_reported_at_once():
    with pytest.raises(RoutingTableError) as error:
        table({"name": "one", "commands": "x.*", "to": "workflow"}, {"name": "two", "commands": "crm.*", "to": "y"},
              {"name": "one", "commands": "crm.*", "to": "crm"})
    text = str(error.value)
    assert "route 'one': 'x.*' matches no command type" in text
    assert "route 'two': unknown target 'y'" in text
    assert "the name is used by an earlier route" in text


def test_load_from_file_and_syntax_errors(tmp_path):
    path = tmp_path / "routes.toml"
    path.write_text('[[routes]]\nname = "a"\ncommands = "workorder.*"\nto = "workflow"\n')
    loaded = RoutingTable.load(path, consumers=DEFAULT_CONSUMERS, command_types=COMMANDS)
    assert loaded.source == str(path)
    path.write_text("[[routes]\n")
    with pytest.raises(RoutingTableError, match=str(path)):
        RoutingTable.load(path, consumers=DEFAULT_CONSUMERS, command_types=COMMANDS)


def test_a_request_route_gives_its_reply_timeout():
    routes = table({"name": "q", "commands": "workorder.CreateWorkOrder", "to": "workflow", "reply_timeout": 2},
                   {"name": "w", "commands": "workorder.*", "to": "workflow"})
    assert routes.decide(envelope("workorder.CreateWorkOrder")) == (("workflow",), 2.0)
    assert routes.decide(envelope("workorder.WorkOrderAction")) == (("workflow",), None)


def test_a_request_reaching_two_consumers_is_refused_at_route_time():
    routes = table({"name": "q", "commands": "workorder.*", "to": "workflow", "reply_timeout": 2},
                   {"name": "copy", "commands": "workorder.*", "to": "oa"})
    with pytest.raises(NoRouteError, match="is a request but"):
        routes.decide(envelope("workorder.CreateWorkOrder"))


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"name": "r", "commands": "crm.*", "to": "crm", "reply_timeout": 0}, "positive number of seconds"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "reply_timeout": True}, "positive number of seconds"),
        ({"name": "r", "commands": "crm.*", "to": ["crm", "oa"], "reply_timeout": 3}, "exactly one consumer"),
        ({"name": "r", "commands": "nsp.*", "to": "broadcast", "reply_timeout": 3}, "exactly one consumer"),
    ],
)
def test_bad_request_routes(route, message):
    with pytest.raises(RoutingTableError, match=message):
        table(route)


def test_a_cached_request_route_gives_its_ttl_and_size_with_the_decision():
    routes = table({"name": "q", "commands": "workorder.CreateWorkOrder", "to": "workflow", "reply_timeout": 2,
                    "cache_ttl": 60, "cache_size": 5},
                   {"name": "w", "commands": "workorder.*", "to": "workflow", "reply_timeout": 3})
    cached = routes.decision(envelope("workorder.CreateWorkOrder"))
    assert cached.request is not None
    assert (cached.request.name, cached.request.cache_ttl, cached.request.cache_size) == ("q", 60.0, 5)
    assert cached.reply_timeout == 2.0
    plain = routes.decision(envelope("workorder.WorkOrderAction"))
    assert plain.request is not None and plain.request.cache_ttl is None
    assert plain.request.cache_size == DEFAULT_CACHE_SIZE


def test_the_built_in_table_caches_tier_lookups_only(registry):
    routes = RoutingTable.load(None, consumers=DEFAULT_CONSUMERS, command_types=registry.command_types())
    tier = routes.decision(envelope("boss.QueryCustomerTier")).request
    assert tier is not None and tier.cache_ttl == 300.0 and routes.targets(envelope("boss.QueryCustomerTier")) == (
        "boss",)
    hlr = routes.decision(envelope("boss.SyncHLR")).request
    assert hlr is not None and hlr.cache_ttl is None  # a write is never cached


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"name": "r", "commands": "crm.*", "to": "crm", "cache_ttl": 30}, "needs a request route"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "reply_timeout": 3, "cache_ttl": 0}, "positive number"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "reply_timeout": 3, "cache_ttl": "5m"}, "positive number"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "reply_timeout": 3, "cache_ttl": 5, "cache_size": 0},
         "at least 1"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "reply_timeout": 3, "cache_ttl": 5, "cache_size": 2.5},
         "at least 1"),
        ({"name": "r", "commands": "crm.*", "to": "crm", "reply_timeout": 3, "cache_size": 10}, "needs a 'cache_ttl'"),
        ({"name": "r", "commands": "dsmp.QuerySmsLog", "to": "dsmp", "reply_timeout": 3, "cache_ttl": 5},
         r"keep the answers of audited commands \(dsmp.QuerySmsLog\)"),
        ({"name": "r", "commands": "dsmp.*", "to": "dsmp", "reply_timeout": 3, "cache_ttl": 5}, "audited"),
    ],
)
def test_bad_cache_settings(route, message):
    with pytest.raises(RoutingTableError, match=message):
        table(route)


def test_a_table_says_which_commands_need_routing_facts():
    routes = table({"name": "vip", "commands": "crm.*", "when": {"tier": "VIP_*"}, "to": ["crm"]},
                   {"name": "by-source", "commands": "workorder.*", "when": {"source": "CS"}, "to": ["workflow"]},
                   {"name": "all", "commands": "*", "to": ["oa"]})
    assert routes.reads_facts("crm.NotifyAccountManager")
    assert not routes.reads_facts("workorder.CreateWorkOrder")  # the source is a header field, not a fact
    assert not routes.reads_facts("nsp.OutageNotice")


@pytest.mark.parametrize(("commands", "when", "fact"), [
    ("crm.NotifyAccountManager", {"tier": ["VIP_*", "GROUP_KEY_PERSON"], "area": "0755"}, "area"),
    ("crm.*", {"area": "*"}, "area"),  # COMMANDS: the only crm command is NotifyAccountManager
    ("nsp.OutageNotice", {"tier": "VIP_*"}, "tier"),
    ("nsp.OutageNotice", {"category": "01.*"}, "category"),
])
def test_a_predicate_on_a_fact_none_of_the_routes_commands_carries_is_refused(commands, when, fact):
    with pytest.raises(RoutingTableError) as error:
        table({"name": "never", "commands": commands, "when": when, "to": ["crm", "oa"]})
    text = str(error.value)
    assert f"route 'never': 'when' on {fact!r} can never match" in text
    assert f"carries the {fact} fact" in text
    assert "crm.NotifyAccountManager" in text or "nsp.OutageNotice" in text  # the commands, named


def test_a_predicate_is_kept_when_one_of_the_routes_commands_carries_the_fact():
    routes = table({"name": "south", "commands": ["crm.NotifyAccountManager", "workorder.CreateWorkOrder"],
                    "when": {"area": "0755"}, "to": ["oa"]},
                   {"name": "all", "commands": "*", "to": ["workflow"]})
    assert routes.reads_facts("crm.NotifyAccountManager") and routes.reads_facts("workorder.CreateWorkOrder")


def test_routes_check_refuses_a_table_whose_route_can_never_match(tmp_path):
    from click.testing import CliRunner

    from hub.cli.routes import routes as routes_cli
    path = tmp_path / "routes.toml"
    path.write_text('[[routes]]\nname = "duty desk"\ncommands = ["crm.NotifyAccountManager"]\n'
                    'when = { tier = ["VIP_*"], area = "0755" }\nto = ["crm"]\n')
    result = CliRunner().invoke(routes_cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "route 'duty desk': 'when' on 'area' can never match" in result.output
    assert "crm.NotifyAccountManager" in result.output


@pytest.mark.parametrize("key", ["reply_timeout", "cache_ttl"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_request_route_refuses_a_number_of_seconds_that_is_not_finite(key, value):
    route = {"name": "r", "commands": "workorder.*", "to": "workflow", "reply_timeout": 3, key: value}
    with pytest.raises(RoutingTableError, match="positive number"):
        table(route)


def test_the_readme_routing_table_example_loads_and_routes_as_it_says(registry, examples_dir):
    import re
    import tomllib
    from pathlib import Path

    from hub.system.consumers import consumer_kit

    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    text = re.search(r"```toml\n(.*?)```", readme.split("### Routing table", 1)[1], re.S).group(1)
    routes = RoutingTable.from_mapping(tomllib.loads(text), "README", consumers=set(DEFAULT_CONSUMERS),
                                       command_types=registry.command_types(), registry=registry)
    validator = DocumentValidator(registry)

    def routed(name: str) -> tuple[str, ...]:
        command = validator.validate_bytes((examples_dir / "nsp" / name).read_bytes())
        return routes.targets(envelope_for(command, headers={}))

    assert routed("OutageNotice.valid-fault.xml") == ("crm", "oa")  # area 0755
    with pytest.raises(NoRouteError):
        routed("OutageNotice.valid-planned-work.xml")  # 0571, 0572: not Shenzhen's, and nothing else takes it
    for consumer in ("crm", "oa"):  # each target has a handler for what the route sends it
        consumer_kit(consumer).handlers.resolve(consumer, "nsp.OutageNotice")
