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

# Refusals are JSON, not a stream: fal-client raises (httpx-sse's SSEError on the content type),
# and the status under it is checked with a plain request.
import httpx  # noqa: E402  (a fal-client dependency)


def refused(key, arguments):
    try:
        list(fal_client.SyncClient(key=key).stream(ENDPOINT, arguments=arguments))
        return None
    except Exception as error:  # noqa: BLE001
        return error


error = refused(args.key, {"prompt": 3})
answer = httpx.post(fal.RUN_URL_FORMAT + ENDPOINT + "/stream", json={"prompt": 3}, headers={"Authorization": f"Key {args.key}"})
check("an invalid input raises, the answer being 422 JSON with a detail list",
      error is not None and answer.status_code == 422 and isinstance(answer.json().get("detail"), list), (error, answer.status_code))
error = refused("wrong", {"prompt": "x"})
answer = httpx.post(fal.RUN_URL_FORMAT + ENDPOINT + "/stream", json={"prompt": "x"}, headers={"Authorization": "Key wrong"})
check("a wrong key raises, the answer being 401 with fal's detail",
      error is not None and answer.status_code == 401 and "No user found" in answer.text, (error, answer.status_code))

print(f"\nall {len(checks)} checks passed against {BASE}")
