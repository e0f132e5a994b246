/**
 * The virtual GIC's shared state (xen/arch/arm/vgic.c, asm/vgic.h): interrupt ranks of 32
 * interrupts (`struct vgic_irq_rank`: enable bits, configuration, priorities, target vCPU),
 * one private rank per vCPU (SGIs and PPIs) and the shared ranks for SPIs, `vgic_rank_offset`,
 * and what enabling / setting pending means for this model (recorded, counted). The register
 * emulation lives in `vgic_v3.ts` and `vgic_v2.ts`.
 *
 * @module
 */

import { XENLOG_DEBUG, XENLOG_ERR, XENLOG_GUEST } from "./console.ts";
import type { XenConsole } from "./console.ts";
import type { Domain } from "./domain.ts";
import type { MmioInfo } from "./io.ts";

// GICD register offsets both distributors share (asm/gic.h), first and last word of each array.
/** `GICD_CTLR`. */
export const GICD_CTLR = 0x000;
/** `GICD_TYPER`. */
export const GICD_TYPER = 0x004;
/** `GICD_IIDR`. */
export const GICD_IIDR = 0x008;
/** `GICD_IGROUPR`. */
export const GICD_IGROUPR = 0x080;
/** `GICD_IGROUPRN`. */
export const GICD_IGROUPRN = 0x0fc;
/** `GICD_ISENABLER`. */
export const GICD_ISENABLER = 0x100;
/** `GICD_ISENABLERN`. */
export const GICD_ISENABLERN = 0x17c;
/** `GICD_ICENABLER`. */
export const GICD_ICENABLER = 0x180;
/** `GICD_ICENABLERN`. */
export const GICD_ICENABLERN = 0x1fc;
/** `GICD_ISPENDR`. */
export const GICD_ISPENDR = 0x200;
/** `GICD_ISPENDRN`. */
export const GICD_ISPENDRN = 0x27c;
/** `GICD_ICPENDR`. */
export const GICD_ICPENDR = 0x280;
/** `GICD_ICPENDRN`. */
export const GICD_ICPENDRN = 0x2fc;
/** `GICD_ISACTIVER`. */
export const GICD_ISACTIVER = 0x300;
/** `GICD_ISACTIVERN`. */
export const GICD_ISACTIVERN = 0x37c;
/** `GICD_ICACTIVER`. */
export const GICD_ICACTIVER = 0x380;
/** `GICD_ICACTIVERN`. */
export const GICD_ICACTIVERN = 0x3fc;
/** `GICD_IPRIORITYR`. */
export const GICD_IPRIORITYR = 0x400;
/** `GICD_IPRIORITYRN`. */
export const GICD_IPRIORITYRN = 0x7f8;
/** `GICD_ICFGR`. */
export const GICD_ICFGR = 0xc00;
/** `GICD_ICFGRN`. */
export const GICD_ICFGRN = 0xcfc;
/** `GICD_NSACR`. */
export const GICD_NSACR = 0xe00;
/** `GICD_NSACRN`. */
export const GICD_NSACRN = 0xefc;
/** `GICD_SGIR`. */
export const GICD_SGIR = 0xf00;
/** `GICD_CPENDSGIR`. */
export const GICD_CPENDSGIR = 0xf10;
/** `GICD_CPENDSGIRN`. */
export const GICD_CPENDSGIRN = 0xf1c;
/** `GICD_SPENDSGIR`. */
export const GICD_SPENDSGIR = 0xf20;
/** `GICD_SPENDSGIRN`. */
export const GICD_SPENDSGIRN = 0xf2c;

/** Xen's `case VRANGE32(a, b)`: byte offset `reg` lies in the 32-bit registers `a`..`b`. */
export function inR(reg: number, a: number, b: number): boolean {
  return reg >= a && reg <= b + 3;
}

/**
 * The messages vgic-v2.c and vgic-v3.c print about one trapped access — bad width, RAZ/WI on
 * reserved or implementation-defined offsets, unhandled offsets — as guest-log lines
 * `%pv: <frame>: ...` (`frame` is `vGICD`, `vGICR` or `vGICR: SGI`). Each returns what the
 * handler returns in that case (`null`/`false` abort the access).
 */
export class VgicAccessLog {
  /** The messages about access `info` at byte offset `reg` of `frame`, by vCPU `vname`. */
  constructor(
    private readonly console: XenConsole,
    private readonly vname: string,
    private readonly frame: string,
    private readonly info: MmioInfo,
    private readonly reg: number,
  ) {}

  private log(lvl: string, fmt: string, ...a: (string | number | bigint)[]): void {
    this.console.printk(XENLOG_GUEST + lvl + fmt, this.vname, this.frame, ...a);
  }

  /** `bad_width` of a read (`sep` is what follows `%pv`: Xen's rd frame omits the colon). */
  badRead(sep = ": "): null {
    const i = this.info;
    this.log(
      XENLOG_ERR,
      `%pv${sep}%s: bad read width %d r%d offset %#08x\n`,
      i.size,
      i.reg,
      this.reg,
    );
    return null;
  }

