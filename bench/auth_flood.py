"""Benchmark: legitimate callers' latency, quiet and under a flood of wrong Basic passwords, side by side.

Not a test. Needs Debian's ``wrk`` (the flood). Run from the repository root:

    .venv/bin/python bench/auth_flood.py [--rounds 3] [--seconds 5] [--rate 200] [--callers 4] [--flood 16]

The real hub (``onepoint serve --config``, ``memory://`` broker, one CS caller with an scrypt password) is
started on a free 127.0.0.1 port. Each round has two phases of ``--seconds``: quiet (the legitimate callers
only) and flood (the same callers while ``wrk`` keeps ``--flood`` connections busy sending the same caller's
username with a wrong Basic password, as fast as the hub answers). The legitimate callers are ``--callers``
keep-alive connections of this process sending a 2 KB CreateWorkOrder (unique MessageId) with the right Basic
password at ``--rate`` requests/s in all, on a fixed schedule: a latency is counted from the request's planned
start, so a stalled hub is not hidden by a client that waits (no coordinated omission). Prints p50/p99 of both
phases (medians of the rounds), the flood's rate and statuses, and whether the flood p99 stays within twice
the quiet p99.

Exit status: 0 target met, 3 target missed, 1 a check failed (a legitimate request not answered 202), 2 wrk
missing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # bench.ingest

from bench.ingest.documents import message_id, template, work_order  # noqa: E402
from bench.ingest.servers import ServerProcess, start_hub  # noqa: E402
from bench.ingest.wrk import WRK_MISSING, wrk_path  # noqa: E402
from hub.security.secrets import hash_password  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

USERNAME = "cs-frontend"
PASSWORD = "bench-password"  # noqa: S105 - a password made up for this run
TARGET = 2.0  # flood p99 <= TARGET x quiet p99

FLOOD_LUA = """
-- wrk script: POST a CreateWorkOrder with a wrong Basic password; counts the statuses it gets.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = "application/xml"
  wrk.headers["Authorization"] = "Basic " .. args[2]
  s401, s429, other = 0, 0, 0
end
function response(status, headers, body)
  if status == 401 then s401 = s401 + 1 elseif status == 429 then s429 = s429 + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, thread in ipairs(threads) do
    a, b, c = a + thread:get("s401"), b + thread:get("s429"), c + thread:get("other")
  end
  io.write("FLOOD requests=" .. summary.requests .. " duration_us=" .. summary.duration ..
           " statuses=401:" .. a .. ",429:" .. b .. ",other:" .. c .. "\\n")
