#!/usr/bin/env python3
"""Quantizes a GGUF file with llama.cpp's own llama_model_quantize (what `llama-quantize` runs), never Strata's code.

Used by tests/Strata.Models.Tests/Native/LlamaCppInteropTests.cs. Standard library only (ctypes), so Debian's python3
runs it with nothing installed; numpy is not needed.

    python3 quantize.py BINS INPUT.gguf TYPE OUTPUT.gguf [TYPE OUTPUT.gguf ...]

BINS is the folder of node-llama-cpp's prebuilt CPU llama.cpp (tests/tools/node_modules/@node-llama-cpp/linux-x64/
bins/linux-x64 after `npm ci` in tests/tools); TYPE is f16, q8_0, q4_0 or q4_k_m. Like `llama-quantize INPUT OUTPUT
TYPE` without --imatrix, --pure or overrides: llama.cpp chooses each tensor's type. Exits non-zero, naming the file,
when llama.cpp refuses or fails.
"""

import ctypes
import glob
import json
import os
import sys

# llama_ftype values of llama.h (LLAMA_FTYPE_MOSTLY_*).
FTYPES = {"f16": 1, "q4_0": 2, "q8_0": 7, "q4_k_m": 15}

# The struct below is llama.h's at this release; a different release may have changed it, so refuse to guess.
RELEASE = "v0.4.0"


class QuantizeParams(ctypes.Structure):
    """llama_model_quantize_params as llama.h declares it at llama.cpp v0.4.0 (field for field, same C types)."""

    _fields_ = [
        ("nthread", ctypes.c_int32),
        ("ftype", ctypes.c_int),
        ("output_tensor_type", ctypes.c_int),
        ("token_embedding_type", ctypes.c_int),
        ("allow_requantize", ctypes.c_bool),
        ("quantize_output_tensor", ctypes.c_bool),
        ("only_copy", ctypes.c_bool),
        ("pure", ctypes.c_bool),
        ("keep_split", ctypes.c_bool),
        ("dry_run", ctypes.c_bool),
        ("imatrix", ctypes.c_void_p),
        ("kv_overrides", ctypes.c_void_p),
        ("tt_overrides", ctypes.c_void_p),
        ("prune_layers", ctypes.c_void_p),
        ("max_buf_size", ctypes.c_size_t),
    ]


def one(pattern):
    found = glob.glob(pattern)
    if len(found) != 1:
        sys.exit(f"quantize.py: expected one {pattern}, found {found}")
    return found[0]


def main(argv):
    if len(argv) < 5 or len(argv) % 2 == 0:
        sys.exit(f"usage: {argv[0]} BINS INPUT.gguf TYPE OUTPUT.gguf [TYPE OUTPUT.gguf ...]; TYPE: {', '.join(FTYPES)}")
    bins, source, jobs = argv[1], argv[2], list(zip(argv[3::2], argv[4::2]))
    for name, _ in jobs:
        if name not in FTYPES:
            sys.exit(f"quantize.py: unknown type {name!r}; one of {', '.join(FTYPES)}")
    metadata_path = os.path.join(bins, "_nlcBuildMetadata.json")
    release = json.load(open(metadata_path))["buildOptions"]["llamaCpp"]["release"]
    if release != RELEASE:
        sys.exit(f"quantize.py: {metadata_path} is llama.cpp {release}; QuantizeParams mirrors llama.h of {RELEASE}, "
                 "update it from that release's llama.h")

    # RTLD_GLOBAL so that libllama finds ggml's symbols; the CPU backend variant is picked by ggml at load.
    ggml = ctypes.CDLL(one(os.path.join(bins, "libggml.*so")), mode=ctypes.RTLD_GLOBAL)
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_load_all_from_path(bins.encode())
    llama = ctypes.CDLL(one(os.path.join(bins, "libllama.*so")), mode=ctypes.RTLD_GLOBAL)
    llama.llama_backend_init()
    llama.llama_model_quantize_default_params.restype = QuantizeParams
    llama.llama_model_quantize.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(QuantizeParams)]
    llama.llama_model_quantize.restype = ctypes.c_uint32

    for name, target in jobs:
        params = llama.llama_model_quantize_default_params()
        params.nthread = 2
        params.ftype = FTYPES[name]
        code = llama.llama_model_quantize(source.encode(), target.encode(), ctypes.byref(params))
        if code != 0:
            sys.exit(f"quantize.py: llama_model_quantize({source}, {target}, {name}) returned {code}")
    llama.llama_backend_free()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
