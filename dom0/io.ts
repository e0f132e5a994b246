/**
 * arm64 Linux 6.1 I/O accessors as access sequences:
 *
 * - `__memcpy_toio` / `__memcpy_fromio` / `__memset_io` (arch/arm64/kernel/io.c, v4.x–v6.12):
 *   byte accesses until the *I/O-side* address is 8-byte aligned, then 64-bit accesses, then tail
 *   bytes. The RAM side is read or written with plain loads/stores of the same size (possibly
 *   unaligned, which is fine on Normal memory). No barriers, no DC ZVA.
 * - `readb..readq` / `writeb..writeq` and their `_relaxed` forms (arch/arm64/include/asm/io.h):
 *   `__raw_*` is one LDR/STR; `readX` adds `__iormb` (`dmb oshld`) after the load and `writeX`
 *   `__iowmb` (`dmb oshst`) before the store. Cortex-A57 has no
 *   `ARM64_WORKAROUND_DEVICE_LOAD_ACQUIRE`, so loads stay LDR (not LDAR).
 *
 * @module
 */

import type { VA } from "../arch/arm64/port.ts";
import { type KernelCpu, vaMod } from "./access.ts";

const T = new Uint8Array(8);
const TV = new DataView(T.buffer);

/** `memcpy_toio(to, from, count)` → `__memcpy_toio`. */
export function memcpy_toio(k: KernelCpu, to: VA, from: VA, count: number): void {
  k.enter("__memcpy_toio");
  while (count && vaMod(to, 8) !== 0) {
    k.ldr(from, 1, T);
    k.str(to, 1, T); // __raw_writeb
    from++;
    to++;
    count--;
  }
  while (count >= 8) {
    k.ldr(from, 8, T);
    k.str(to, 8, T); // __raw_writeq
    from += 8;
    to += 8;
    count -= 8;
  }
  while (count) {
    k.ldr(from, 1, T);
    k.str(to, 1, T);
    from++;
    to++;
    count--;
  }
  k.leave();
}

/** `memcpy_fromio(to, from, count)` → `__memcpy_fromio`. */
export function memcpy_fromio(k: KernelCpu, to: VA, from: VA, count: number): void {
  k.enter("__memcpy_fromio");
  while (count && vaMod(from, 8) !== 0) {
    k.ldr(from, 1, T); // __raw_readb
    k.str(to, 1, T);
    from++;
    to++;
    count--;
  }
  while (count >= 8) {
    k.ldr(from, 8, T); // __raw_readq
    k.str(to, 8, T);
    from += 8;
    to += 8;
    count -= 8;
  }
  while (count) {
    k.ldr(from, 1, T);
    k.str(to, 1, T);
    from++;
    to++;
    count--;
  }
  k.leave();
}

/** `memset_io(dst, c, count)` → `__memset_io` (the byte replicated to 64 bits). */
export function memset_io(k: KernelCpu, dst: VA, c: number, count: number): void {
  k.enter("__memset_io");
  T.fill(c & 0xff);
  while (count && vaMod(dst, 8) !== 0) {
    k.str(dst, 1, T);
    dst++;
    count--;
  }
  while (count >= 8) {
    k.str(dst, 8, T);
    dst += 8;
    count -= 8;
  }
  while (count) {
    k.str(dst, 1, T);
    dst++;
    count--;
  }
  k.leave();
}

/** `__raw_readb`: one LDRB. */
export function __raw_readb(k: KernelCpu, a: VA): number {
  k.ldr(a, 1, T);
  return T[0];
}
/** `__raw_readw`: one LDRH. */
export function __raw_readw(k: KernelCpu, a: VA): number {
  k.ldr(a, 2, T);
  return TV.getUint16(0, true);
}
/** `__raw_readl`: one LDR W. */
export function __raw_readl(k: KernelCpu, a: VA): number {
  k.ldr(a, 4, T);
  return TV.getUint32(0, true);
}
/** `__raw_readq`: one LDR X. */
export function __raw_readq(k: KernelCpu, a: VA): bigint {
  k.ldr(a, 8, T);
  return TV.getBigUint64(0, true);
}
/** `__raw_writeb`: one STRB. */
export function __raw_writeb(k: KernelCpu, v: number, a: VA): void {
  T[0] = v & 0xff;
  k.str(a, 1, T);
}
/** `__raw_writew`: one STRH. */
export function __raw_writew(k: KernelCpu, v: number, a: VA): void {
  TV.setUint16(0, v & 0xffff, true);
  k.str(a, 2, T);
}
/** `__raw_writel`: one STR W. */
export function __raw_writel(k: KernelCpu, v: number, a: VA): void {
  TV.setUint32(0, v >>> 0, true);
  k.str(a, 4, T);
}
/** `__raw_writeq`: one STR X. */
export function __raw_writeq(k: KernelCpu, v: bigint, a: VA): void {
  TV.setBigUint64(0, BigInt.asUintN(64, v), true);
  k.str(a, 8, T);
}

/** `readb_relaxed`. */
export const readb_relaxed = __raw_readb;
/** `readw_relaxed`. */
export const readw_relaxed = __raw_readw;
/** `readl_relaxed`. */
export const readl_relaxed = __raw_readl;
/** `readq_relaxed`. */
export const readq_relaxed = __raw_readq;
/** `writeb_relaxed`. */
export const writeb_relaxed = __raw_writeb;
/** `writew_relaxed`. */
export const writew_relaxed = __raw_writew;
/** `writel_relaxed`. */
export const writel_relaxed = __raw_writel;
/** `writeq_relaxed`. */
export const writeq_relaxed = __raw_writeq;

/** `readb`: load, then `__iormb` (`dmb oshld`). */
export function readb(k: KernelCpu, a: VA): number {
  const v = __raw_readb(k, a);
  k.barrier("dmb oshld");
  return v;
}
/** `readw`. */
export function readw(k: KernelCpu, a: VA): number {
  const v = __raw_readw(k, a);
  k.barrier("dmb oshld");
  return v;
}
/** `readl`. */
export function readl(k: KernelCpu, a: VA): number {
  const v = __raw_readl(k, a);
  k.barrier("dmb oshld");
  return v;
}
/** `readq`. */
export function readq(k: KernelCpu, a: VA): bigint {
  const v = __raw_readq(k, a);
  k.barrier("dmb oshld");
  return v;
}
/** `writeb`: `__iowmb` (`dmb oshst`), then store. */
export function writeb(k: KernelCpu, v: number, a: VA): void {
  k.barrier("dmb oshst");
  __raw_writeb(k, v, a);
}
/** `writew`. */
export function writew(k: KernelCpu, v: number, a: VA): void {
  k.barrier("dmb oshst");
  __raw_writew(k, v, a);
}
/** `writel`. */
export function writel(k: KernelCpu, v: number, a: VA): void {
  k.barrier("dmb oshst");
  __raw_writel(k, v, a);
}
/** `writeq`. */
export function writeq(k: KernelCpu, v: bigint, a: VA): void {
  k.barrier("dmb oshst");
  __raw_writeq(k, v, a);
}
