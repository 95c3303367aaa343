#!/usr/bin/env python3
"""Drives the local queue simulator's realtime route with fal's official Python client
(fal-client 1.0.3, `fal_client.realtime`), unmodified apart from its base-URL constants.

Start the simulator first:   swift run queue-simulator --port 8787 --key K
Then:                        python3 Tests/PythonClient/check_fal_client_realtime.py --port 8787 --key K

Installs nothing: `pip install fal-client==1.0.3` beforehand (it brings msgpack and websockets).
Exits non-zero on the first failed check.
"""
import argparse
import base64
import os
import struct
import sys
import zlib

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=8787)
parser.add_argument("--key", default="K")
args = parser.parse_args()

os.environ["FAL_KEY"] = args.key
import fal_client  # noqa: E402
from fal_client import client as fal  # noqa: E402

BASE = f"http://127.0.0.1:{args.port}"
# The only change to the client: where it sends requests. The run host is the simulator's `/run`.
fal.REALTIME_URL_FORMAT = f"ws://127.0.0.1:{args.port}/run/"
fal.RUN_URL_FORMAT = BASE + "/run/"
fal.QUEUE_URL_FORMAT = BASE + "/"
fal.REST_URL = BASE

ENDPOINT = "fal-ai/flux-1/schnell/redux"
checks = []


def check(name, condition, detail=""):
    checks.append(name)
    status = "ok  " if condition else "FAIL"
    print(f"{status} {name}{(': ' + str(detail)) if detail and not condition else ''}")
    if not condition:
        sys.exit(1)


def tiny_png(width, height):
    raw = b"".join(b"\x00" + b"".join(bytes([(x * 40) % 256, (y * 60) % 256, 128]) for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


client = fal_client.SyncClient(key=args.key)
data_uri = "data:image/png;base64," + base64.b64encode(tiny_png(6, 4)).decode()

# 1. Three inputs over one session (token from POST /tokens/, msgpack frames both ways), in order.
seeds = [101, 202, 303]
outputs = []
with client.realtime(ENDPOINT, max_buffering=4) as connection:
    for seed in seeds:
        connection.send({"image_url": data_uri, "image_size": {"width": 48, "height": 32}, "seed": seed, "num_images": 1})
    for _ in seeds:
        outputs.append(connection.recv())
check("three inputs give three outputs", len(outputs) == 3 and all(isinstance(o, dict) for o in outputs), outputs)
check("outputs come in input order (seeds echoed)", [o.get("seed") for o in outputs] == seeds, [o.get("seed") for o in outputs])
check("each output follows the output schema (one 48x32 image, timings, has_nsfw_concepts, prompt)",
      all(len(o["images"]) == 1 and o["images"][0]["width"] == 48 and o["images"][0]["height"] == 32
          and isinstance(o["timings"], dict) and o["has_nsfw_concepts"] == [False] and isinstance(o["prompt"], str) for o in outputs),
      outputs)

# 2. The token route: a JSON string, app-scoped; refused without the key.
token = client._get_realtime_token(ENDPOINT)
check("POST /tokens/ answers a token string", isinstance(token, str) and token.count(".") == 2, token)
import httpx  # noqa: E402  (fal-client's own HTTP library)
refused = httpx.post(BASE + "/tokens/", json={"allowed_apps": ["flux-1"], "token_expiration": 120})
check("POST /tokens/ without the key is refused with 401", refused.status_code == 401, refused.status_code)

# 3. A forged token (the real one with its signature changed) is refused: Unauthorized, then a close.
forged = token.rsplit(".", 1)[0] + ".AAAA" + token.rsplit(".", 1)[1][4:]
url = fal._build_realtime_url(ENDPOINT, forged, None)
with fal._connect_sync_ws(url) as ws:
    connection = fal.RealtimeConnection(ws)
    connection.send({"image_url": data_uri, "seed": 1})
    answer = connection.recv()
    check("a forged token gets {status: error, error: Unauthorized}", answer == {"status": "error", "error": "Unauthorized", "reason": "bad signature"}, answer)
    try:
        after = connection.recv()
        closed = after is None
    except fal.RealtimeError as error:
        closed = "1008" in str(error)
    check("... and the session is closed without an output", closed)

# 4. use_jwt=False: the key on the handshake instead of a token.
with client.realtime(ENDPOINT, use_jwt=False) as connection:
    connection.send({"image_url": data_uri, "seed": 404, "image_size": {"width": 16, "height": 16}})
    output = connection.recv()
check("use_jwt=False (Authorization on the handshake) works", output.get("seed") == 404, output)

print(f"all {len(checks)} realtime checks passed")
