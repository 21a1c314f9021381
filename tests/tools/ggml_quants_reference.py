#!/usr/bin/python3
"""Independent reference for ggml's row quantizers: writes the golden files that Strata's quantization tests compare
against byte for byte.

Written from ggml's C source (ggml/src/ggml-quants.c: quantize_row_{q8_0,q4_0,q4_1,q5_0,q5_1,q4_K,q5_K,q6_K,q8_K}_ref,
make_qx_quants, make_qkx2_quants, nearest_int, get_scale_min_k4 and the dequantize_row_* functions; ggml-impl.h:
GGML_FP32_TO_BF16; ggml-common.h: the block layouts), not from Strata's C# code.

Float semantics. ggml-base is compiled without FMA and C evaluates float expressions in single precision here, so
every arithmetic step below is one numpy float32 operation on two float32 scalars, in C's evaluation order. NumPy 1.x
promotes `float32 * int` to float64, so integers are converted with F() before they meet a float. Reductions are
explicit loops: numpy's sum() adds pairwise, C adds left to right. fp32 -> fp16 uses numpy's own conversion (round to
nearest even, an implementation separate from Strata's).

Regenerate (Debian's python with numpy; `apt-get install -y python3-numpy`):

    /usr/bin/python3 tests/tools/ggml_quants_reference.py tests/Strata.Models.Tests/Golden/quantization

Output: inputs.f32 (the rows below, concatenated little-endian float32), FORMAT.bin (each row quantized, rows
concatenated), FORMAT.gaussian.f32 (the dequantized "gaussian" row) and manifest.json (row names and lengths, per
format the SHA-256 of every dequantized row). Rows are multiples of 256 so that every format splits them into whole
blocks.
"""

import hashlib
import json
import math
import os
import sys

import numpy as np

F = np.float32
np.seterr(all="ignore")

QK_K = 256
GROUP_MAX_EPS = F(1e-15)


def f32_bits(x):
    return int(np.array([x], dtype=np.float32).view(np.uint32)[0])


def fp16(x):
    """GGML_FP32_TO_FP16 as an integer bit pattern (numpy rounds to nearest even)."""
    return int(np.array([np.float16(F(x))]).view(np.uint16)[0])


def fp16_to_f32(bits):
    return F(np.array([bits], dtype=np.uint16).view(np.float16)[0])


def bf16(x):
    """GGML_FP32_TO_BF16: round to nearest even, NaN forced quiet."""
    u = f32_bits(x)
    if (u & 0x7FFFFFFF) > 0x7F800000:
        return (u >> 16) | 64
    return ((u + (0x7FFF + ((u >> 16) & 1))) & 0xFFFFFFFF) >> 16


def bf16_to_f32(bits):
    return F(np.array([bits << 16], dtype=np.uint32).view(np.float32)[0])


def nearest_int(fval):
    val = F(fval) + F(12582912.0)
    i = int(np.array([val], dtype=np.float32).view(np.int32)[0])
    return (i & 0x007FFFFF) - 0x00400000


def roundf(x):
    # Half away from zero; |x| + 0.5 is exact in double for float32 x of the magnitudes used here.
    x = float(x)
    r = math.floor(abs(x) + 0.5)
    return -r if x < 0 else r


def trunc_int(x):
    return int(float(x))  # C's float -> integer conversion truncates toward zero


def u16(v):
    return bytes([v & 0xFF, (v >> 8) & 0xFF])


def i8(v):
    return v & 0xFF


# ---------------------------------------------------------------- 32-element block formats


def quantize_q8_0(x):
    out = bytearray()
    for i in range(0, len(x), 32):
        amax = F(0)
        for j in range(32):
            v = abs(x[i + j])
            amax = amax if amax > v else v
        d = amax / F(127)
        idv = F(1) / d if d != 0 else F(0)
        out += u16(fp16(d))
        for j in range(32):
            out.append(i8(int(roundf(x[i + j] * idv))))
    return bytes(out)


