"""Writes python-msgpack.json and python-msgpack.bin: values encoded by Python's `msgpack` package.

Run once (the output is committed) with the version the JSON records:
    pip install msgpack==1.2.4 && python3 Tests/MessagePackTests/Fixtures/make_fixture.py

The .bin file is every case's bytes one after another; each JSON case gives its `offset` and
`length` there, as `msgpack.packb` wrote them (`use_bin_type=True`, as fal's clients call it;
`use_single_float=True` for the float32 cases) and the value in a tagged form the Swift test
rebuilds: {"nil": null}, {"bool": b}, {"uint": "n"}, {"int": "n"} (integers as text, 64-bit
safe), {"f32": "bits"}, {"f64": "bits"} (hex of the IEEE bit pattern), {"str": s}, {"bin": hex},
{"array": [...]}, {"map": [[k, v], ...]}, {"ext": [type, hex]}; a long str or bin is
{"str_repeat": [s, n]} / {"bin_repeat": [hex, n]} (s repeated n times) to keep the file small.
"""
import json
import os
import struct

import msgpack


class Repeat:
    def __init__(self, unit, count):
        self.unit, self.count = unit, count

    def value(self):
        return self.unit * self.count


def tag(value, single):
    if isinstance(value, Repeat):
        if isinstance(value.unit, bytes):
            return {"bin_repeat": [value.unit.hex(), value.count]}
        return {"str_repeat": [value.unit, value.count]}
    if value is None:
        return {"nil": None}
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"uint" if value >= 0 else "int": str(value)}
    if isinstance(value, float):
        if single:
            return {"f32": struct.pack(">f", value).hex()}
        return {"f64": struct.pack(">d", value).hex()}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, (bytes, bytearray)):
        return {"bin": bytes(value).hex()}
    if isinstance(value, msgpack.ExtType):  # a namedtuple: before the tuple case
        return {"ext": [value.code, value.data.hex()]}
    if isinstance(value, (list, tuple)):
        return {"array": [tag(v, single) for v in value]}
    if isinstance(value, dict):
        return {"map": [[tag(k, single), tag(v, single)] for k, v in value.items()]}
    if isinstance(value, msgpack.Timestamp):
        return {"ext": [-1, value.to_bytes().hex()], "timestamp": [str(value.seconds), str(value.nanoseconds)]}
    raise TypeError(type(value))


def plain(value):
    """The value msgpack should pack (Repeat expanded, recursively)."""
    if isinstance(value, Repeat):
        return value.value()
    if isinstance(value, msgpack.ExtType):  # a namedtuple: kept as it is
        return value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    return value


cases = []
packed_bytes = bytearray()


def case(name, value, single=False):
    packed = msgpack.packb(plain(value), use_bin_type=True, use_single_float=single)
    cases.append({"name": name, "offset": len(packed_bytes), "length": len(packed), "value": tag(value, single)})
    packed_bytes.extend(packed)


case("nil", None)
case("true", True)
case("false", False)
for n in [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0xFFFFFFFF, 0x100000000, 2**63 - 1, 2**63, 2**64 - 1]:
    case(f"uint {n}", n)
for n in [-1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63)]:
    case(f"int {n}", n)
for x in [0.0, -0.0, 1.5, -2.25, 3.141592653589793, 1e300, -1e-300, 5e-324, float("inf"), float("-inf"), float("nan")]:
    case(f"float64 {x!r}", x)
for x in [0.0, 1.5, -2.25, 3.4028234663852886e38, float("inf"), float("nan")]:
    case(f"float32 {x!r}", x, single=True)
for s in ["", "a", "é", "日本語", "🦜 emoji", "x" * 31]:
    case(f"str {len(s.encode())} bytes", s)
case("str8 32 bytes", Repeat("y", 32))
case("str8 255 bytes", Repeat("z", 255))
case("str16 256 bytes", Repeat("é", 128))
case("str16 65535 bytes", Repeat("q", 65535))
case("str32 65536 bytes", Repeat("w", 65536))
case("bin8 empty", b"")
case("bin8", bytes(range(256))[:200])
case("bin8 255", Repeat(b"\x00", 255))
case("bin16 256", Repeat(b"\xff", 256))
case("bin32 65536", Repeat(b"\x01\x02", 32768))
case("fixarray empty", [])
case("fixarray 15", list(range(15)))
case("array16 16", list(range(16)))
case("array16 nested", [[1, [2, [3, ["deep"]]]], {"k": [None, True]}])
case("fixmap empty", {})
case("fixmap 15", {f"k{i}": i for i in range(15)})
case("map16 16", {f"key{i}": -i for i in range(16)})
case("map non-string keys", {1: "one", b"bin": 2, (1, 2): "array key", None: 3, 1.5: "float key"})
case("map mixed values", {"prompt": "a cat", "seed": 42, "strength": 0.75, "image": b"\x89PNG", "tags": ["a", "b"]})
for length in [1, 2, 4, 8, 16, 0, 3, 17, 255, 256]:
    case(f"ext length {length}", msgpack.ExtType(5, bytes(i % 256 for i in range(length))))
case("ext type 0", msgpack.ExtType(0, b"\x01"))
case("ext type 127", msgpack.ExtType(127, b"abcd"))
case("timestamp32", msgpack.Timestamp(1_700_000_000, 0))
case("timestamp64", msgpack.Timestamp(1_700_000_000, 123_456_789))
case("timestamp96", msgpack.Timestamp(-1, 500))
case("timestamp96 far", msgpack.Timestamp(2**40, 999_999_999))

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "python-msgpack.json")
with open(out, "w") as f:
    f.write('{"generator": "python msgpack %s",\n "cases": [\n' % ".".join(map(str, msgpack.version)))
    f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases))
    f.write("\n ]}\n")
with open(os.path.join(here, "python-msgpack.bin"), "wb") as f:
    f.write(packed_bytes)
print(f"{len(cases)} cases -> {out}")
