"""Benchmark: validating the CreateWorkOrder example — the hub's validator vs plain xmlschema vs raw lxml.

Not a test. Run:  .venv/bin/python bench/validation.py [--seconds 2]
Prints documents/second for each, side by side in one run, and the ratios the core issue targets:
ours >= 15x plain xmlschema, and ours >= 70% of raw lxml (parse + XMLSchema.validate from bytes).
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

import xmlschema
from lxml import etree

from hub.validation import CommandSetRegistry, DocumentValidator, schema_directory


def rates(contenders: dict[str, Callable[[], object]], seconds: float, rounds: int = 7) -> dict[str, float]:
    """Median documents/second of each contender; rounds are interleaved so that drift hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():
        fn()
    for _ in range(rounds):
        for name, fn in contenders.items():
            count, start = 0, time.perf_counter()
            deadline = start + seconds / rounds
            while time.perf_counter() < deadline:
                for _ in range(50):
                    fn()
                count += 50
            samples[name].append(count / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per contender")
    args = parser.parse_args()

    with schema_directory() as directory:
        document = (directory / "examples" / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
        xsd = str(directory / "workorder.xsd")
        registry = CommandSetRegistry.from_directory(directory)
        plain = xmlschema.XMLSchema10(xsd)  # as a plain user would: library defaults
        raw_schema = etree.XMLSchema(etree.parse(xsd))

    ours = DocumentValidator(registry)
    raw_parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def hub() -> object:
        return ours.validate_bytes(document)

    def xmlschema_plain() -> object:  # the library used plainly: bytes in, its own (defused) parsing
        return plain.is_valid(io.BytesIO(document))

    def lxml_raw() -> object:
        return raw_schema.validate(etree.fromstring(document, parser=raw_parser))

    assert hub()
    assert xmlschema_plain()
    assert lxml_raw()
    figures = rates({"hub validator": hub, "plain xmlschema": xmlschema_plain, "raw lxml": lxml_raw}, args.seconds)
    print(f"CreateWorkOrder example, {len(document)} bytes, median of 7 interleaved rounds")
    for name, value in figures.items():
        print(f"  {name:<16} {value:>10,.0f} docs/s")
    vs_xmlschema = figures["hub validator"] / figures["plain xmlschema"]
    vs_lxml = figures["hub validator"] / figures["raw lxml"]
    print(f"  hub / xmlschema  {vs_xmlschema:>10.1f}x   (target >= 15x: {'met' if vs_xmlschema >= 15 else 'NOT met'})")
    print(f"  hub / raw lxml   {vs_lxml:>10.0%}    (target >= 70%: {'met' if vs_lxml >= 0.7 else 'NOT met'})")


if __name__ == "__main__":
    main()
