/**
 * A domain as Xen keeps it (`struct domain` / `struct arch_domain`, the parts this model uses):
 * its p2m, iomem and IRQ permission rangesets (`iomem_caps`, `irq_caps`), vGIC IRQ bookkeeping
 * (`allocated_irqs`, routed SPIs), vCPUs, HVM params, the RAM pages it owns, and a record of
 * every stage-2 mapping with the rule that decided it (a dom0sim addition for reports).
 *
 * @module
 */

import type { MapDecision } from "./device.ts";
import { decodeP2mEntry, type P2m, type P2mType } from "./p2m.ts";
import { PAGE_SIZE, type PageAllocator } from "./page_alloc.ts";
import { Rangeset } from "./rangeset.ts";

/** A recorded stage-2 mapping (IPA range → PA range) and why it exists. */
export interface MappingRecord {
  /** Domain ID. */
  domid: number;
  /** First IPA. */
  ipa: number;
  /** First PA. */
  pa: number;
  /** Size in bytes (whole pages). */
  size: number;
  /** The DT node it came from, or a description ("dom0 RAM bank 0", "XENMAPSPACE_dev_mmio"). */
  source: string;
  /** The p2m type. */
  type: P2mType;
  /** Stage-2 MemAttr[3:0] written. */
  memAttr: number;
  /** Stage-2 S2AP as "RW"/"RO"/"WO"/"--". */
  s2ap: string;
  /** Execute-never at stage 2. */
  xn: boolean;
  /** The rule that decided the type. */
  rule: string;
  /** A proposal that never was in Xen. */
  proposed: boolean;
  /** Unmapped later (by a hypercall). */
  removed?: boolean;
}

/** One vCPU's architectural boot state (what `construct_domain`/PSCI CPU_ON set). */
export interface VcpuState {
  /** vCPU index. */
  id: number;
  /** Online (vCPU0 after construction; others after PSCI CPU_ON). */
  online: boolean;
  /** Entry point. */
  pc: number;
  /** x0..x3 at entry. */
  x: [number, number, number, number];
  /** `PSR_GUEST64_INIT` (EL1h, DAIF masked) = 0x3c5. */
  cpsr: number;
  /** MPIDR affinity (`vcpuid_to_vaffinity`). */
  mpidr: number;
}

/** `PSR_GUEST64_INIT`: PSR_ABT_MASK | PSR_FIQ_MASK | PSR_IRQ_MASK | PSR_MODE_EL1h. */
export const PSR_GUEST64_INIT = 0x3c5;

/** `vcpuid_to_vaffinity` (asm/domain.h): Aff0 = id & 0xf, Aff1 = id >> 4. */
export function vcpuidToVaffinity(id: number): number {
  return (id & 0xf) | ((id >> 4) << 8);
}

/** A domain. */
export class Domain {
  /** Domain ID. */
  readonly domid: number;
  /** `is_hardware_domain`. */
  readonly hardware: boolean;
  /** Direct-mapped (GFN == MFN). */
  readonly directMap: boolean;
  /** The p2m. */
  readonly p2m: P2m;
  /** `iomem_caps` in page frame numbers. */
  readonly iomemCaps: Rangeset = new Rangeset("iomem");
  /**
   * MFNs whose iomem permission `XEN_DOMCTL_iomem_permission` took away (dom0sim bookkeeping,
   * not Xen state): Xen does not unmap on a revoke, so mappings may outlive the permission.
   */
  readonly iomemRevoked: Rangeset = new Rangeset("iomem-revoked");
  /** `irq_caps`. */
  readonly irqCaps: Rangeset = new Rangeset("irq");
  /** `d->arch.vgic.allocated_irqs`. */
  readonly allocatedIrqs: Set<number> = new Set<number>();
  /** Routed physical IRQs: virq → pirq. */
  readonly routedIrqs: Map<number, number> = new Map<number, number>();
  /** `vgic_num_irqs(d)` = 32 + nr_spis. */
  readonly numIrqs: number;
  /** vCPUs. */
  readonly vcpus: VcpuState[] = [];
  /** HVM params (`d->arch.hvm.params`). */
  readonly hvmParams: Map<number, bigint> = new Map<number, bigint>();
  /** `d->arch.evtchn_irq`. */
  evtchnIrq = 0;
  /** RAM pages the domain owns (MFN ranges). */
  readonly ownedPages: Rangeset = new Rangeset("pages");
  /** Every mapping made, in order. */
  readonly mappings: MappingRecord[] = [];
  /** RAM banks (`kinfo->mem`). */
  banks: { start: number; size: number }[] = [];
  /** Dying (no new mappings). */
  dying = false;
  /** Xen heap pages shared with the domain (shared_info, grant-table frames): MFN → what. */
  readonly xenPages: Map<number, string> = new Map<number, string>();
  /** Pages of other domains mapped here (`p2m_map_foreign_*`): MFN → owner domid. */
  readonly foreignPages: Map<number, number> = new Map<number, number>();
  /** Set once the domain shut down (`domain_shutdown` reason). */
  shutdown?: "poweroff" | "reboot" | "suspend" | "crash" | "watchdog";

