/**
 * arm64 Linux 6.1 `memset` (arch/arm64/lib/memset.S, the Linaro cortex-strings algorithm,
 * `__pi_memset`/`__memset`) as the exact access sequence it issues without FEAT_MOPS:
 *
 * - count ≤ 15: `str x`, `str w`, `strh`, `strb` by the bits 3..0 of count, post-incrementing dst
 *   (each unaligned if dst is).
 * - count > 15: if dst is not 16-aligned, one unaligned `stp` at dst, then dst rounds up and
 *   count shrinks by the same amount.
 *   - non-zero value (or zero with count < 128, or DC ZVA unusable): ≥ 64 bytes go through the
 *     64-byte `stp` loop; 0..63 left over: `stp`s for bits 5..4, then one overlapping
 *     `stp [dst_end − 16]` for bits 3..0.
 *   - zero value, count ≥ 128: read `DCZID_EL0`; DZP set or a block under 64 bytes → `stp` loop;
 *     count < block → `stp` loop; otherwise align dst to the block with 64-byte `stp` groups
 *     (needing ≥ 64 and ≥ block left afterwards, else `stp` loop), then one `dc zva` per block and
 *     the remainder through the tail code.
 *
 * @module
 */

import type { VA } from "../arch/arm64/port.ts";
import { type KernelCpu, vaMod } from "./access.ts";

// A_l replicated: `stp A_l, A_l` stores these 16 bytes.
const V = new Uint8Array(16);

const TAIL_MAYBE_LONG = 0, TAIL63 = 1, NOT_SHORT = 2, ZERO_MEM = 3;

/** Linux `memset` (`__memset`). Faults propagate as thrown `GuestException`s. */
export function memset(k: KernelCpu, dst: VA, c: number, count: number): void {
  k.enter("__memset");
  const v = c & 0xff;
  V.fill(v);
  let d = dst;
  if (count <= 15) {
    if (count & 8) {
      k.str(d, 8, V);
      d += 8;
    }
    if (count & 4) {
      k.str(d, 4, V);
      d += 4;
    }
    if (count & 2) {
      k.str(d, 2, V);
      d += 2;
    }
    if (count & 1) k.str(d, 1, V);
    k.leave();
    return;
  }
  // .Lover16_proc
  const head = (16 - vaMod(d, 16)) % 16;
  if (head !== 0) {
    k.stp(d, 8, V); // non-aligned store of the first 16 bytes
    count -= head;
    d += head;
  }
  let st = v === 0 ? ZERO_MEM : TAIL_MAYBE_LONG;
  for (;;) {
    if (st === TAIL_MAYBE_LONG) {
      st = count >= 64 ? NOT_SHORT : TAIL63;
    } else if (st === TAIL63) {
      const t = count & 0x30;
      if (t !== 0) {
        if (t === 0x30) {
          k.stp(d, 8, V);
          d += 16;
        }
        if (t >= 0x20) {
          k.stp(d, 8, V);
          d += 16;
        }
        k.stp(d, 8, V);
        d += 16;
      }
      count &= 15;
      if (count !== 0) {
        d += count;
        k.stp(d - 16, 8, V); // repeat some/all of the last store
      }
      break;
    } else if (st === NOT_SHORT) {
      d -= 16; // pre-bias
      count -= 64;
      do {
        k.stp(d + 16, 8, V);
        k.stp(d + 32, 8, V);
        k.stp(d + 48, 8, V);
        k.stp(d + 64, 8, V);
        d += 64;
        count -= 64;
      } while (count >= 0);
      d += 16;
      if ((count & 0x3f) === 0) break;
      st = TAIL63;
    } else {
      // .Lzero_mem
      if (count <= 63) {
        st = TAIL63;
        continue;
      }
      if (count < 128) {
        st = NOT_SHORT;
        continue;
      }
      const dczid = Number(k.mrs("DCZID_EL0") & 0xffn);
      if (dczid & 0x10) {
        st = NOT_SHORT; // DZP: DC ZVA prohibited
        continue;
      }
      const zvaLen = 4 << (dczid & 15);
      if ((zvaLen & 63) !== 0) {
        st = NOT_SHORT; // block smaller than 64 bytes
        continue;
      }
      // .Lzero_by_line
      if (count < zvaLen) {
        st = NOT_SHORT;
        continue;
      }
      let tmp2 = (zvaLen - vaMod(d, zvaLen)) % zvaLen;
      if (tmp2 !== 0) {
        const tmp1 = count - tmp2;
        if (tmp1 < 64 || tmp1 < zvaLen) {
          st = NOT_SHORT;
          continue;
        }
        count = tmp1;
        do {
          k.stp(d, 8, V);
          k.stp(d + 16, 8, V);
          k.stp(d + 32, 8, V);
          tmp2 -= 64;
          k.stp(d + 48, 8, V);
          d += 64;
        } while (tmp2 >= 0);
        d += tmp2; // overran a bit: step back
      }
      count -= zvaLen;
      do {
        k.dcZva(d, zvaLen);
        d += zvaLen;
        count -= zvaLen;
      } while (count >= 0);
      count &= zvaLen - 1;
      if (count === 0) break;
      st = TAIL_MAYBE_LONG;
    }
  }
  k.leave();
}

/**
 * `clear_page(addr)` (arch/arm64/lib/clear_page.S): one `dc zva` per DCZID block up to the page
 * end, or, when DC ZVA is prohibited (DZP), 64-byte groups of `stnp xzr, xzr` (modelled as `stp`).
 */
export function clear_page(k: KernelCpu, addr: VA): void {
  k.enter("clear_page");
  const dczid = Number(k.mrs("DCZID_EL0") & 0xffn);
  let a = addr;
  const end = addr - vaMod(addr, 4096) + 4096;
  if ((dczid & 0x10) === 0) {
    const bs = 4 << (dczid & 15);
    do {
      k.dcZva(a, bs);
      a += bs;
    } while (vaMod(a, 4096) !== 0);
  } else {
    V.fill(0);
    while (a < end) {
      k.stp(a, 8, V);
      k.stp(a + 16, 8, V);
      k.stp(a + 32, 8, V);
      k.stp(a + 48, 8, V);
      a += 64;
    }
  }
  k.leave();
}
