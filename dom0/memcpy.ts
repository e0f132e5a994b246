/**
 * arm64 Linux 6.1 `memcpy`/`memmove` (arch/arm64/lib/memcpy.S, imported in v5.14 by 285133040e6c
 * from Arm optimized-routines afd6244a, `string/aarch64/memcpy.S`) as the exact sequence of memory
 * accesses it issues, without FEAT_MOPS (Cortex-A57). Modelled from the assembly:
 *
 * - 0..3 bytes: `ldrb` first, last, middle (`src + count/2`), then `strb` first, middle, last.
 * - 4..7: two overlapping 32-bit `ldr`/`str` at [src] and [srcend-4].
 * - 8..15: two overlapping 64-bit `ldr`/`str` at [src] and [srcend-8].
 * - 16..32: `ldp`/`stp` (X registers) at [src] and [srcend-16].
 * - 33..64: four `ldp` (src, src+16, srcend-32, srcend-16), four `stp`; 65..96 adds src+32/+48;
 *   97..128 adds srcend-64/-48 (stored first).
 * - > 128: if 0 < dst − src < count, backwards; otherwise the first 16 bytes go with an
 *   (unaligned) `stp` at dstin, dst is rounded down to 16, a software-pipelined 64-byte
 *   `ldp`/`stp` loop follows and the last 64 bytes are copied from srcend/dstend (overlapping,
 *   possibly unaligned). dst == src copies nothing.
 *
 * Data moves only through the port: loads fill a register file, stores write it back, so an
 * overlapping `memmove` behaves as the hardware does.
 *
 * @module
 */

import type { VA } from "../arch/arm64/port.ts";
import { type KernelCpu, vaMod } from "./access.ts";

// The register pairs of memcpy.S (A_l/A_h ... H_l/H_h), 16 bytes each.
const R = new Uint8Array(128);
const A = 0, B = 16, C = 32, D = 48, E = 64, F = 80, G = 96, H = 112;

/** Linux `memcpy` (`__memcpy`). Faults propagate as thrown `GuestException`s. */
export function memcpy(k: KernelCpu, dst: VA, src: VA, count: number): void {
  k.enter("__memcpy");
  copy(k, dst, src, count);
  k.leave();
}

/**
 * Linux `memmove` (`__memmove`): the same entry point as memcpy since v5.14 (memcpy.S handles
 * overlap by copying backwards for long copies; short copies load everything before storing).
 */
export function memmove(k: KernelCpu, dst: VA, src: VA, count: number): void {
  k.enter("__memmove");
  copy(k, dst, src, count);
  k.leave();
}

function copy(k: KernelCpu, dstin: VA, src: VA, count: number): void {
  const srcend = src + count;
  const dstend = dstin + count;
  if (count > 128) {
    copyLong(k, dstin, src, count, srcend, dstend);
    return;
  }
  if (count > 32) {
    // L(copy32_128)
    k.ldp(src, 8, R, A);
    k.ldp(src + 16, 8, R, B);
    k.ldp(srcend - 32, 8, R, C);
    k.ldp(srcend - 16, 8, R, D);
    if (count > 64) {
      // L(copy128)
      k.ldp(src + 32, 8, R, E);
      k.ldp(src + 48, 8, R, F);
      if (count > 96) {
        k.ldp(srcend - 64, 8, R, G);
        k.ldp(srcend - 48, 8, R, H);
        k.stp(dstend - 64, 8, R, G);
        k.stp(dstend - 48, 8, R, H);
      }
      // L(copy96)
      k.stp(dstin, 8, R, A);
      k.stp(dstin + 16, 8, R, B);
      k.stp(dstin + 32, 8, R, E);
      k.stp(dstin + 48, 8, R, F);
      k.stp(dstend - 32, 8, R, C);
      k.stp(dstend - 16, 8, R, D);
      return;
    }
    k.stp(dstin, 8, R, A);
    k.stp(dstin + 16, 8, R, B);
    k.stp(dstend - 32, 8, R, C);
    k.stp(dstend - 16, 8, R, D);
    return;
  }
  if (count >= 16) {
    k.ldp(src, 8, R, A);
    k.ldp(srcend - 16, 8, R, D);
    k.stp(dstin, 8, R, A);
    k.stp(dstend - 16, 8, R, D);
    return;
  }
  if (count & 8) {
    // L(copy16)
    k.ldr(src, 8, R, A);
    k.ldr(srcend - 8, 8, R, A + 8);
    k.str(dstin, 8, R, A);
    k.str(dstend - 8, 8, R, A + 8);
    return;
  }
  if (count & 4) {
    // L(copy8)
    k.ldr(src, 4, R, A);
    k.ldr(srcend - 4, 4, R, B);
    k.str(dstin, 4, R, A);
    k.str(dstend - 4, 4, R, B);
    return;
  }
  if (count === 0) return;
  // L(copy4): branchless 1..3 bytes
  const tmp1 = count >> 1;
  k.ldr(src, 1, R, A);
  k.ldr(srcend - 1, 1, R, C);
  k.ldr(src + tmp1, 1, R, B);
  k.str(dstin, 1, R, A);
  k.str(dstin + tmp1, 1, R, B);
  k.str(dstend - 1, 1, R, C);
}

