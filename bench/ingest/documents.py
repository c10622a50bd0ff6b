"""The benchmark document: the CreateWorkOrder example of ``schemas/examples``, grown to 2 KB, message id varied."""

from __future__ import annotations

from hub.validation import schema_directory

__all__ = ["MESSAGE_ID_PLACEHOLDER", "SIZE", "message_id", "template", "work_order"]

SIZE = 2048
EXAMPLE_ID = b"cs-20261123-000001"
# Fixed width, so that every document has exactly SIZE bytes (the wrk script uses the same width).
MESSAGE_ID_PLACEHOLDER = b"{{MESSAGE-ID-32-CHARACTERS-XXX}}"
ATTACHMENT = (
    b"\n  <wo:Attachment>\n    <c:Id>rec-%05d</c:Id>\n    <c:Name>Call recording %d</c:Name>\n"
    b"    <c:MediaType>audio/wav</c:MediaType>\n"
    b"    <c:Uri>https://recordings.example.invalid/rec-%05d.wav</c:Uri>\n  </wo:Attachment>"
)


def message_id(tag: str, number: int) -> str:
    """``<tag>-<number>``, 32 characters (the XSD allows 8-64 of ``[A-Za-z0-9._:-]``)."""
    head = f"{tag}-"
    return f"{head}{number:0{32 - len(head)}d}"


def template(size: int = SIZE) -> bytes:
    """The valid CreateWorkOrder example with extra attachments and a longer description: ``size`` bytes, its
    message id replaced by ``MESSAGE_ID_PLACEHOLDER`` (32 bytes)."""
    with schema_directory() as directory:
        doc = (directory / "examples" / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    doc = doc.replace(EXAMPLE_ID, MESSAGE_ID_PLACEHOLDER)
    end = b"\n</wo:CreateWorkOrder>"
    body, tail = doc.rstrip().rsplit(end.strip(), 1)
    body = body.rstrip()
    number = 1
    while len(body) + len(ATTACHMENT) + len(end) + len(tail) + 1 < size - 40:
        body += ATTACHMENT % (number, number, number)
        number += 1
    doc = body + end + tail.rstrip() + b"\n"
    missing = size - len(doc)
    if missing < 0:
        raise ValueError(f"the example is already over {size} bytes")
    return doc.replace(b"</wo:Description>", b" " + b"x" * (missing - 1) + b"</wo:Description>", 1) if missing else doc


def work_order(doc_template: bytes, mid: str) -> bytes:
    return doc_template.replace(MESSAGE_ID_PLACEHOLDER, mid.encode(), 1)