  /** Make a domain around an existing p2m. */
  constructor(
    domid: number,
    p2m: P2m,
    opts: { hardware: boolean; directMap: boolean; nrSpis: number; maxVcpus: number },
  ) {
    this.domid = domid;
    this.p2m = p2m;
    this.hardware = opts.hardware;
    this.directMap = opts.directMap;
    this.numIrqs = 32 + opts.nrSpis;
    for (let i = 0; i < 16; i++) this.allocatedIrqs.add(i); // SGIs are reserved (vgic.c)
    for (let i = 0; i < opts.maxVcpus; i++) {
      this.vcpus.push({
        id: i,
        online: false,
        pc: 0,
        x: [0, 0, 0, 0],
        cpsr: PSR_GUEST64_INIT,
        mpidr: vcpuidToVaffinity(i),
      });
    }
  }

  /**
   * The Xen heap page standing for `what` (allocated once with `alloc_xenheap_pages` and shared
   * with the domain, `share_xen_page_with_guest`), or -1 when the heap is empty.
   */
  xenPage(what: string, alloc: PageAllocator): number {
    for (const [mfn, w] of this.xenPages) if (w === what) return mfn;
    const mfn = alloc.allocXenheapPages(0, `${this.name} ${what}`);
    if (mfn >= 0) this.xenPages.set(mfn, what);
    return mfn;
  }

  /** `d0`, `d1`: Xen's `%pd`. */
  get name(): string {
    return `d${this.domid}`;
  }

  /** `vgic_reserve_virq`: false when out of range or already reserved. */
  reserveVirq(virq: number): boolean {
    if (virq >= this.numIrqs) return false;
    if (this.allocatedIrqs.has(virq)) return false;
    this.allocatedIrqs.add(virq);
    return true;
  }

  /** `vgic_allocate_ppi` (PPIs 16–31) / SPI allocation: the virq or -1. */
  allocateVirq(spi: boolean): number {
    const first = spi ? 32 : 16;
    const end = spi ? this.numIrqs : 32;
    for (let v = first; v < end; v++) {
      if (!this.allocatedIrqs.has(v)) {
        this.allocatedIrqs.add(v);
        return v;
      }
    }
    return -1;
  }

  /**
   * `map_regions_p2mt(d, gfn, nr, mfn, t)` (+ attributes a policy adds) and a mapping record.
   * Returns 0 or a negative errno from the p2m.
   */
  mapRegion(
    gfn: number,
    nr: number,
    mfn: number,
    dec: Pick<MapDecision, "type" | "access" | "override" | "rule" | "proposed">,
    source: string,
  ): number {
    if (this.dying) return -12;
    const rc = this.p2m.setEntry(gfn, nr, mfn, dec.type, dec.access ?? "rwx", dec.override);
    if (rc) return rc;
    const e = this.p2m.lookup(gfn).entry;
    const ent = e ?? decodeP2mEntry(0, 0);
    this.mappings.push({
      domid: this.domid,
      ipa: gfn * PAGE_SIZE,
      pa: mfn * PAGE_SIZE,
      size: nr * PAGE_SIZE,
      source,
      type: dec.type,
      memAttr: ent.memAttr,
      s2ap: (ent.read ? "R" : "-") + (ent.write ? "W" : "-"),
      xn: ent.xn,
      rule: dec.rule,
      proposed: !!dec.proposed,
    });
    return 0;
  }

  /** Remove `nr` pages at `gfn` from the p2m and mark overlapping records removed. */
  unmapRegion(gfn: number, nr: number): number {
    const rc = this.p2m.setEntry(gfn, nr, -1, "p2m_invalid");
    const s = gfn * PAGE_SIZE;
    const e = s + nr * PAGE_SIZE;
    for (const m of this.mappings) if (m.ipa < e && s < m.ipa + m.size) m.removed = true;
    return rc;
  }
}