def dequantize_q8_0(b, n):
    y = []
    for k in range(n // 32):
        blk = b[34 * k: 34 * k + 34]
        d = fp16_to_f32(blk[0] | blk[1] << 8)
        for j in range(32):
            q = blk[2 + j] - 256 if blk[2 + j] > 127 else blk[2 + j]
            y.append(F(q) * d)
    return y


def signed_absmax(xb):
    amax, mx = F(0), F(0)
    for v in xb:
        if amax < abs(v):
            amax, mx = abs(v), v
    return mx


def quantize_q4_0(x):
    out = bytearray()
    for i in range(0, len(x), 32):
        xb = x[i:i + 32]
        d = signed_absmax(xb) / F(-8)
        idv = F(1) / d if d != 0 else F(0)
        out += u16(fp16(d))
        for j in range(16):
            x0 = xb[j] * idv
            x1 = xb[j + 16] * idv
            xi0 = min(15, trunc_int(x0 + F(8.5)))
            xi1 = min(15, trunc_int(x1 + F(8.5)))
            out.append(xi0 | (xi1 << 4))
    return bytes(out)


def dequantize_q4_0(b, n):
    y = [F(0)] * n
    for k in range(n // 32):
        blk = b[18 * k: 18 * k + 18]
        d = fp16_to_f32(blk[0] | blk[1] << 8)
        for j in range(16):
            y[32 * k + j] = F((blk[2 + j] & 0x0F) - 8) * d
            y[32 * k + j + 16] = F((blk[2 + j] >> 4) - 8) * d
    return y


def block_min_max(xb):
    mn, mx = F(np.finfo(np.float32).max), F(-np.finfo(np.float32).max)
    for v in xb:
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    return mn, mx


def quantize_q4_1(x):
    out = bytearray()
    for i in range(0, len(x), 32):
        xb = x[i:i + 32]
        mn, mx = block_min_max(xb)
        d = (mx - mn) / F(15)
        idv = F(1) / d if d != 0 else F(0)
        out += u16(fp16(d)) + u16(fp16(mn))
        for j in range(16):
            xi0 = min(15, trunc_int((xb[j] - mn) * idv + F(0.5)))
            xi1 = min(15, trunc_int((xb[j + 16] - mn) * idv + F(0.5)))
            out.append(xi0 | (xi1 << 4))
    return bytes(out)


def dequantize_q4_1(b, n):
    y = [F(0)] * n
    for k in range(n // 32):
        blk = b[20 * k: 20 * k + 20]
        d = fp16_to_f32(blk[0] | blk[1] << 8)
        m = fp16_to_f32(blk[2] | blk[3] << 8)
        for j in range(16):
            y[32 * k + j] = F(blk[4 + j] & 0x0F) * d + m
            y[32 * k + j + 16] = F(blk[4 + j] >> 4) * d + m
    return y


def quantize_q5_0(x):
    out = bytearray()
    for i in range(0, len(x), 32):
        xb = x[i:i + 32]
        d = signed_absmax(xb) / F(-16)
        idv = F(1) / d if d != 0 else F(0)
        qs = bytearray(16)
        qh = 0
        for j in range(16):
            xi0 = min(31, trunc_int(xb[j] * idv + F(16.5)))
            xi1 = min(31, trunc_int(xb[j + 16] * idv + F(16.5)))
            qs[j] = (xi0 & 0x0F) | ((xi1 & 0x0F) << 4)
            qh |= ((xi0 & 0x10) >> 4) << j
            qh |= ((xi1 & 0x10) >> 4) << (j + 16)
        out += u16(fp16(d)) + qh.to_bytes(4, "little") + qs
    return bytes(out)


def dequantize_q5_0(b, n):
    y = [F(0)] * n
    for k in range(n // 32):
        blk = b[22 * k: 22 * k + 22]
        d = fp16_to_f32(blk[0] | blk[1] << 8)
        qh = int.from_bytes(blk[2:6], "little")
        for j in range(16):
            xh0 = ((qh >> j) << 4) & 0x10
            xh1 = (qh >> (j + 12)) & 0x10
            y[32 * k + j] = F(((blk[6 + j] & 0x0F) | xh0) - 16) * d
            y[32 * k + j + 16] = F(((blk[6 + j] >> 4) | xh1) - 16) * d
    return y


def quantize_q5_1(x):
    out = bytearray()
    for i in range(0, len(x), 32):
        xb = x[i:i + 32]
        mn, mx = block_min_max(xb)
        d = (mx - mn) / F(31)
        idv = F(1) / d if d != 0 else F(0)
        qs = bytearray(16)
        qh = 0
        for j in range(16):
            xi0 = trunc_int((xb[j] - mn) * idv + F(0.5)) & 0xFF
            xi1 = trunc_int((xb[j + 16] - mn) * idv + F(0.5)) & 0xFF
            qs[j] = (xi0 & 0x0F) | ((xi1 & 0x0F) << 4)
            qh |= ((xi0 & 0x10) >> 4) << j
            qh |= ((xi1 & 0x10) >> 4) << (j + 16)
        out += u16(fp16(d)) + u16(fp16(mn)) + qh.to_bytes(4, "little") + qs
    return bytes(out)


def dequantize_q5_1(b, n):
    y = [F(0)] * n
    for k in range(n // 32):
        blk = b[24 * k: 24 * k + 24]
        d = fp16_to_f32(blk[0] | blk[1] << 8)
        m = fp16_to_f32(blk[2] | blk[3] << 8)
        qh = int.from_bytes(blk[4:8], "little")
        for j in range(16):
            xh0 = ((qh >> j) << 4) & 0x10
            xh1 = (qh >> (j + 12)) & 0x10
            y[32 * k + j] = F((blk[8 + j] & 0x0F) | xh0) * d + m
            y[32 * k + j + 16] = F((blk[8 + j] >> 4) | xh1) * d + m
    return y


# ---------------------------------------------------------------- K-quant helpers


def make_qx_quants(n, nmax, x, L, rmse_type):
    """make_qx_quants with qw == NULL; writes L (list) and returns the scale."""
    mx, amax = F(0), F(0)
    for i in range(n):
        ax = abs(x[i])
        if ax > amax:
            amax, mx = ax, x[i]
    if amax < GROUP_MAX_EPS:
        for i in range(n):
            L[i] = 0
        return F(0)
    iscale = F(-nmax) / mx
    if rmse_type == 0:
        for i in range(n):
            L[i] = nmax + max(-nmax, min(nmax - 1, nearest_int(iscale * x[i])))
        return F(1) / iscale
    return_early = rmse_type < 0
    rmse_type = abs(rmse_type)

    def weight(v):
        if rmse_type == 1:
            return v * v
        if rmse_type == 2:
            return F(1)
        if rmse_type == 3:
            return abs(v)
        return F(math.sqrt(float(abs(v))))

    sumlx, suml2 = F(0), F(0)
    for i in range(n):
        l = max(-nmax, min(nmax - 1, nearest_int(iscale * x[i])))
        L[i] = l + nmax
        w = weight(x[i])
        sumlx = sumlx + w * x[i] * F(l)
        suml2 = suml2 + w * F(l) * F(l)
    scale = sumlx / suml2 if suml2 != 0 else F(0)
    if return_early:
        return F(0.5) * (scale + F(1) / iscale) if suml2 > 0 else F(1) / iscale
    best = scale * sumlx
    for step in range(-9, 10):
        if step == 0:
            continue
        iscale = -(F(nmax) + F(0.1) * F(step)) / mx
        sumlx, suml2 = F(0), F(0)
        for i in range(n):
            l = max(-nmax, min(nmax - 1, nearest_int(iscale * x[i])))
            w = weight(x[i])
            sumlx = sumlx + w * x[i] * F(l)
            suml2 = suml2 + w * F(l) * F(l)
        if suml2 > 0 and sumlx * sumlx > best * suml2:
            for i in range(n):
                L[i] = nmax + max(-nmax, min(nmax - 1, nearest_int(iscale * x[i])))
            scale = sumlx / suml2
            best = scale * sumlx
    return scale


def make_qkx2_quants(n, nmax, x, weights, L, rmin, rdelta, nstep, use_mad):
    """Returns (scale, the_min) and writes L."""
    mn, mx = x[0], x[0]
    sum_w = weights[0]
    sum_x = sum_w * x[0]
    for i in range(1, n):
        if x[i] < mn:
            mn = x[i]
        if x[i] > mx:
            mx = x[i]
        w = weights[i]
        sum_w = sum_w + w
        sum_x = sum_x + w * x[i]
    if mn > 0:
        mn = F(0)
    if mx == mn:
        for i in range(n):
            L[i] = 0
        return F(0), -mn
    iscale = F(nmax) / (mx - mn)
    scale = F(1) / iscale
    best_error = F(0)
    for i in range(n):
        l = nearest_int(iscale * (x[i] - mn))
        L[i] = max(0, min(nmax, l))
        diff = scale * F(L[i]) + mn - x[i]
        diff = abs(diff) if use_mad else diff * diff
        best_error = best_error + weights[i] * diff
    if nstep < 1:
        return scale, -mn
    Laux = [0] * n
    for step in range(nstep + 1):
        iscale = (F(rmin) + F(rdelta) * F(step) + F(nmax)) / (mx - mn)
        sum_l, sum_l2, sum_xl = F(0), F(0), F(0)
        for i in range(n):
            l = max(0, min(nmax, nearest_int(iscale * (x[i] - mn))))
            Laux[i] = l
            w = weights[i]
            sum_l = sum_l + w * F(l)
            sum_l2 = sum_l2 + w * F(l) * F(l)
            sum_xl = sum_xl + w * F(l) * x[i]
        D = sum_w * sum_l2 - sum_l * sum_l
        if D > 0:
            this_scale = (sum_w * sum_xl - sum_x * sum_l) / D
            this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D
            if this_min > 0:
                this_min = F(0)
                this_scale = sum_xl / sum_l2
            cur_error = F(0)
            for i in range(n):
                diff = this_scale * F(Laux[i]) + this_min - x[i]
                diff = abs(diff) if use_mad else diff * diff
                cur_error = cur_error + weights[i] * diff
            if cur_error < best_error:
                L[:n] = Laux[:n]
                best_error = cur_error
                scale = this_scale
                mn = this_min
    return scale, -mn


def get_scale_min_k4(j, q):
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def quantize_affine_k(xb, nmax, rmin, rdelta, nstep):
    """The shared body of quantize_row_q4_K_ref / quantize_row_q5_K_ref for one super-block."""
    L = [0] * QK_K
    scales, mins = [F(0)] * 8, [F(0)] * 8
    max_scale, max_min = F(0), F(0)
    for j in range(8):
        xs = xb[32 * j: 32 * j + 32]
        sum_x2 = F(0)
        for l in range(32):
            sum_x2 = sum_x2 + xs[l] * xs[l]
        av_x = F(math.sqrt(float(sum_x2 / F(32))))
        weights = [av_x + abs(xs[l]) for l in range(32)]
        Lj = [0] * 32
        scales[j], mins[j] = make_qkx2_quants(32, nmax, xs, weights, Lj, rmin, rdelta, nstep, False)
        L[32 * j: 32 * j + 32] = Lj
        if scales[j] > max_scale:
            max_scale = scales[j]
        if mins[j] > max_min:
            max_min = mins[j]
    inv_scale = F(63) / max_scale if max_scale > 0 else F(0)
    inv_min = F(63) / max_min if max_min > 0 else F(0)
    packed = [0] * 12
    for j in range(8):
        ls = min(63, nearest_int(inv_scale * scales[j]) & 0xFF)
        lm = min(63, nearest_int(inv_min * mins[j]) & 0xFF)
        if j < 4:
            packed[j] = ls
            packed[j + 4] = lm
        else:
            packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4)
            packed[j - 4] |= (ls >> 4) << 6
            packed[j] |= (lm >> 4) << 6
    d_bits = fp16(max_scale / F(63))
    dmin_bits = fp16(max_min / F(63))
    for j in range(8):
        sc, m = get_scale_min_k4(j, packed)
        d = fp16_to_f32(d_bits) * F(sc)
        if d == 0:
            continue
        dm = fp16_to_f32(dmin_bits) * F(m)
        for ii in range(32):
            l = nearest_int((xb[32 * j + ii] + dm) / d)
            L[32 * j + ii] = max(0, min(nmax, l))
    return u16(d_bits) + u16(dmin_bits) + bytes(packed), L


def quantize_q4_K(x):
    out = bytearray()
    for i in range(0, len(x), QK_K):
        head, L = quantize_affine_k(x[i:i + QK_K], 15, -1.0, 0.1, 20)
        qs = bytearray()
        for j in range(0, QK_K, 64):
            for l in range(32):
                qs.append(L[j + l] | (L[j + l + 32] << 4))
        out += head + qs
    return bytes(out)


def dequantize_q4_K(b, n):
    y = []
    for k in range(n // QK_K):
        blk = b[144 * k: 144 * k + 144]
        d = fp16_to_f32(blk[0] | blk[1] << 8)
        mn = fp16_to_f32(blk[2] | blk[3] << 8)
        scales = blk[4:16]
        q = blk[16:]
        is_ = 0
        for j in range(0, QK_K, 64):
            sc, m = get_scale_min_k4(is_, scales)
            d1, m1 = d * F(sc), mn * F(m)
            sc, m = get_scale_min_k4(is_ + 1, scales)
            d2, m2 = d * F(sc), mn * F(m)
            qq = q[j // 2: j // 2 + 32]
            y += [d1 * F(qq[l] & 0xF) - m1 for l in range(32)]
            y += [d2 * F(qq[l] >> 4) - m2 for l in range(32)]
            is_ += 2
    return y


def quantize_q5_K(x):
    out = bytearray()
    for i in range(0, len(x), QK_K):
        head, L = quantize_affine_k(x[i:i + QK_K], 31, -0.5, 0.1, 15)
        qh = bytearray(32)
        ql = bytearray()
        m1, m2 = 1, 2
        for n in range(0, QK_K, 64):
            for j in range(32):
                l1 = L[n + j]
                if l1 > 15:
                    l1 -= 16
                    qh[j] |= m1
                l2 = L[n + j + 32]
                if l2 > 15:
                    l2 -= 16
                    qh[j] |= m2
                ql.append(l1 | (l2 << 4))
            m1 <<= 2
            m2 <<= 2
        out += head + qh + ql
    return bytes(out)


def dequantize_q5_K(b, n):
    y = []
    for k in range(n // QK_K):
        blk = b[176 * k: 176 * k + 176]
        d = fp16_to_f32(blk[0] | blk[1] << 8)
        mn = fp16_to_f32(blk[2] | blk[3] << 8)
        scales = blk[4:16]
        qh = blk[16:48]
        ql = blk[48:]
        is_, u1, u2 = 0, 1, 2
        for j in range(0, QK_K, 64):
            sc, m = get_scale_min_k4(is_, scales)
            d1, m1 = d * F(sc), mn * F(m)
            sc, m = get_scale_min_k4(is_ + 1, scales)
            d2, m2 = d * F(sc), mn * F(m)
            qq = ql[j // 2: j // 2 + 32]
            y += [d1 * F((qq[l] & 0xF) + (16 if qh[l] & u1 else 0)) - m1 for l in range(32)]
            y += [d2 * F((qq[l] >> 4) + (16 if qh[l] & u2 else 0)) - m2 for l in range(32)]
            is_ += 2
            u1 <<= 2
            u2 <<= 2
    return y


def quantize_q6_K(x):
    out = bytearray()
    for i in range(0, len(x), QK_K):
        xb = x[i:i + QK_K]
        L = [0] * QK_K
        scales = [F(0)] * 16
        max_scale, max_abs_scale = F(0), F(0)
        for ib in range(16):
            Lb = [0] * 16
            scale = make_qx_quants(16, 32, xb[16 * ib: 16 * ib + 16], Lb, 1)
            L[16 * ib: 16 * ib + 16] = Lb
            scales[ib] = scale
            if abs(scale) > max_abs_scale:
                max_abs_scale = abs(scale)
                max_scale = scale
        if max_abs_scale < GROUP_MAX_EPS:
            out += bytes(210)
            continue
        iscale = F(-128) / max_scale
        d_bits = fp16(F(1) / iscale)
        sc = [((min(127, nearest_int(iscale * scales[ib])) + 128) & 0xFF) - 128 for ib in range(16)]
        for j in range(16):
            d = fp16_to_f32(d_bits) * F(sc[j])
            if d == 0:
                continue
            for ii in range(16):
                l = nearest_int(xb[16 * j + ii] / d)
                L[16 * j + ii] = max(-32, min(31, l)) + 32
        ql = bytearray(128)
        qh = bytearray(64)
        for half, j in enumerate(range(0, QK_K, 128)):
            for l in range(32):
                q1, q2, q3, q4 = (L[j + l] & 0xF, L[j + l + 32] & 0xF, L[j + l + 64] & 0xF, L[j + l + 96] & 0xF)
                ql[64 * half + l] = q1 | (q3 << 4)
                ql[64 * half + l + 32] = q2 | (q4 << 4)
                qh[32 * half + l] = ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4)
                                     | ((L[j + l + 96] >> 4) << 6))
        out += ql + qh + bytes(s & 0xFF for s in sc) + u16(d_bits)
    return bytes(out)


def dequantize_q6_K(b, n):
    y = [F(0)] * n
    for k in range(n // QK_K):
        blk = b[210 * k: 210 * k + 210]
        d = fp16_to_f32(blk[208] | blk[209] << 8)
        for half in range(2):
            ql = blk[64 * half: 64 * half + 64]
            qh = blk[128 + 32 * half: 128 + 32 * half + 32]
            sc = [s - 256 if s > 127 else s for s in blk[192 + 8 * half: 192 + 8 * half + 8]]
            base = QK_K * k + 128 * half
            for l in range(32):
                is_ = l // 16
                q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32
                q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32
                q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
                q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
                y[base + l] = d * F(sc[is_]) * F(q1)
                y[base + l + 32] = d * F(sc[is_ + 2]) * F(q2)
                y[base + l + 64] = d * F(sc[is_ + 4]) * F(q3)
                y[base + l + 96] = d * F(sc[is_ + 6]) * F(q4)
    return y


def quantize_q8_K(x):
    out = bytearray()
    for i in range(0, len(x), QK_K):
        xb = x[i:i + QK_K]
        mx, amax = F(0), F(0)
        for v in xb:
            if abs(v) > amax:
                amax, mx = abs(v), v
        if amax == 0:
            out += bytes(292)  # ggml leaves bsums unset here; Strata (and this reference) write zeros
            continue
        iscale = F(-127) / mx
        qs = [min(127, nearest_int(iscale * v)) for v in xb]
        bsums = [sum(qs[16 * j: 16 * j + 16]) for j in range(16)]
        d = F(1) / iscale
        out += np.array([d], dtype="<f4").tobytes() + bytes(q & 0xFF for q in qs)
        out += np.array(bsums, dtype="<i2").tobytes()
    return bytes(out)


def quantize_f16(x):
    return b"".join(u16(fp16(v)) for v in x)


def dequantize_f16(b, n):
    return [fp16_to_f32(b[2 * i] | b[2 * i + 1] << 8) for i in range(n)]


def quantize_bf16(x):
    return b"".join(u16(bf16(v)) for v in x)


def dequantize_bf16(b, n):
    return [bf16_to_f32(b[2 * i] | b[2 * i + 1] << 8) for i in range(n)]


# (name, ggml type number, bytes per block, elements per block, quantize, dequantize or None)
FORMATS = [
    ("f16", 1, 2, 1, quantize_f16, dequantize_f16),
    ("bf16", 30, 2, 1, quantize_bf16, dequantize_bf16),
    ("q8_0", 8, 34, 32, quantize_q8_0, dequantize_q8_0),
    ("q4_0", 2, 18, 32, quantize_q4_0, dequantize_q4_0),
    ("q4_1", 3, 20, 32, quantize_q4_1, dequantize_q4_1),
    ("q5_0", 6, 22, 32, quantize_q5_0, dequantize_q5_0),
    ("q5_1", 7, 24, 32, quantize_q5_1, dequantize_q5_1),
    ("q4_K", 12, 144, 256, quantize_q4_K, dequantize_q4_K),
    ("q5_K", 13, 176, 256, quantize_q5_K, dequantize_q5_K),
    ("q6_K", 14, 210, 256, quantize_q6_K, dequantize_q6_K),
    ("q8_K", 15, 292, 256, quantize_q8_K, None),
]


def make_rows():
    rng = np.random.default_rng(20240607)
    rows = []
    rows.append(("zeros", np.zeros(256, dtype=np.float32)))
    rows.append(("gaussian", (rng.standard_normal(512) * 0.02).astype(np.float32)))

    outlier = (rng.standard_normal(256) * 0.01).astype(np.float32)
    outlier[37] = 4.0
    outlier[200] = -3.0
    rows.append(("outlier", outlier))

    negative = rng.uniform(-1, 1, 256).astype(np.float32)
    negative[5::32] = -1.5  # every 32-block's largest magnitude is negative
    rows.append(("negative_max", negative))

    tiny = (rng.standard_normal(256) * 1e-6).astype(np.float32)
    tiny[64:96] *= np.float32(1e-14)   # fp16 scales underflow to zero
    tiny[128:160] = np.float32(1e-30)  # far below fp16 (scales and values flush to zero)
    rows.append(("tiny", tiny))

    mixed = np.zeros(256, dtype=np.float32)
    mixed[32:64] = 0.5                                                 # constant block
    mixed[64:96] = rng.uniform(1, 2, 32)                               # positive only (affine min clamps to 0)
    mixed[96:128] = -rng.uniform(1, 2, 32)                             # negative only
    mixed[128:160] = np.linspace(-1, 1, 32)                            # ramp
    mixed[160:192] = np.arange(32) - 15.5                              # halves: rounding ties once scaled
    mixed[165] = 127.0                                                 # ... with amax 127, so q8_0's id is 1
    mixed[192] = 3.0                                                   # a single non-zero
    mixed[224:256] = rng.standard_normal(32) * 100
    rows.append(("mixed", mixed))

    edges = (rng.standard_normal(256) * 10).astype(np.float32)
    specials = [65504.0, 65519.0, 65520.0, 70000.0, -70000.0, 2.0 ** -14, 2.0 ** -24, 2.0 ** -25, 1.5 * 2.0 ** -25,
                3 * 2.0 ** -25, -2.0 ** -25, 1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, -0.0, 1e-45, 1e-40, 2.0 ** -15 + 2.0 ** -26,
                1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 1 + 2.0 ** -8 + 2.0 ** -20, -(1 + 3 * 2.0 ** -8), 1e5, -1e5,
                6.0e-8, 65505.0, 5.9604645e-08, 2.9802322e-08]
    edges[:len(specials)] = np.array(specials, dtype=np.float32)
    rows.append(("edges", edges))

    # Eight super-blocks of differently shaped weights, so the K-quant scale searches take many different branches.
    varied = np.concatenate([
        rng.standard_normal(256) * 0.05,
        rng.uniform(-0.1, 0.1, 256),
        rng.laplace(0, 0.03, 256),
        rng.standard_t(2, 256) * 0.02,
        rng.standard_normal(256) * 0.05 + 0.03,
        rng.uniform(0, 1, 256) ** 3,
        rng.standard_normal(256) * np.repeat(rng.uniform(0.001, 1, 8), 32),
        np.round(rng.standard_normal(256) * 8) / 64,
    ]).astype(np.float32)
    rows.append(("varied", varied))
    return rows


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    rows = make_rows()
    for name, r in rows:
        assert len(r) % QK_K == 0, name
    inputs = np.concatenate([r for _, r in rows]).astype("<f4")
    with open(os.path.join(out_dir, "inputs.f32"), "wb") as f:
        f.write(inputs.tobytes())

    manifest = {
        "generator": "tests/tools/ggml_quants_reference.py",
        "rows": [{"name": name, "length": len(r)} for name, r in rows],
        "formats": {},
    }
    for fmt, type_id, block_bytes, block_size, quantize, dequantize in FORMATS:
        blob = bytearray()
        sha = {}
        for name, r in rows:
            x = [F(v) for v in r]
            q = quantize(x)
            assert len(q) == len(x) // block_size * block_bytes, (fmt, name)
            blob += q
            if dequantize is not None:
                y = np.array(dequantize(q, len(x)), dtype="<f4")
                sha[name] = hashlib.sha256(y.tobytes()).hexdigest()
                if name == "gaussian":
                    with open(os.path.join(out_dir, f"{fmt}.gaussian.f32"), "wb") as f:
                        f.write(y.tobytes())
        with open(os.path.join(out_dir, f"{fmt}.bin"), "wb") as f:
            f.write(bytes(blob))
        entry = {"type": type_id, "quantized": f"{fmt}.bin"}
        if dequantize is not None:
            entry["dequantized_gaussian"] = f"{fmt}.gaussian.f32"
            entry["dequantized_sha256"] = sha
        manifest["formats"][fmt] = entry
        print(f"{fmt}: {len(blob)} bytes", file=sys.stderr)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
