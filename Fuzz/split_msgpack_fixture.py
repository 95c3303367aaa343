"""Writes each case of the Python-made MessagePack fixture as one file of a libFuzzer corpus."""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "Tests", "MessagePackTests", "Fixtures")
cases = json.load(open(os.path.join(fixtures, "python-msgpack.json")))["cases"]
packed = open(os.path.join(fixtures, "python-msgpack.bin"), "rb").read()
os.makedirs(sys.argv[1], exist_ok=True)
for index, case in enumerate(cases):
    with open(os.path.join(sys.argv[1], f"case-{index:03}"), "wb") as f:
        f.write(packed[case["offset"]:case["offset"] + case["length"]])
print(f"{len(cases)} files in {sys.argv[1]}")
