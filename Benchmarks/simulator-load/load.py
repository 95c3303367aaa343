#!/usr/bin/env python3
"""Load check for the queue simulator: N jobs submitted concurrently, none lost or duplicated.

Starts `queue-simulator` (the binary given by --binary, default the release build) on a free port,
submits N FLUX.1 [schnell] Redux jobs at once (each with its own seed), follows them all by
polling status, fetches every result, and checks:
  - N distinct request ids came back, and the server counts exactly N submitted / N completed jobs;
  - every result is 200 and carries the seed its job was submitted with (no job answered twice,
    none answered with another job's output).
Reports wall time per phase and the server's peak RSS (VmHWM of its /proc/self/status, via
GET /_simulator/statistics). Needs httpx (installed with fal-client).

    swift build -c release --product queue-simulator
    python3 Benchmarks/simulator-load/load.py --jobs 1000 --workers 64 --job-duration-ms 50
"""
import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time

import httpx

parser = argparse.ArgumentParser()
parser.add_argument("--jobs", type=int, default=1000)
parser.add_argument("--workers", type=int, default=64)
parser.add_argument("--job-duration-ms", type=int, default=50)
parser.add_argument("--connections", type=int, default=200, help="client connection pool size")
parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../.build/release/queue-simulator"))
args = parser.parse_args()

KEY = "load:test"
ENDPOINT = "fal-ai/flux-1/schnell/redux"
PIXEL = "data:image/png;base64," + base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082")).decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main():
    port = free_port()
    server = subprocess.Popen(
        [args.binary, "--port", str(port), "--key", KEY, "--workers", str(args.workers),
         "--job-duration-ms", str(args.job_duration_ms), "--log-count", "2"],
        stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert "listening" in line, line
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Key {KEY}"}
        limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=120) as client:
            baseline = (await client.get(f"{base}/_simulator/statistics")).json()

            t0 = time.perf_counter()

            async def submit(i):
                r = await client.post(f"{base}/{ENDPOINT}", json={"image_url": PIXEL, "seed": i, "image_size": "square"})
                r.raise_for_status()
                return i, r.json()

            submitted = await asyncio.gather(*(submit(i) for i in range(args.jobs)))
            t_submit = time.perf_counter() - t0
            ids = [body["request_id"] for _, body in submitted]
            assert len(set(ids)) == args.jobs, f"duplicate request ids: {args.jobs - len(set(ids))}"

            async def follow(seed, body):
                polls = 0
                while True:
                    polls += 1
                    s = (await client.get(body["status_url"], params={"logs": 0})).json()
                    if s["status"] == "COMPLETED":
                        break
                    await asyncio.sleep(0.1)
                r = await client.get(body["response_url"])
                assert r.status_code == 200, (r.status_code, r.text)
                out = r.json()
                assert out["seed"] == seed, f"job {body['request_id']} submitted with seed {seed} answered seed {out['seed']}"
                return polls

            polls = await asyncio.gather(*(follow(seed, body) for seed, body in submitted))
            t_total = time.perf_counter() - t0
            stats = (await client.get(f"{base}/_simulator/statistics")).json()

        assert stats["jobs_submitted"] == args.jobs, stats
        assert stats["jobs_completed"] == args.jobs, stats
        assert stats["distinct_request_ids"] == args.jobs, stats
        assert stats["jobs_failed"] == 0 and stats["jobs_cancelled"] == 0, stats
        report = {
            "jobs": args.jobs,
            "workers": args.workers,
            "job_duration_ms": args.job_duration_ms,
            "submit_all_seconds": round(t_submit, 3),
            "submit_to_all_results_seconds": round(t_total, 3),
            "ideal_seconds": round(args.jobs / args.workers * args.job_duration_ms / 1000, 3),
            "status_polls": sum(polls),
            "peak_queue_length": stats["peak_queue_length"],
            "server_rss_kb_before": baseline["rss_kb"],
            "server_rss_kb_after": stats["rss_kb"],
            "server_peak_rss_kb": stats["peak_rss_kb"],
            "lost": 0,
            "duplicated": 0,
            "requests": stats["requests"],
        }
        print(json.dumps(report, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=10)


asyncio.run(main())
