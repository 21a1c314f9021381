#!/usr/bin/env python3
"""Independent safetensors reference for Strata's tests (standard library only: struct + json).

Follows the format as the reference implementation (huggingface/safetensors, safetensors/src/tensor.rs)
writes it: 8-byte little-endian header length, compact JSON header with "__metadata__" first and the
tensors in data order, header padded with spaces to a multiple of 8, tensors sorted by descending dtype
alignment then by name, raw little-endian C-order data.

  make_safetensors_fixture.py OUT.safetensors   write the fixture the C# tests assert against
  make_safetensors_fixture.py --dump FILE       validate FILE against the spec and print its tensors as
                                                JSON: {"name": {"dtype", "shape", "bits": [...]}, ...}
                                                (bits: the raw element values as unsigned integers)
"""
import json
import struct
import sys

# Reference Dtype enum order (increasing alignment); writers sort by this, descending, then by name.
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
               "I32", "U32", "F32", "F64", "I64", "U64"]
SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
         "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}
UNSIGNED = {1: "B", 2: "H", 4: "I", 8: "Q"}


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def bf16_bits(x):
    """float -> bfloat16 bits, round to nearest even (what torch's .to(bfloat16) does)."""
    u = f32_bits(x)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF


def encode(dtype, values):
    if dtype == "F32":
        return b"".join(struct.pack("<f", v) for v in values)
    if dtype == "F16":
        return b"".join(struct.pack("<e", v) for v in values)  # IEEE half, round to nearest even
    if dtype == "BF16":
        return b"".join(struct.pack("<H", bf16_bits(v)) for v in values)
    if dtype == "I64":
        return b"".join(struct.pack("<q", v) for v in values)
    raise ValueError(dtype)


def serialize(tensors, metadata):
    """tensors: {name: (dtype, shape, raw bytes)} -> file bytes, laid out as the reference does."""
    order = sorted(tensors, key=lambda n: (-DTYPE_ORDER.index(tensors[n][0]), n.encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name in order:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(tensors[n][2] for n in order)


# The fixture's inputs. The C# test states the same values; keep both in step.
FIXTURE = {
    # 1e-45 is the smallest float32 subnormal (bits 0x00000001).
    "f32": ("F32", [2, 3], [1.5, -2.25, 65504.0, 1e-3, 1e-45, -0.0]),
    # In half: 1e-3 -> 0x1419 (0.0010004043579101562), 2**-24 is the smallest subnormal (0x0001).
    "f16": ("F16", [2, 3], [1.5, -2.25, 65504.0, 1e-3, 2.0 ** -24, -0.0]),
    # In bfloat16: 65504 -> 65536 (0x4780) and 1/3 -> 0.333984375 (0x3EAB), unlike half;
    # 1e-3 -> 0.00099945068359375 (0x3A83); 2**-133 is the smallest bf16 subnormal (0x0001).
    "bf16": ("BF16", [2, 3], [1.5, -2.25, 65504.0, 1e-3, 1.0 / 3.0, 2.0 ** -133]),
    "scalar": ("F32", [], [42.0]),
    "empty": ("F32", [0, 4], []),
    "i64": ("I64", [3], [-1, 0, 2 ** 40]),
}
FIXTURE_METADATA = {"format": "pt", "source": "make_safetensors_fixture.py"}


def dump(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), "header length beyond file"
    assert n % 8 == 0, "header not padded to 8 bytes"
    text = blob[8:8 + n].decode("utf-8")
    assert text.startswith("{") and text.rstrip(" ").endswith("}"), "header must be a JSON object padded with trailing spaces"
    header = json.loads(text)
    meta = header.pop("__metadata__", None)
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"])
    data = blob[8 + n:]
    expected_start, out = 0, {}
    for name, info in entries:
        start, end = info["data_offsets"]
        size = SIZES[info["dtype"]]
        count = 1
        for d in info["shape"]:
            count *= d
        assert start == expected_start, f"{name}: data not contiguous"
        assert end - start == count * size, f"{name}: offsets do not match shape*dtype"
        expected_start = end
        bits = list(struct.unpack("<%d%s" % (count, UNSIGNED[size]), data[start:end]))
        out[name] = {"dtype": info["dtype"], "shape": info["shape"], "bits": bits}
    assert expected_start == len(data), "data section length does not match the header"
    print(json.dumps({"metadata": meta, "tensors": out}, sort_keys=True))


def main(argv):
    if len(argv) == 3 and argv[1] == "--dump":
        dump(argv[2])
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tensors = {name: (dtype, shape, encode(dtype, values)) for name, (dtype, shape, values) in FIXTURE.items()}
    with open(argv[1], "wb") as f:
        f.write(serialize(tensors, FIXTURE_METADATA))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
