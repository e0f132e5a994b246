/**
 * Interrupt state shared by the GICv2 and GICv3 register models (ARM IHI 0048B "GIC
 * Architecture Specification v2", IHI 0069 "GIC Architecture Specification v3/v4"): one bit per
 * INTID for enable/pending/active/group/group-modifier, two bits for the configuration, one byte
 * for the priority, and the register banks that expose them (ISENABLER/ICENABLER, ...).
 *
 * @module
 */

/** Per-INTID state for `count` interrupts. */
export class IrqState {
  /** Number of INTIDs. */
  readonly count: number;
  /** Enable bits (ISENABLER/ICENABLER). */
  readonly enabled: Uint32Array;
  /** Pending bits (ISPENDR/ICPENDR). */
  readonly pending: Uint32Array;
  /** Active bits (ISACTIVER/ICACTIVER). */
  readonly active: Uint32Array;
  /** Group bits (IGROUPR). */
  readonly group: Uint32Array;
  /** Group modifier bits (IGRPMODR, GICv3). */
  readonly grpmod: Uint32Array;
  /** Configuration, 2 bits per INTID (ICFGR). */
  readonly cfg: Uint32Array;
  /** Priority bytes (IPRIORITYR). */
  readonly priority: Uint8Array;
  /** Non-secure access control, 2 bits per INTID (NSACR). */
  readonly nsacr: Uint32Array;

  /** State for `count` INTIDs (a multiple of 32). */
  constructor(count: number) {
    this.count = count;
    const w = Math.ceil(count / 32);
    this.enabled = new Uint32Array(w);
    this.pending = new Uint32Array(w);
    this.active = new Uint32Array(w);
    this.group = new Uint32Array(w);
    this.grpmod = new Uint32Array(w);
    this.cfg = new Uint32Array(w * 2);
    this.priority = new Uint8Array(count);
    this.nsacr = new Uint32Array(w * 2);
  }
}

/** Which register bank an offset of the distributor/SGI frame falls in. */
export type Bank =
  | "IGROUPR"
  | "ISENABLER"
  | "ICENABLER"
  | "ISPENDR"
  | "ICPENDR"
  | "ISACTIVER"
  | "ICACTIVER"
  | "IPRIORITYR"
  | "ICFGR"
  | "IGRPMODR"
  | "NSACR";

const BANKS: readonly [number, number, Bank][] = [
  [0x0080, 0x0100, "IGROUPR"],
  [0x0100, 0x0180, "ISENABLER"],
  [0x0180, 0x0200, "ICENABLER"],
  [0x0200, 0x0280, "ISPENDR"],
  [0x0280, 0x0300, "ICPENDR"],
  [0x0300, 0x0380, "ISACTIVER"],
  [0x0380, 0x0400, "ICACTIVER"],
  [0x0400, 0x0800, "IPRIORITYR"],
  [0x0c00, 0x0d00, "ICFGR"],
  [0x0d00, 0x0e00, "IGRPMODR"],
  [0x0e00, 0x0f00, "NSACR"],
];

/** The bank containing `offset` and the word index within it, or undefined. */
export function bankOf(offset: number): { bank: Bank; index: number } | undefined {
  for (const [lo, hi, bank] of BANKS) {
    if (offset >= lo && offset < hi) return { bank, index: (offset - lo) / 4 };
  }
  return undefined;
}

/** Read word `index` of `bank` (word 0 covers INTIDs 0..31; out-of-range words read 0). */
export function readBank(s: IrqState, bank: Bank, index: number): number {
  const bitWord = (a: Uint32Array) => (index < a.length ? a[index] : 0);
  switch (bank) {
    case "IGROUPR":
      return bitWord(s.group);
    case "ISENABLER":
    case "ICENABLER":
      return bitWord(s.enabled);
    case "ISPENDR":
    case "ICPENDR":
      return bitWord(s.pending);
    case "ISACTIVER":
    case "ICACTIVER":
      return bitWord(s.active);
    case "IGRPMODR":
      return bitWord(s.grpmod);
    case "ICFGR":
      return index < s.cfg.length ? s.cfg[index] : 0;
    case "NSACR":
      return index < s.nsacr.length ? s.nsacr[index] : 0;
    case "IPRIORITYR": {
      const b = index * 4;
      if (b >= s.count) return 0;
      const p = s.priority;
      return (p[b] | (p[b + 1] << 8) | (p[b + 2] << 16) | (p[b + 3] << 24)) >>> 0;
    }
  }
}

/** Write word `index` of `bank` (set/clear banks apply 1 bits only). */
export function writeBank(s: IrqState, bank: Bank, index: number, v: number): void {
  const set = (a: Uint32Array) => {
    if (index < a.length) a[index] |= v;
  };
  const clear = (a: Uint32Array) => {
    if (index < a.length) a[index] &= ~v;
  };
  const put = (a: Uint32Array) => {
    if (index < a.length) a[index] = v;
  };
  switch (bank) {
    case "IGROUPR":
      return put(s.group);
    case "ISENABLER":
      return set(s.enabled);
    case "ICENABLER":
      return clear(s.enabled);
    case "ISPENDR":
      return set(s.pending);
    case "ICPENDR":
      return clear(s.pending);
    case "ISACTIVER":
      return set(s.active);
    case "ICACTIVER":
      return clear(s.active);
    case "IGRPMODR":
      return put(s.grpmod);
    case "ICFGR":
      return put(s.cfg);
    case "NSACR":
      return put(s.nsacr);
    case "IPRIORITYR": {
      const b = index * 4;
      for (let i = 0; i < 4 && b + i < s.count; i++) s.priority[b + i] = (v >>> (i * 8)) & 0xff;
    }
  }
}

/** Whether sub-word writes to `bank` must not merge with the current value (set/clear banks). */
export function isSetClearBank(bank: Bank): boolean {
  return bank.startsWith("IS") || (bank.startsWith("IC") && bank !== "ICFGR");
}

/** CoreSight ID registers of an ARM GIC (QEMU's values: PIDR4..7, PIDR0..3, CIDR0..3). */
export function gicIdRegs(pidr0: number, archRev: number): number[] {
  return [0x44, 0x00, 0x00, 0x00, pidr0, 0xb4, (archRev << 4) | 0x0b, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
}

/** JEP106 ARM implementer code as GICD_IIDR/GICR_IIDR report it (QEMU: 0x43b). */
export const GIC_IIDR_ARM = 0x43b;
