/**
 * The virtual GIC's shared state (xen/arch/arm/vgic.c, asm/vgic.h): interrupt ranks of 32
 * interrupts (`struct vgic_irq_rank`: enable bits, configuration, priorities, target vCPU),
 * one private rank per vCPU (SGIs and PPIs) and the shared ranks for SPIs, `vgic_rank_offset`,
 * and what enabling / setting pending means for this model (recorded, counted). The register
 * emulation lives in `vgic_v3.ts` and `vgic_v2.ts`.
 *
 * @module
 */

import type { XenConsole } from "./console.ts";
import type { Domain } from "./domain.ts";

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
