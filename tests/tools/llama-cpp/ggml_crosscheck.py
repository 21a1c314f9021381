#!/usr/bin/python3
"""Cross-checks Strata's quantization against llama.cpp's own libraries (not run by `dotnet test`).

The libraries come from node-llama-cpp's prebuilt package, installed in a scratch folder outside the repository
(its optional CUDA/Vulkan packages are large, so tests/tools/package.json does not carry it):

    mkdir /tmp/nlc && cd /tmp/nlc && echo '{"type":"module"}' > package.json
    NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --omit=optional node-llama-cpp@3.21.1 @node-llama-cpp/linux-x64@3.21.1
    BINS=/tmp/nlc/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64

    # 1. ggml_quantize_chunk (and quantize_row_q8_K_ref) on the golden inputs = the committed golden bytes
    /usr/bin/python3 tests/tools/llama-cpp/ggml_crosscheck.py golden $BINS tests/Strata.Models.Tests/Golden/quantization
    # 2. llama_model_quantize (llama-quantize) on a Strata f32 GGUF; compare with `cmp` to `strata quantize`'s file
    /usr/bin/python3 tests/tools/llama-cpp/ggml_crosscheck.py quantize $BINS model-f32.gguf out.gguf 15   # 15 = q4_k_m

llama_ftype numbers: 1 f16, 2 q4_0, 3 q4_1, 7 q8_0, 8 q5_0, 9 q5_1, 15 q4_k_m, 17 q5_k_m, 18 q6_k, 32 bf16.
"""

import ctypes
import glob
import json
import os
import sys

import numpy as np


def golden(bins, folder):
    base = ctypes.CDLL(os.path.join(bins, "libggml-base.so"))
    chunk = base.ggml_quantize_chunk
    chunk.restype = ctypes.c_size_t
    chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    q8k = base.quantize_row_q8_K_ref
    q8k.restype = None
    q8k.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    inputs = np.fromfile(os.path.join(folder, "inputs.f32"), dtype="<f4")
    failures = 0
    for name, entry in manifest["formats"].items():
        expected = open(os.path.join(folder, entry["quantized"]), "rb").read()
        out, offset = bytearray(), 0
        for row in manifest["rows"]:
            n = row["length"]
            x = np.ascontiguousarray(inputs[offset:offset + n])
            offset += n
            dst = ctypes.create_string_buffer(4 * n + 1024)  # zeroed: ggml leaves an all-zero Q8_K block's bsums unset
            if name == "q8_K":
                q8k(x.ctypes.data, dst, n)
                out += dst.raw[:n // 256 * 292]
            else:
                size = chunk(entry["type"], x.ctypes.data, dst, 0, 1, n, None)  # before reading dst.raw
                out += dst.raw[:size]
        same = bytes(out) == expected
        failures += not same
        print(f"{name}: {'identical to the golden bytes' if same else 'DIFFERENT'}")
    return failures


def quantize(bins, source, target, ftype):
    ggml = ctypes.CDLL(os.path.join(bins, glob.glob(os.path.join(bins, "libggml.*so"))[0]), mode=ctypes.RTLD_GLOBAL)
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_load_all_from_path(bins.encode())
    llama = ctypes.CDLL(glob.glob(os.path.join(bins, "libllama.*so"))[0], mode=ctypes.RTLD_GLOBAL)
    llama.llama_backend_init()

    class Params(ctypes.Structure):
        # llama_model_quantize_params: only its first two fields (int32 nthread, int32 ftype) are set here; the
        # rest keeps llama_model_quantize_default_params()'s values. 512 bytes covers any version's struct.
        _fields_ = [("raw", ctypes.c_ubyte * 512)]

    llama.llama_model_quantize_default_params.restype = Params
    params = llama.llama_model_quantize_default_params()
    ctypes.c_int32.from_buffer(params.raw, 0).value = 1
    ctypes.c_int32.from_buffer(params.raw, 4).value = ftype
    llama.llama_model_quantize.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(Params)]
    return llama.llama_model_quantize(source.encode(), target.encode(), ctypes.byref(params))


if __name__ == "__main__":
    if sys.argv[1] == "golden":
        sys.exit(golden(sys.argv[2], sys.argv[3]))
    if sys.argv[1] == "quantize":
        sys.exit(quantize(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
    sys.exit(f"usage: {sys.argv[0]} golden BINS GOLDEN_DIR | quantize BINS SOURCE.gguf TARGET.gguf FTYPE")