function copyLong(
  k: KernelCpu,
  dstin: VA,
  src: VA,
  count: number,
  srcend: VA,
  dstend: VA,
): void {
  const diff = dstin - src;
  if (diff === 0) return;
  // `cmp tmp1, count; b.lo` is an unsigned compare: a negative difference never takes it.
  if (diff > 0 && diff < count) {
    copyLongBackwards(k, dstin, src, count, srcend, dstend);
    return;
  }
  k.ldp(src, 8, R, D);
  const tmp1 = vaMod(dstin, 16);
  let dst = dstin - tmp1;
  let s = src - tmp1;
  count += tmp1; // count is now 16 too large
  k.ldp(s + 16, 8, R, A);
  k.stp(dstin, 8, R, D);
  k.ldp(s + 32, 8, R, B);
  k.ldp(s + 48, 8, R, C);
  k.ldp(s + 64, 8, R, D);
  s += 64;
  count -= 128 + 16;
  if (count > 0) {
    // L(loop64)
    do {
      k.stp(dst + 16, 8, R, A);
      k.ldp(s + 16, 8, R, A);
      k.stp(dst + 32, 8, R, B);
      k.ldp(s + 32, 8, R, B);
      k.stp(dst + 48, 8, R, C);
      k.ldp(s + 48, 8, R, C);
      k.stp(dst + 64, 8, R, D);
      dst += 64;
      k.ldp(s + 64, 8, R, D);
      s += 64;
      count -= 64;
    } while (count > 0);
  }
  // L(copy64_from_end)
  k.ldp(srcend - 64, 8, R, E);
  k.stp(dst + 16, 8, R, A);
  k.ldp(srcend - 48, 8, R, A);
  k.stp(dst + 32, 8, R, B);
  k.ldp(srcend - 32, 8, R, B);
  k.stp(dst + 48, 8, R, C);
  k.ldp(srcend - 16, 8, R, C);
  k.stp(dst + 64, 8, R, D);
  k.stp(dstend - 64, 8, R, E);
  k.stp(dstend - 48, 8, R, A);
  k.stp(dstend - 32, 8, R, B);
  k.stp(dstend - 16, 8, R, C);
}

function copyLongBackwards(
  k: KernelCpu,
  dstin: VA,
  src: VA,
  count: number,
  srcend: VA,
  dstend: VA,
): void {
  k.ldp(srcend - 16, 8, R, D);
  const tmp1 = vaMod(dstend, 16);
  let se = srcend - tmp1;
  count -= tmp1;
  k.ldp(se - 16, 8, R, A);
  k.stp(dstend - 16, 8, R, D);
  k.ldp(se - 32, 8, R, B);
  k.ldp(se - 48, 8, R, C);
  k.ldp(se - 64, 8, R, D);
  se -= 64;
  let de = dstend - tmp1;
  count -= 128;
  if (count > 0) {
    // L(loop64_backwards)
    do {
      k.stp(de - 16, 8, R, A);
      k.ldp(se - 16, 8, R, A);
      k.stp(de - 32, 8, R, B);
      k.ldp(se - 32, 8, R, B);
      k.stp(de - 48, 8, R, C);
      k.ldp(se - 48, 8, R, C);
      k.stp(de - 64, 8, R, D);
      de -= 64;
      k.ldp(se - 64, 8, R, D);
      se -= 64;
      count -= 64;
    } while (count > 0);
  }
  // L(copy64_from_start)
  k.ldp(src + 48, 8, R, G);
  k.stp(de - 16, 8, R, A);
  k.ldp(src + 32, 8, R, A);
  k.stp(de - 32, 8, R, B);
  k.ldp(src + 16, 8, R, B);
  k.stp(de - 48, 8, R, C);
  k.ldp(src, 8, R, C);
  k.stp(de - 64, 8, R, D);
  k.stp(dstin + 48, 8, R, G);
  k.stp(dstin + 32, 8, R, A);
  k.stp(dstin + 16, 8, R, B);
  k.stp(dstin, 8, R, C);
}
