#!/usr/bin/env python3
"""Streams from the local queue simulator with fal's official Python client (fal-client):
`SyncClient.stream` and `AsyncClient.stream` on Any LLM (`fal-ai/any-llm`), unmodified apart from
its base-URL constant.

Start the simulator with the Any LLM spec first:
    swift run queue-simulator --port 8787 --key K --spec Sources/QueueSimulator/Specs/any-llm.yaml
Then:
    python3 Tests/PythonClient/check_fal_client_stream.py --port 8787 --key K

Installs nothing: `pip install fal-client` beforehand. Exits non-zero on the first failed check.
"""
import argparse
import asyncio
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=8787)
parser.add_argument("--key", default="K")
args = parser.parse_args()

os.environ["FAL_KEY"] = args.key
import fal_client  # noqa: E402
from fal_client import client as fal  # noqa: E402

BASE = f"http://127.0.0.1:{args.port}"
# The only change to the client: where it sends requests (`stream` posts to RUN_URL_FORMAT + id + "/stream").
fal.RUN_URL_FORMAT = BASE + "/run/"
ENDPOINT = "fal-ai/any-llm"
EXPECTED = "The sky looks blue because air scatters short blue wavelengths of sunlight more than long red ones."
checks = []


def check(name, condition, detail=""):
    checks.append(name)
    status = "ok  " if condition else "FAIL"
    print(f"{status} {name}{(': ' + str(detail)) if detail and not condition else ''}")
    if not condition:
        sys.exit(1)


client = fal_client.SyncClient(key=args.key)
events = list(client.stream(ENDPOINT, arguments={"prompt": "Why is the sky blue?"}))
check("stream() yields several events", len(events) >= 2, len(events))
check("every event but the last is partial", all(e.get("partial") is True for e in events[:-1]), events)
check("the last event is the final output", events[-1].get("partial") is False and events[-1].get("output") == EXPECTED, events[-1])
texts = [e["output"] for e in events]
check("partial outputs grow towards the final text", all(EXPECTED.startswith(t) for t in texts) and texts == sorted(texts, key=len), texts)


async def async_stream():
    async_client = fal_client.AsyncClient(key=args.key)
    return [event async for event in async_client.stream(ENDPOINT, arguments={"prompt": "Why?"})]


async_events = asyncio.run(async_stream())
check("AsyncClient.stream() yields the same events", [e["output"] for e in async_events] == texts, async_events)

try:
    list(client.stream(ENDPOINT, arguments={"prompt": 3}))
    check("an invalid input is refused", False)
except Exception as error:  # fal-client raises httpx / SSE errors here, depending on the version
    check("an invalid input is refused (not a stream)", "422" in str(error) or "text/event-stream" in str(error), error)

try:
    list(fal_client.SyncClient(key="wrong").stream(ENDPOINT, arguments={"prompt": "x"}))
    check("a wrong key is refused", False)
except Exception as error:
    check("a wrong key is refused", "401" in str(error) or "text/event-stream" in str(error), error)

print(f"\nall {len(checks)} checks passed against {BASE}")
