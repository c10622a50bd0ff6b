"""The hub's app under ``uvicorn --workers N`` (``onepoint serve`` has no --workers yet): an experiment.

Each worker builds the app exactly as ``onepoint serve`` does (``create_app(load_settings(config))``, JSON logs).

    python bench/ingest/hub_workers.py --config hub.toml --workers 2
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from hub.config.settings import load_settings
from hub.ingress.app import create_app
from hub.observability.logging import configure_logging

__all__ = ["app"]


def app() -> Starlette:
    configure_logging(os.environ.get("BENCH_LOG_LEVEL", "INFO"))
    return create_app(load_settings(Path(os.environ["BENCH_HUB_CONFIG"]))).asgi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args()
    os.environ["BENCH_HUB_CONFIG"] = str(args.config.resolve())
    os.environ["BENCH_LOG_LEVEL"] = args.log_level.upper()
    settings = load_settings(args.config)
    uvicorn.run("hub_workers:app", factory=True, host=settings.host, port=settings.port, workers=args.workers,
                log_config=None, access_log=False, log_level=args.log_level.lower())


if __name__ == "__main__":
    main()
