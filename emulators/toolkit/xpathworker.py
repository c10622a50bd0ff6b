"""Journal XPath queries evaluated in a child process, so their time budget is a real bound.

One XPath can cost far more than its documents' size (``//b[count(preceding::b) = 59999]`` is quadratic; nested
predicates go higher), and lxml evaluates it in C, where no thread can be stopped. So a query with a time budget
runs its XPath in a fresh Python process that is killed when the budget is spent (:func:`evaluate`).

The child is this file run as a script: it imports nothing but the standard library and lxml (it starts in about
a tenth of a second), reads the expression and the documents on standard input and writes one JSON line. The
documents it gets were parsed by the emulator with the hub's hardened parser and serialised again (no DOCTYPE,
no entities, comments and processing instructions removed, depth checked), so it parses them with the same
settings and nothing else to refuse. XPath extensions stay off (no EXSLT regular expressions).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = ["XPathWorkerAbandoned", "XPathWorkerError", "XPathWorkerTimeout", "evaluate", "truthy"]

_POLL_SECONDS = 0.1  # how often a running child is checked for a client that went away


class XPathWorkerError(ValueError):
    """The XPath failed on a document (an undefined prefix, a type error...), or the child failed."""


class XPathWorkerTimeout(TimeoutError):
    """The child ran past its time budget and was killed."""


class XPathWorkerAbandoned(XPathWorkerTimeout):
    """The query was given up by its client; the child was killed."""


def truthy(result: Any) -> bool:
    """An XPath result as a match: a non-empty node set or string, true, a number not 0 nor NaN."""
    if isinstance(result, bool):
        return result
    if isinstance(result, float):
        return result != 0 and not math.isnan(result)
    if isinstance(result, str | bytes | list):
        return len(result) > 0
    return result is not None


def evaluate(xpath: str, namespaces: Mapping[str, str] | None, documents: Sequence[bytes],
             timeout: float, *, abandoned: threading.Event | None = None) -> list[bool]:
    """Whether ``xpath`` matches each document (serialised by the hardened parser), in a child process killed
    after ``timeout`` seconds (:class:`XPathWorkerTimeout`), or as soon as ``abandoned`` is set (the client that
    asked went away: :class:`XPathWorkerAbandoned`), so a given-up query holds no CPU nor a query slot."""
    if not documents:
        return []
    header = json.dumps({"xpath": xpath, "namespaces": dict(namespaces or {}),
                         "sizes": [len(d) for d in documents]}).encode()
    # -P: not the script's folder first on sys.path (the toolkit's module names must not shadow anything)
    with subprocess.Popen([sys.executable, "-P", str(Path(__file__).resolve())], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        deadline = time.monotonic() + max(timeout, 0.0)
        pending: bytes | None = header + b"\n" + b"".join(documents)
        while True:
            left = deadline - time.monotonic()
            try:  # input only on the first call: a retried communicate() goes on where it was
                out, err = child.communicate(pending, timeout=max(min(left, _POLL_SECONDS), 0.0))
                break
            except subprocess.TimeoutExpired:
                pending = None
                if left > _POLL_SECONDS and not (abandoned is not None and abandoned.is_set()):
                    continue
                child.kill()
                child.communicate()
                if left > _POLL_SECONDS:
                    raise XPathWorkerAbandoned("the client went away: XPath stopped") from None
                raise XPathWorkerTimeout(f"XPath still running after {timeout:.3g} s: stopped") from None
    try:
        answer = json.loads(out.splitlines()[-1])
    except (IndexError, ValueError):
        raise XPathWorkerError(f"the XPath worker failed (exit {child.returncode}): "
                               f"{err.decode(errors='replace').strip()[-300:]}") from None
    if "error" in answer:
        raise XPathWorkerError(str(answer["error"]))
    matches = [bool(m) for m in answer["matches"]]
    if len(matches) != len(documents):
        raise XPathWorkerError("the XPath worker answered for the wrong number of documents")
    return matches


def _serve(stdin: Any, stdout: Any) -> None:
    """The child: one request on ``stdin``, one JSON line on ``stdout``."""
    request = json.loads(stdin.readline())
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        compiled = etree.XPath(request["xpath"], namespaces=request["namespaces"], regexp=False,
                               smart_strings=False)
        matches = [truthy(compiled(etree.fromstring(stdin.read(size), parser=parser)))
                   for size in request["sizes"]]
    except (etree.XPathError, etree.XMLSyntaxError, TypeError, ValueError) as exc:
        stdout.write(json.dumps({"error": f"XPath {request['xpath']!r} failed: {exc}"}).encode() + b"\n")
        return
    stdout.write(json.dumps({"matches": matches}).encode() + b"\n")


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
