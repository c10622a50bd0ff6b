"""Hostile documents: defusedxml's attack files (xmltestdata) and the other cases every ingress must refuse.

Each case is a prolog (what comes before the root, e.g. a byte-order mark, a declaration, a DOCTYPE), a command
body and an encoding (``utf-16`` writes a byte-order mark); `as_xml` and `as_soap`
turn it into the bytes for the XML or the SOAP ingress. ``canary`` is a URL on 127.0.0.1 that records any
fetch, so a test can prove that nothing was fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tests.support.soap import envelope

VALID_BODY = b"""<wo:QueryWorkOrder xmlns:wo="urn:onepoint:workorder:1" xmlns:c="urn:onepoint:common:1">
<wo:Header><c:MessageId>cs-hostile-000001</c:MessageId><c:SourceSystem>CS</c:SourceSystem>
<c:SentAt>2026-11-23T09:15:00+08:00</c:SentAt></wo:Header><wo:WorkOrderId>WO20261123ABCD1234</wo:WorkOrderId>
</wo:QueryWorkOrder>"""


@dataclass(frozen=True)
class Hostile:
    name: str
    prolog: str = ""
    body: bytes = VALID_BODY
    encoding: str = "utf-8"

    def as_xml(self) -> bytes:
        return self._encode(self.prolog.replace("ROOT", "wo:QueryWorkOrder"), self.body)

    def as_soap(self, header: str) -> bytes:
        if not self.body:
            return b""
        return self._encode(self.prolog.replace("ROOT", "soap:Envelope"), envelope(self.body, header))

    def _encode(self, prolog: str, body: bytes) -> bytes:
        if self.encoding == "utf-8":
            return prolog.encode() + body
        return (prolog + body.decode()).encode(self.encoding)


def _referencing(reference: str) -> bytes:
    return VALID_BODY.replace(b"cs-hostile-000001", reference.encode())


def cases(canary: str) -> list[Hostile]:
    laughs = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    xi = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'
    deep = 10_000
    return [
        Hostile("billion-laughs", f"<!DOCTYPE ROOT [{laughs}]>\n", _referencing("&l9;")),
        Hostile("quadratic-blowup", f'<!DOCTYPE ROOT [<!ENTITY a "{"x" * 50_000}">]>\n', _referencing("&a;" * 10_000)),
        Hostile(
            "external-entity-local-file",
            '<!DOCTYPE ROOT [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
            _referencing("&xxe;"),
        ),
        Hostile(
            "external-entity-network", f'<!DOCTYPE ROOT [<!ENTITY xxe SYSTEM "{canary}/xxe">]>\n', _referencing("&xxe;")
        ),
        Hostile("external-dtd", f'<!DOCTYPE ROOT SYSTEM "{canary}/evil.dtd">\n'),
        Hostile(
            "external-parameter-entity", f'<!DOCTYPE ROOT [<!ENTITY % remote SYSTEM "{canary}/p.dtd"> %remote;]>\n'
        ),
        Hostile("cyclic-entities", '<!DOCTYPE ROOT [<!ENTITY a "&b;"><!ENTITY b "&a;">]>\n', _referencing("&a;")),
        Hostile("xinclude", body=VALID_BODY.replace(b"<wo:WorkOrderId>", xi + b"<wo:WorkOrderId>")),
        Hostile(
            "deep-nesting-10000",
            body=VALID_BODY.replace(b"</wo:QueryWorkOrder>", b"<x>" * deep + b"</x>" * deep + b"</wo:QueryWorkOrder>"),
        ),
        Hostile("invalid-utf8", body=VALID_BODY.replace(b"cs-hostile-000001", b"cs-hostile-\xff\xfe\xfa01")),
        Hostile(
            "utf16-billion-laughs",
            f'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE ROOT [{laughs}]>\n',
            _referencing("&l9;"),
            encoding="utf-16",
        ),
        Hostile("empty", body=b""),
        # a byte-order mark contradicted by the declared encoding (libxml2 alone would trust the mark)
        Hostile("utf8-bom-declares-latin1", '\ufeff<?xml version="1.0" encoding="ISO-8859-1"?>\n'),
        Hostile("utf8-bom-declares-utf16", '\ufeff<?xml version="1.0" encoding="UTF-16"?>\n'),
        Hostile("utf16-bom-declares-utf8", '<?xml version="1.0" encoding="UTF-8"?>\n', encoding="utf-16"),
    ]


def huge_body(make: Callable[[bytes], bytes], total: int = 50 * 1024 * 1024, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A body of ``total`` bytes (50 MB), streamed so that the client never holds it in memory."""
    head, tail = make(VALID_BODY).split(b"</wo:QueryWorkOrder>", 1)
    yield head
    filler = b"<x>" + b"p" * (chunk - 7) + b"</x>"
    sent = 0
    while sent < total:
        yield filler
        sent += len(filler)
    yield b"</wo:QueryWorkOrder>" + tail
