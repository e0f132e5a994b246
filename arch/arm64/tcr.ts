/**
 * TCR_EL1 and TCR_EL2 (non-VHE), the stage-1 translation control registers
 * (ARM ARM DDI 0487 D19.2 "TCR_EL1", "TCR_EL2"). 4 KiB granule walks only.
 *
 * @module
 */

import { PA_SIZE_BITS } from "./vtcr.ts";

/** The decoded fields of TCR_EL1 that the model uses. */
export interface TcrEl1 {
  /** T0SZ [5:0]: TTBR0 region size is 2^(64 − T0SZ). */
  t0sz: number;
  /** EPD0 [7]: TTBR0 walks disabled (Translation fault). */
  epd0: boolean;
  /** IRGN0 [9:8]. */
  irgn0: number;
  /** ORGN0 [11:10]. */
  orgn0: number;
  /** SH0 [13:12]. */
  sh0: number;
  /** TG0 [15:14]: 0 = 4 KiB, 1 = 64 KiB, 2 = 16 KiB. */
  tg0: number;
  /** T1SZ [21:16]. */
  t1sz: number;
  /** A1 [22]: the ASID comes from TTBR1 (else TTBR0). */
  a1: boolean;
  /** EPD1 [23]. */
  epd1: boolean;
  /** IRGN1 [25:24]. */
  irgn1: number;
  /** ORGN1 [27:26]. */
  orgn1: number;
  /** SH1 [29:28]. */
  sh1: number;
  /** TG1 [31:30]: 1 = 16 KiB, 2 = 4 KiB, 3 = 64 KiB. */
  tg1: number;
  /** IPS [34:32]: intermediate physical address size encoding. */
  ips: number;
  /** AS [36]: 16-bit ASIDs. */
  as: boolean;
  /** TBI0 [37]. */
  tbi0: boolean;
  /** TBI1 [38]. */
  tbi1: boolean;
  /** HA [39]: hardware Access flag update. */
  ha: boolean;
  /** HD [40]: hardware dirty state update. */
  hd: boolean;
  /** HPD0 [41]: hierarchical permissions disabled for TTBR0. */
  hpd0: boolean;
  /** HPD1 [42]. */
  hpd1: boolean;
}

const bit = (v: bigint, n: number) => ((v >> BigInt(n)) & 1n) === 1n;
const field = (v: bigint, lo: number, width: number) =>
  Number((v >> BigInt(lo)) & ((1n << BigInt(width)) - 1n));

/** Decode TCR_EL1. */
export function decodeTcrEl1(v: bigint): TcrEl1 {
  return {
    t0sz: field(v, 0, 6),
    epd0: bit(v, 7),
    irgn0: field(v, 8, 2),
    orgn0: field(v, 10, 2),
    sh0: field(v, 12, 2),
    tg0: field(v, 14, 2),
    t1sz: field(v, 16, 6),
    a1: bit(v, 22),
    epd1: bit(v, 23),
    irgn1: field(v, 24, 2),
    orgn1: field(v, 26, 2),
    sh1: field(v, 28, 2),
    tg1: field(v, 30, 2),
    ips: field(v, 32, 3),
    as: bit(v, 36),
    tbi0: bit(v, 37),
    tbi1: bit(v, 38),
    ha: bit(v, 39),
    hd: bit(v, 40),
    hpd0: bit(v, 41),
    hpd1: bit(v, 42),
  };
}

/** Encode TCR_EL1 from fields (missing fields are 0). */
export function encodeTcrEl1(f: Partial<TcrEl1>): bigint {
  const put = (v: number | undefined, lo: number, width: number, name: string) => {
    const x = v ?? 0;
    if (!Number.isInteger(x) || x < 0 || x >= 2 ** width) {
      throw new RangeError(`TCR_EL1.${name} ${x} out of range`);
    }
    return BigInt(x) << BigInt(lo);
  };
  const flag = (b: boolean | undefined, n: number) => (b ? 1n << BigInt(n) : 0n);
  return put(f.t0sz, 0, 6, "T0SZ") | flag(f.epd0, 7) | put(f.irgn0, 8, 2, "IRGN0") |
    put(f.orgn0, 10, 2, "ORGN0") | put(f.sh0, 12, 2, "SH0") | put(f.tg0, 14, 2, "TG0") |
    put(f.t1sz, 16, 6, "T1SZ") | flag(f.a1, 22) | flag(f.epd1, 23) |
    put(f.irgn1, 24, 2, "IRGN1") | put(f.orgn1, 26, 2, "ORGN1") | put(f.sh1, 28, 2, "SH1") |
    put(f.tg1, 30, 2, "TG1") | put(f.ips, 32, 3, "IPS") | flag(f.as, 36) | flag(f.tbi0, 37) |
    flag(f.tbi1, 38) | flag(f.ha, 39) | flag(f.hd, 40) | flag(f.hpd0, 41) | flag(f.hpd1, 42);
}

/** TG0 encoding of the 4 KiB granule. */
export const TG0_4K = 0;
/** TG1 encoding of the 4 KiB granule. */
export const TG1_4K = 2;

/** The decoded fields of TCR_EL2 (E2H = 0) that the model uses. */
export interface TcrEl2 {
  /** T0SZ [5:0]. */
  t0sz: number;
  /** IRGN0 [9:8]. */
  irgn0: number;
  /** ORGN0 [11:10]. */
  orgn0: number;
  /** SH0 [13:12]. */
  sh0: number;
  /** TG0 [15:14]. */
  tg0: number;
  /** PS [18:16]. */
  ps: number;
  /** TBI [20]. */
  tbi: boolean;
  /** HA [21]. */
  ha: boolean;
  /** HPD [24]. */
  hpd: boolean;
}

/** Decode TCR_EL2 (E2H = 0 layout). */
export function decodeTcrEl2(v: bigint): TcrEl2 {
  return {
    t0sz: field(v, 0, 6),
    irgn0: field(v, 8, 2),
    orgn0: field(v, 10, 2),
    sh0: field(v, 12, 2),
    tg0: field(v, 14, 2),
    ps: field(v, 16, 3),
    tbi: bit(v, 20),
    ha: bit(v, 21),
    hpd: bit(v, 24),
  };
}

/** Bits of an (I)PS encoding, capped at `paMax`. */
export function ipsBits(ips: number, paMax = 48): number {
  return Math.min(PA_SIZE_BITS[ips] ?? paMax, paMax);
}

/**
 * Linux 6.1's TCR_EL1 for 4 KiB pages and 48-bit VAs, as `__cpu_setup` programs it before
 * `tcr_compute_pa_size` sets IPS (arch/arm64/mm/proc.S): T0SZ = T1SZ = 16, TG0 4K, TG1 4K,
 * IRGN/ORGN WBWA, SH inner, A1 = 1 (ASID in TTBR1), AS = 1, TBI0 = 1 (`TCR_TxSZ(VA_BITS) |
 * TCR_CACHE_FLAGS | TCR_SMP_FLAGS | TCR_TG_FLAGS | TCR_ASID16 | TCR_TBI0 | TCR_A1`; HA is added
 * only with FEAT_HAFDBS). `ips` is the PARange encoding the kernel copies in.
 */
export function linuxTcrEl1(ips: number): bigint {
  return encodeTcrEl1({
    t0sz: 16,
    t1sz: 16,
    irgn0: 1,
    orgn0: 1,
    sh0: 3,
    irgn1: 1,
    orgn1: 1,
    sh1: 3,
    tg0: TG0_4K,
    tg1: TG1_4K,
    a1: true,
    as: true,
    tbi0: true,
    ips,
  });
}
