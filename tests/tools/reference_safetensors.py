"""safetensors read/write for the numpy reference scripts (llama_reference.py, bert_reference.py), written by hand
from the format's description (8-byte little-endian header length, JSON header sorted by name with dtype/shape/
data_offsets, padded with spaces to a multiple of 8, then raw little-endian data): no safetensors or Strata code."""
import json
import struct

import numpy as np


def f32_to_bf16_bits(a):
    """float32 -> bf16 bit patterns (uint16), round to nearest even (no NaNs in our data)."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def bf16_bits_to_f32(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors, dtype):
    """tensors: name -> float32 array; dtype: 'F32' | 'F16' | 'BF16'."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name]
        if dtype == "F32":
            raw = a.astype("<f4").tobytes()
        elif dtype == "F16":
            raw = a.astype("<f2").tobytes()  # numpy float16 cast rounds to nearest even
        else:
            raw = f32_to_bf16_bits(a).astype("<u2").tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """name -> float64 array holding the exact stored values."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        s, e = meta["data_offsets"]
        raw = body[s:e]
        if meta["dtype"] == "F32":
            a = np.frombuffer(raw, "<f4")
        elif meta["dtype"] == "F16":
            a = np.frombuffer(raw, "<f2")
        elif meta["dtype"] == "BF16":
            a = bf16_bits_to_f32(np.frombuffer(raw, "<u2"))
        else:
            raise ValueError(meta["dtype"])
        out[name] = a.astype(np.float64).reshape(meta["shape"])
    return out