end
"""


@dataclass
class Phase:
    p50_ms: float
    p99_ms: float
    requests: int


@dataclass
class Flood:
    rate: float
    statuses: str


def hub_config(path: Path, port: int) -> Path:
    path.write_text("\n".join([
        "[server]", 'host = "127.0.0.1"', f"port = {port}", "",
        "[broker]", 'url = "memory://"', "",
        "[[callers]]", 'system = "CS"', f'username = "{USERNAME}"', f'password_hash = "{hash_password(PASSWORD)}"',
        'commands = ["workorder.*"]', "",
        "[routing]", 'file = "flood-routes.toml"', "",
    ]))
    # the sign-in under a flood is measured, not the workflow's answer: work orders are routed one way here
    path.with_name("flood-routes.toml").write_text(
        '[[routes]]\nname = "work orders, one way"\ncommands = ["workorder.*"]\nto = ["workflow"]\n', "utf-8")
    return path


def basic(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


async def read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def legitimate(port: int, *, callers: int, rate: float, seconds: float, tag: str) -> Phase:
    """``callers`` connections sending valid commands at ``rate``/s in all; latencies from the planned start."""
    doc_template = template()
    interval = callers / rate
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    refused: Counter[int] = Counter()
    auth = basic(USERNAME, PASSWORD)

    async def caller(index: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        start = loop.time() + index * interval / callers  # spread the callers over one interval
        end = start + seconds
        planned, n = start, 0
        try:
            while planned < end:
                await asyncio.sleep(max(0.0, planned - loop.time()))
                body = work_order(doc_template, message_id(f"{tag}-c{index}", n))
                writer.write(
                    f"POST /xml/workorder HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/xml\r\n"
                    f"Authorization: Basic {auth}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
                )
                status = await read_status(reader)
                latencies.append(loop.time() - planned)
                if status != 202:
                    refused[status] += 1
                planned += interval
                n += 1
        finally:
            writer.close()

    await asyncio.gather(*(caller(i) for i in range(callers)))
    if refused:
        raise RuntimeError(f"legitimate requests refused: {dict(refused)}")
    latencies.sort()
    return Phase(latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000,
                 len(latencies))


def start_flood(wrk: str, script: Path, body: Path, port: int, *, connections: int,
                seconds: float) -> subprocess.Popen[str]:
    argv = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script),
            f"http://127.0.0.1:{port}/xml/workorder", "--", body.read_text(), basic(USERNAME, "wrong-password")]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def flood_result(process: subprocess.Popen[str]) -> Flood:
    output, _ = process.communicate(timeout=60)
    for line in output.splitlines():
        if line.startswith("FLOOD "):
            fields = dict(item.split("=", 1) for item in line.split()[1:])
            return Flood(int(fields["requests"]) / (int(fields["duration_us"]) / 1e6), fields.get("statuses", ""))
    raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=200.0, help="legitimate requests per second, all callers")
    parser.add_argument("--callers", type=int, default=4, help="legitimate keep-alive connections")
    parser.add_argument("--flood", type=int, default=16, help="connections sending a wrong password")
    args = parser.parse_args()
    wrk = wrk_path()
    if wrk is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="auth-flood-") as folder:
        work = Path(folder)
        script = work / "flood.lua"
        script.write_text(FLOOD_LUA)
        body = work / "flood.xml"
        body.write_bytes(work_order(template(), message_id("flood", 0)))
        port = free_port()
        hub: ServerProcess = start_hub(hub_config(work / "hub.toml", port), port, work / "hub.log",
                                       log_level="WARNING")
        try:
            hub.wait_ready()
            asyncio.run(legitimate(port, callers=args.callers, rate=args.rate, seconds=1.0, tag="warm"))
            quiet: list[Phase] = []
            flooded: list[Phase] = []
            floods: list[Flood] = []
            for round_number in range(args.rounds):
                quiet.append(asyncio.run(legitimate(port, callers=args.callers, rate=args.rate,
                                                    seconds=args.seconds, tag=f"q{round_number}")))
                process = start_flood(wrk, script, body, port, connections=args.flood, seconds=args.seconds + 1)
                time.sleep(0.5)  # the flood is at full speed before the legitimate callers start
                flooded.append(asyncio.run(legitimate(port, callers=args.callers, rate=args.rate,
                                                      seconds=args.seconds, tag=f"f{round_number}")))
                floods.append(flood_result(process))
                print(f"  round {round_number + 1}: quiet p50 {quiet[-1].p50_ms:6.2f} ms p99 {quiet[-1].p99_ms:6.2f} ms"
                      f" | flood p50 {flooded[-1].p50_ms:6.2f} ms p99 {flooded[-1].p99_ms:6.2f} ms"
                      f" | flood {floods[-1].rate:8,.0f} req/s ({floods[-1].statuses})", flush=True)
        except RuntimeError as exc:
            print(f"check failed: {exc}\n{hub.log_tail()}", file=sys.stderr)
            return 1
        finally:
            hub.stop()
    quiet_p50 = statistics.median(p.p50_ms for p in quiet)
    quiet_p99 = statistics.median(p.p99_ms for p in quiet)
    flood_p50 = statistics.median(p.p50_ms for p in flooded)
    flood_p99 = statistics.median(p.p99_ms for p in flooded)
    print(f"legitimate callers: {args.callers} connections, {args.rate:.0f} req/s; flood: {args.flood} connections "
          f"with a wrong Basic password; medians of {args.rounds} rounds of {args.seconds:.0f} s")
    print("                     p50 ms    p99 ms")
    print(f"  quiet          {quiet_p50:9.2f} {quiet_p99:9.2f}")
    print(f"  under flood    {flood_p50:9.2f} {flood_p99:9.2f}")
    print(f"  flood rate     {statistics.median(f.rate for f in floods):9,.0f} req/s")
    ratio = flood_p99 / quiet_p99
    met = ratio <= TARGET
    print(f"  p99 flood / quiet {ratio:6.2f}x   (target <= {TARGET:.0f}x: {'met' if met else 'NOT met'})")
    return 0 if met else 3


if __name__ == "__main__":
    sys.exit(main())