  /** `bad_width` of a write of `r`. */
  badWrite(r: bigint): false {
    const i = this.info;
    this.log(
      XENLOG_ERR,
      "%pv: %s: bad write width %d r%d=%016lx offset %#08x\n",
      i.size,
      i.reg,
      r,
      this.reg,
    );
    return false;
  }

  /** `read_reserved` / `read_impl_defined`: reads as zero (`what`: the kind, as Xen spells it). */
  raz(what: string): bigint {
    this.log(XENLOG_DEBUG, `%pv: %s: RAZ on ${what} register offset %#08x\n`, this.reg);
    return 0n;
  }

  /** `write_reserved` / `write_impl_defined`: the write is ignored. */
  wi(what: string): true {
    this.log(XENLOG_DEBUG, `%pv: %s: WI on ${what} register offset %#08x\n`, this.reg);
    return true;
  }

  /** The default case of a read. */
  unhandledRead(): void {
    this.log(XENLOG_ERR, "%pv: %s: unhandled read r%d offset %#08x\n", this.info.reg, this.reg);
  }

  /** The default case of a write of `r` (the rd frame's message omits the value). */
  unhandledWrite(r?: bigint): void {
    if (r === undefined) {
      this.log(XENLOG_ERR, "%pv: %s: unhandled write r%d offset %#08x\n", this.info.reg, this.reg);
      return;
    }
    this.log(
      XENLOG_ERR,
      "%pv: %s: unhandled write r%d=%016lx offset %#08x\n",
      this.info.reg,
      r,
      this.reg,
    );
  }
}

/** `struct vgic_irq_rank`. */
export class VgicRank {
  /** Rank index (0 = private). */
  readonly index: number;
  /** `ienable`. */
  ienable = 0;
  /** `icfg[2]`. */
  readonly icfg: number[] = [0, 0];
  /** `ipriorityr[8]`. */
  readonly ipriorityr: number[] = new Array<number>(8).fill(0);
  /** `vcpu[32]`: target vCPU of each interrupt. */
  readonly vcpu: number[] = new Array<number>(32).fill(0);

  /** A rank at `index`. */
  constructor(index: number) {
    this.index = index;
  }
}

/** Per-domain vGIC state. */
export class Vgic {
  /** 2 or 3. */
  readonly version: 2 | 3;
  /** The domain. */
  readonly d: Domain;
  /** `d->arch.vgic.ctlr`. */
  ctlr: number;
  /** Distributor base. */
  readonly dbase: number;
  /** `nr_spis`. */
  readonly nrSpis: number;
  /** Per-vCPU private ranks. */
  readonly privateRanks: VgicRank[];
  /** Shared ranks (SPIs). */
  readonly sharedRanks: VgicRank[];
  /** Pending virtual interrupts set by the guest (ISPENDR writes) or injected. */
  readonly pending: Set<number> = new Set<number>();
  /** Counters of emulated accesses. */
  readonly stats = { reads: 0, writes: 0, unhandled: 0 };
  /** The console for the emulation's messages. */
  readonly console: XenConsole;

  /** State for domain `d`. */
  constructor(version: 2 | 3, d: Domain, dbase: number, console: XenConsole, ctlr: number) {
    this.version = version;
    this.d = d;
    this.dbase = dbase;
    this.nrSpis = d.numIrqs - 32;
    this.console = console;
    this.ctlr = ctlr;
    this.privateRanks = d.vcpus.map(() => new VgicRank(0));
    // vcpu_vgic_init: private IRQs target their own vCPU; default config (SGIs edge).
    this.privateRanks.forEach((r, i) => r.vcpu.fill(i));
    this.sharedRanks = [];
    for (let i = 0; i < Math.ceil(this.nrSpis / 32); i++) {
      this.sharedRanks.push(new VgicRank(i + 1));
    }
  }

  /** `vgic_get_rank`: rank 0 is the vCPU's private rank. */
  rank(vcpu: number, rank: number): VgicRank | null {
    if (rank === 0) return this.privateRanks[vcpu] ?? null;
    return this.sharedRanks[rank - 1] ?? null;
  }

  /** `vgic_rank_offset(v, b, n, s)`: the rank of byte offset `n` of a b-bits-per-IRQ register. */
  rankOffset(vcpu: number, b: number, n: number, s: number): VgicRank | null {
    const idx = n >>> s;
    let rank: number;
    switch (b) {
      case 64:
      case 32:
        rank = idx >>> 5;
        break;
      case 16:
        rank = idx >>> 4;
        break;
      case 8:
        rank = idx >>> 3;
        break;
      case 4:
        rank = idx >>> 2;
        break;
      case 2:
        rank = idx >>> 1;
        break;
      default:
        rank = idx;
    }
    return this.rank(vcpu, rank);
  }

  /** `vgic_set_irqs_pending`: mark the bits' interrupts pending. */
  setIrqsPending(r: number, rank: number): void {
    for (let i = 0; i < 32; i++) if ((r >>> i) & 1) this.pending.add(rank * 32 + i);
  }

  /** `%pv` of vCPU `v`. */
  vname(v: number): string {
    return `${this.d.name}v${v}`;
  }
}

/** `REG_RANK_INDEX(b, n, s)`. */
export function regRankIndex(b: number, n: number, s: number): number {
  return ((n >>> s) & (b - 1)) % 32;
}
