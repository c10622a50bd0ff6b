"""Benchmark: the BOSS emulator's QueryCustomerTier vs a bare spyne service on the same stack.

Not a test. Run:  .venv/bin/python bench/emulators.py [--requests 20000] [--rounds 2] [--memory 100000]

Both servers run in a child process of their own (so that the clients do not share the server's GIL and the
child's RSS is the server's), served by the toolkit's runner (uvicorn on 127.0.0.1, spyne in a thread pool):

- ``bare``: a spyne service built from the same boss.xsd models, answering one fixed QueryCustomerTierResponse;
  no toolkit (no faults, no journal, no admin API), no gate, no validation, no population;
- ``emulator``: ``emulators.boss.create_emulator()``: toolkit + hub validation + population + spyne.

8 client threads, one ``httpx.Client`` each, POST the same prepared SOAP envelope. Rounds alternate bare and
emulator; the best round of each is compared (target: emulator >= 80 % of bare). Then the emulator serves
``--memory`` requests and its RSS is printed every 10 % (target: flat once the bounded journal is full).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8
# Run as a script, this file's folder comes first on sys.path and "emulators" would name this very file.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)


def envelope(msisdn: str) -> bytes:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<boss:QueryCustomerTier xmlns:boss="urn:onepoint:boss:1" xmlns:c="urn:onepoint:common:1"><boss:Header>'
        "<c:MessageId>hub-bench-00000001</c:MessageId><c:SourceSystem>HUB</c:SourceSystem>"
        "<c:SentAt>2026-11-23T09:15:01+08:00</c:SentAt></boss:Header>"
        f"<boss:Msisdn>{msisdn}</boss:Msisdn></boss:QueryCustomerTier></soap:Body></soap:Envelope>"
    ).encode()


# -- server side (child process) ------------------------------------------------------------------------------
class BareAsgi:
    """The least an ASGI server needs to run a WSGI app: read the body, call it in a thread pool, answer."""

    def __init__(self, wsgi: Any) -> None:
        self.wsgi = wsgi
        self.pool = ThreadPoolExecutor(16)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from emulators.toolkit.wsgi import call_wsgi

        if scope["type"] != "http":
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        resp = await asyncio.get_running_loop().run_in_executor(self.pool, call_wsgi, self.wsgi, scope,
                                                                  b"".join(chunks))
        await send({"type": "http.response.start", "status": resp.status, "headers": resp.headers})
        await send({"type": "http.response.body", "body": resp.body})


def bare_app(msisdn: str) -> BareAsgi:
    """spyne, the same models, one operation answering a fixed response: the emulator's answer for ``msisdn``,
    built once at start (so both serialize the same document; no domain work per request)."""
    import warnings

    from emulators.boss.service import boss_handlers
    from emulators.boss.state import BossState
    from emulators.toolkit.soapcontract import contract
    from hub.validation import ValidatedCommand

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from spyne import Application, ServiceBase, rpc
        from spyne.protocol.soap import Soap11
        from spyne.server.wsgi import WsgiApplication

    boss = contract("boss")
    m = boss.models
    validated = ValidatedCommand(boss.command_set, "QueryCustomerTier", None, "hub-bench-00000001", None, "HUB")
    request = m["QueryCustomerTier"](Msisdn=msisdn)
    fixed = boss_handlers(BossState(seed=0), boss)["QueryCustomerTier"](validated, request)

    @rpc(m["QueryCustomerTier"], _returns=m["QueryCustomerTierResponse"], _body_style="bare",  # type: ignore[untyped-decorator]
         _in_message_name="QueryCustomerTier", _out_message_name="QueryCustomerTierResponse",
         _operation_name="QueryCustomerTier")
    def QueryCustomerTier(ctx: Any, request: Any) -> Any:
        return fixed

    service = type("BareBossService", (ServiceBase,), {"QueryCustomerTier": QueryCustomerTier})
    app = Application([service], tns="urn:onepoint:boss:1", name="BareBoss", in_protocol=Soap11(validator=None),
                      out_protocol=Soap11())
    return BareAsgi(WsgiApplication(app))


def serve(kind: str, msisdn: str) -> None:
    from emulators.boss import create_emulator
    from emulators.toolkit import start_server

    app = bare_app(msisdn) if kind == "bare" else create_emulator(seed=0)
    with start_server(app) as server:
        print(server.url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


# -- client side ------------------------------------------------------------------------------------------------
class Child:
    def __init__(self, kind: str, msisdn: str) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--msisdn", msisdn], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"{kind} server did not start")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def load(url: str, total: int, body: bytes) -> float:
    """Requests/second of ``total`` requests from CLIENTS threads, one httpx.Client each."""
    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            for _ in range(n):
                resp = http.post("/", content=body, headers={"content-type": "text/xml; charset=utf-8"})
                if resp.status_code != 200:
                    raise RuntimeError(f"HTTP {resp.status_code}: {resp.text[:300]}")

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, [total // CLIENTS] * CLIENTS))
    return (total // CLIENTS * CLIENTS) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000, help="requests per measured round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--memory", type=int, default=100_000, help="requests for the RSS run (0: skip)")
    parser.add_argument("--serve", choices=("bare", "emulator"), help=argparse.SUPPRESS)
    parser.add_argument("--msisdn", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.msisdn)
        return
    from emulators.population import generate_population

    vip = next(s for s in generate_population(0, 1000).subscribers if len(s.identities) >= 3)
    body = envelope(vip.msisdn)
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for kind in ("bare", "emulator"):
            child = Child(kind, vip.msisdn)
            try:
                load(child.url, 800, body)  # warm up
                rate = load(child.url, args.requests, body)
            finally:
                child.stop()
            best[kind] = max(best.get(kind, 0.0), rate)
            print(f"{kind:9s} {rate:8.0f} req/s  ({args.requests} requests, {CLIENTS} clients)", flush=True)
    ratio = best["emulator"] / best["bare"]
    print(f"best: bare {best['bare']:.0f} req/s, emulator {best['emulator']:.0f} req/s, "
          f"ratio {ratio:.0%} (target >= 80%)", flush=True)
    if args.memory:
        child = Child("emulator", vip.msisdn)
        try:
            step = max(CLIENTS, args.memory // 10)
            print(f"emulator RSS at start: {child.rss_mib():.1f} MiB", flush=True)
            for done in range(step, args.memory + 1, step):
                rate = load(child.url, step, body)
                print(f"after {done:7d} requests: RSS {child.rss_mib():6.1f} MiB  ({rate:.0f} req/s)", flush=True)
        finally:
            child.stop()


if __name__ == "__main__":
    main()
