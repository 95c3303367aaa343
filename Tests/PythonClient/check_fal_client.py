#!/usr/bin/env python3
"""Drives the local queue simulator with fal's official Python client (fal-client), unmodified
apart from its base-URL constants, to confirm both speak the same queue protocol.

Start the simulator first:   swift run queue-simulator --port 8787 --key K
Then:                        python3 Tests/PythonClient/check_fal_client.py --port 8787 --key K

Installs nothing: `pip install fal-client` beforehand. Exits non-zero on the first failed check.
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
# The only change to the client: where it sends requests.
fal.QUEUE_URL_FORMAT = BASE + "/"
fal.RUN_URL_FORMAT = BASE + "/run/"
fal.REST_URL = BASE
fal.CDN_URL = BASE

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


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


client = fal_client.SyncClient(key=args.key)
source = tiny_png(6, 4)
data_uri = "data:image/png;base64," + base64.b64encode(source).decode()

# 1. submit + iter_events (polling status with logs) + result
ARGS = {"image_url": data_uri, "image_size": "square", "num_images": 2, "seed": 42, "output_format": "png"}
handle = client.submit(ENDPOINT, arguments=ARGS)
check("submit returns a request id and the three URLs", bool(handle.request_id) and handle.status_url.endswith("/status"))
check("status/result/cancel URLs are under owner/alias", "/fal-ai/flux-1/requests/" in handle.response_url, handle.response_url)
kinds = []
saw_logs = False
for event in handle.iter_events(with_logs=True, interval=0.05):
    kinds.append(type(event).__name__)
    if isinstance(event, fal_client.InProgress) and event.logs:
        saw_logs = True
check("iter_events walks Queued/InProgress to Completed", kinds[-1] == "Completed" and "InProgress" in kinds, kinds)
check("InProgress carries logs when asked", saw_logs)
final = handle.status(with_logs=True)
check("Completed status has metrics.inference_time", isinstance(final, fal_client.Completed) and "inference_time" in final.metrics, final)
result = handle.get()
check("result has 2 images of 512x512", len(result["images"]) == 2 and all(i["width"] == 512 and i["height"] == 512 for i in result["images"]), result)
check("result echoes the seed and fills timings/has_nsfw_concepts/prompt",
      result["seed"] == 42 and "inference" in result["timings"] and result["has_nsfw_concepts"] == [False, False] and isinstance(result["prompt"], str) and result["prompt"] != "")
import httpx  # noqa: E402

image = httpx.get(result["images"][0]["url"]).content
check("output image URL serves a PNG of the stated size", png_size(image) == (512, 512))
again = client.subscribe(ENDPOINT, arguments=ARGS)
check("same input + seed gives the same image (subscribe)", httpx.get(again["images"][0]["url"]).content == image)

# 2. status by request id (handle rebuilt from the id alone, owner/alias form) + result()
check("status(application, request_id) works from an id alone", isinstance(client.status(ENDPOINT, handle.request_id), fal_client.Completed))
check("result(application, request_id) works from an id alone", client.result(ENDPOINT, handle.request_id)["seed"] == 42)

# 3. cancel a job that is still queued (the simulator runs 2 workers: fill them first)
blockers = [client.submit(ENDPOINT, arguments={"image_url": data_uri}) for _ in range(4)]
victim = client.submit(ENDPOINT, arguments={"image_url": data_uri})
status = victim.status()
check("a job behind others is Queued with a position", isinstance(status, fal_client.Queued) and status.position >= 1, status)
victim.cancel()
after = victim.status()
check("cancel accepted; the cancelled job ends COMPLETED with error_type", isinstance(after, fal_client.Completed) and after.error_type == "client_cancelled", after)
try:
    victim.get()
    check("result of a cancelled job is an error", False)
except fal_client.client.FalClientHTTPError as error:
    check("result of a cancelled job is an HTTP error", error.status_code == 499, error.status_code)
for blocker in blockers:
    blocker.get()
try:
    blockers[0].cancel()
    check("cancel after completion raises (400 ALREADY_COMPLETED)", False)
except fal_client.client.FalClientHTTPError as error:
    check("cancel after completion raises (400 ALREADY_COMPLETED)", error.status_code == 400 and "ALREADY_COMPLETED" in str(error), error)

# 4. validation errors surface at the result, in fal's shape
bad = client.submit(ENDPOINT, arguments={"image_url": data_uri, "num_inference_steps": 13})
try:
    bad.get()
    check("invalid input fails at the result", False)
except fal_client.client.FalClientHTTPError as error:
    detail = error.message if hasattr(error, "message") else error.args[0]
    check("invalid input: 422 with a pydantic detail list", error.status_code == 422 and detail[0]["type"] == "less_than_equal" and detail[0]["loc"] == ["body", "num_inference_steps"], detail)

# 5. synchronous route (client.run) with sync_mode data URIs
output = client.run(ENDPOINT, arguments={"image_url": data_uri, "sync_mode": True, "image_size": {"width": 40, "height": 30}, "output_format": "png"})
url = output["images"][0]["url"]
check("run() with sync_mode returns a data URI PNG of 40x30", url.startswith("data:image/png;base64,") and png_size(base64.b64decode(url.split(",", 1)[1])) == (40, 30))

# 5b. the default output_format is jpeg: a real JPEG, labelled so
jpeg = client.subscribe(ENDPOINT, arguments={"image_url": data_uri, "image_size": {"width": 100, "height": 60}})
jpeg_bytes = httpx.get(jpeg["images"][0]["url"]).content
check("default output_format gives content_type image/jpeg and JPEG bytes",
      jpeg["images"][0]["content_type"] == "image/jpeg" and jpeg_bytes[:2] == b"\xff\xd8" and jpeg_bytes[-2:] == b"\xff\xd9")
try:
    from PIL import Image  # optional: decode with an independent JPEG decoder when Pillow is there
    import io

    decoded = Image.open(io.BytesIO(jpeg_bytes))
    decoded.load()
    check("Pillow decodes the JPEG at 100x60", decoded.format == "JPEG" and decoded.size == (100, 60), decoded.size)
except ImportError:
    print("skip Pillow not installed: JPEG not decoded")

# 6. uploads: default repository (CDN token + /files/upload) and the storage flow ("fal")
cdn_url = client.upload(source, "image/png", file_name="in.png")
check("upload() (fal_v3 CDN path) returns a URL serving the bytes", httpx.get(cdn_url).content == source, cdn_url)
storage_url = client.upload(source, "image/png", file_name="in.png", repository="fal")
check("upload(repository='fal') (initiate + PUT) returns a URL serving the bytes", httpx.get(storage_url).content == source, storage_url)
from_upload = client.subscribe(ENDPOINT, arguments={**ARGS, "image_url": storage_url})
check("an uploaded file works as image_url and gives the same output as its data URI", httpx.get(from_upload["images"][0]["url"]).content == image)

# 7. a wrong key is refused with fal's body
try:
    fal_client.SyncClient(key="wrong").submit(ENDPOINT, arguments={"image_url": data_uri})
    check("a wrong key is refused", False)
except fal_client.client.FalClientHTTPError as error:
    check("a wrong key is refused with 401 and fal's detail", error.status_code == 401 and "No user found" in str(error), error)

print(f"\nall {len(checks)} checks passed against {BASE} with fal-client {fal_client.__version__ if hasattr(fal_client, '__version__') else ''}")
