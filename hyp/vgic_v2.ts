/**
 * The virtual GICv2 distributor (xen/arch/arm/vgic-v2.c, 4.17): one 4 KiB page at the host
 * GICD address trapped and emulated register by register (ITARGETSR with one target vCPU per
 * SPI, SGIR generating SGIs, active registers unsupported), the CPU interface reaching the GICV
 * frames through the p2m (`vgic_v2_domain_init` maps host GICC → GICV, Device-nGnRE).
 *
 * @module
 */

import { XENLOG_DEBUG, XENLOG_ERR, XENLOG_GUEST, XENLOG_WARNING } from "./console.ts";
import {
  DABT_BYTE,
  DABT_WORD,
  type MmioHandler,
  type MmioInfo,
  vregClearbits,
  vregExtract,
  vregSetbits,
  vregUpdate,
} from "./io.ts";
import { PAGE_SIZE } from "./page_alloc.ts";
import {
  GICD_CPENDSGIR,
  GICD_CPENDSGIRN,
  GICD_CTLR,
  GICD_ICACTIVER,
  GICD_ICACTIVERN,
  GICD_ICENABLER,
  GICD_ICENABLERN,
  GICD_ICFGR,
  GICD_ICFGRN,
  GICD_ICPENDR,
  GICD_ICPENDRN,
  GICD_IGROUPR,
  GICD_IGROUPRN,
  GICD_IIDR,
  GICD_IPRIORITYR,
  GICD_IPRIORITYRN,
  GICD_ISACTIVER,
  GICD_ISACTIVERN,
  GICD_ISENABLER,
  GICD_ISENABLERN,
  GICD_ISPENDR,
  GICD_ISPENDRN,
  GICD_NSACR,
  GICD_NSACRN,
  GICD_SGIR,
  GICD_SPENDSGIR,
  GICD_SPENDSGIRN,
  GICD_TYPER,
  inR,
  regRankIndex,
  type Vgic,
  VgicAccessLog,
  type VgicRank,
} from "./vgic.ts";

const GICD_ITARGETSR = 0x800;
const GICD_ITARGETSR7 = 0x81c;
const GICD_ITARGETSR8 = 0x820;
const GICD_ITARGETSRN = 0xbf8;
const GICD_ICFGR1 = 0xc04;
const GICD_ICFGR2 = 0xc08;
const GICD_ICPIDR2 = 0xfe8;
/** `GICD_CTL_ENABLE`. */
const GICD_CTL_ENABLE = 1;

/** The vGICv2 distributor of one domain. */
export class VgicV2 {
  /** Shared state. */
  readonly st: Vgic;
  /** SGIs sent through GICD_SGIR: [from vCPU, target list, INTID]. */
  readonly sgis: [number, number[], number][] = [];

  /** Emulation over `st`. */
  constructor(st: Vgic) {
    this.st = st;
  }

  /** Prints a guest-log message. */
  private log(lvl: string, fmt: string, ...a: (string | number | bigint)[]): void {
    this.st.console.printk(XENLOG_GUEST + lvl + fmt, ...a);
  }

  /** The distributor handler (one page, `vgic_v2_domain_init`). */
  handlers(): MmioHandler[] {
    return [{
      name: "vGICD",
      addr: this.st.dbase,
      size: PAGE_SIZE,
      read: (i) => this.read(i),
      write: (i, r) => this.write(i, r),
    }];
  }

  /** `vgic_fetch_itargetsr`. */
  private fetchItargetsr(rank: VgicRank, offset: number): number {
    let off = (offset & 31) & ~3;
    let reg = 0;
    for (let i = 0; i < 4; i++, off++) reg |= (1 << rank.vcpu[off]) << (i * 8);
    return reg >>> 0;
  }

  /** `vgic_store_itargetsr`. */
  private storeItargetsr(v: number, rank: VgicRank, offset: number, itargetsr: number): void {
    let off = (offset & 31) & ~3;
    let virq = rank.index * 32 + off;
    for (let i = 0; i < 4; i++, off++, virq++) {
      const mask = (itargetsr >>> (i * 8)) & 0xff;
      const t = mask ? 32 - Math.clz32(mask & -mask) : 0; // ffs
      if (!t || t > this.st.d.vcpus.length) {
        this.log(
          XENLOG_WARNING,
          "%pv No valid vCPU found for vIRQ%u in the target list (%#x). Skip it\n",
          this.st.vname(v),
          virq,
          mask,
        );
        continue;
      }
      rank.vcpu[off] = t - 1;
    }
  }

  /** `vgic_v2_distr_mmio_read`. */
  private read(info: MmioInfo): bigint | null {
    const st = this.st;
    st.stats.reads++;
    const v = info.vcpu;
    const vn = st.vname(v);
    const reg = info.gpa - st.dbase;
    const word = info.size === DABT_WORD;
    const L = new VgicAccessLog(st.console, vn, "vGICD", info, reg);
    const badWidth = () => L.badRead();
    const reserved = () => L.raz("reserved");
    const impl = () => L.raz("implemention defined");
    if (inR(reg, GICD_CTLR, GICD_CTLR)) {
      return word ? vregExtract(BigInt(st.ctlr), info, 3) : badWidth();
    }
    if (inR(reg, GICD_TYPER, GICD_TYPER)) {
      if (!word) return badWidth();
      return vregExtract(
        BigInt((((st.d.vcpus.length - 1) << 5) | Math.ceil(st.nrSpis / 32)) >>> 0),
        info,
        3,
      );
    }
    if (inR(reg, GICD_IIDR, GICD_IIDR)) return word ? vregExtract(0x43bn, info, 3) : badWidth();
    if (inR(reg, 0xc, 0x1c) || inR(reg, 0x40, 0x7c)) return reserved();
    if (inR(reg, 0x20, 0x3c)) return impl();
    if (inR(reg, GICD_IGROUPR, GICD_IGROUPRN)) return word ? 0n : badWidth();
    if (inR(reg, GICD_ISENABLER, GICD_ISENABLERN) || inR(reg, GICD_ICENABLER, GICD_ICENABLERN)) {
      if (!word) return badWidth();
      const base = reg >= GICD_ICENABLER ? GICD_ICENABLER : GICD_ISENABLER;
      const rank = st.rankOffset(v, 1, reg - base, DABT_WORD);
      return rank ? vregExtract(BigInt(rank.ienable >>> 0), info, 3) : 0n;
    }
    if (
      inR(reg, GICD_ISPENDR, GICD_ISPENDRN) || inR(reg, GICD_ICPENDR, GICD_ICPENDRN) ||
      inR(reg, GICD_ISACTIVER, GICD_ISACTIVERN) || inR(reg, GICD_ICACTIVER, GICD_ICACTIVERN)
    ) return 0n;
    if (inR(reg, GICD_IPRIORITYR, GICD_IPRIORITYRN)) {
      if (info.size !== DABT_BYTE && !word) return badWidth();
      const rank = st.rankOffset(v, 8, reg - GICD_IPRIORITYR, DABT_WORD);
      if (!rank) return 0n;
      return vregExtract(
        BigInt(rank.ipriorityr[regRankIndex(8, reg - GICD_IPRIORITYR, DABT_WORD)] >>> 0),
        info,
        3,
      );
    }
    if (inR(reg, 0x7fc, 0x7fc) || inR(reg, 0xbfc, 0xbfc)) return reserved();
    if (inR(reg, GICD_ITARGETSR, GICD_ITARGETSRN)) {
      if (info.size !== DABT_BYTE && !word) return badWidth();
      const rank = st.rankOffset(v, 8, reg - GICD_ITARGETSR, DABT_WORD);
      if (!rank) return 0n;
      return vregExtract(BigInt(this.fetchItargetsr(rank, reg - GICD_ITARGETSR)), info, 3);
    }
    if (inR(reg, GICD_ICFGR, GICD_ICFGRN)) {
      if (!word) return badWidth();
      const rank = st.rankOffset(v, 2, reg - GICD_ICFGR, DABT_WORD);
      if (!rank) return 0n;
      return vregExtract(
        BigInt(rank.icfg[regRankIndex(2, reg - GICD_ICFGR, DABT_WORD)] >>> 0),
        info,
        3,
      );
    }
    if (inR(reg, 0xd00, 0xdfc)) return impl();
    if (inR(reg, GICD_NSACR, GICD_NSACRN)) return word ? 0n : badWidth();
    if (inR(reg, GICD_SGIR, GICD_SGIR)) return word ? 0xdeadbeefn : badWidth();
    if (inR(reg, 0xf04, 0xf0c) || inR(reg, 0xf30, 0xfcc)) return reserved();
    if (inR(reg, GICD_CPENDSGIR, GICD_CPENDSGIRN) || inR(reg, GICD_SPENDSGIR, GICD_SPENDSGIRN)) {
      return 0n;
    }
    if (inR(reg, 0xfd0, 0xfe4) || inR(reg, 0xfec, 0xffc)) return impl();
    if (inR(reg, GICD_ICPIDR2, GICD_ICPIDR2)) {
      if (!word) return badWidth();
      this.log(XENLOG_ERR, "%pv: vGICD: unhandled read from ICPIDR2\n", vn);
      return null;
    }
    L.unhandledRead();
    return null;
  }

  /** `vgic_v2_distr_mmio_write`. */
  private write(info: MmioInfo, r: bigint): boolean {
    const st = this.st;
    st.stats.writes++;
    const v = info.vcpu;
    const vn = st.vname(v);
    const reg = info.gpa - st.dbase;
    const word = info.size === DABT_WORD;
    const L = new VgicAccessLog(st.console, vn, "vGICD", info, reg);
    const badWidth = () => L.badWrite(r);
    // write_reserved prints the implementation-defined message too (vgic-v2.c, 4.17).
    const wi = (what: string) => L.wi(what);
    if (inR(reg, GICD_CTLR, GICD_CTLR)) {
      if (!word) return badWidth();
      st.ctlr = Number(vregUpdate(BigInt(st.ctlr), r, info, 3)) & GICD_CTL_ENABLE;
      return true;
    }
    if (inR(reg, GICD_TYPER, GICD_TYPER) || inR(reg, GICD_IIDR, GICD_IIDR)) {
      return word ? true : badWidth();
    }
    if (inR(reg, 0xc, 0x1c) || inR(reg, 0x40, 0x7c)) return wi("implementation defined");
    if (inR(reg, 0x20, 0x3c)) return wi("implementation defined");
    if (inR(reg, GICD_IGROUPR, GICD_IGROUPRN)) return word ? true : badWidth();
    if (inR(reg, GICD_ISENABLER, GICD_ISENABLERN)) {
      if (!word) return badWidth();
      const rank = st.rankOffset(v, 1, reg - GICD_ISENABLER, DABT_WORD);
      if (rank) rank.ienable = Number(vregSetbits(BigInt(rank.ienable >>> 0), r, info, 3)) >>> 0;
      return true;
    }
    if (inR(reg, GICD_ICENABLER, GICD_ICENABLERN)) {
      if (!word) return badWidth();
      const rank = st.rankOffset(v, 1, reg - GICD_ICENABLER, DABT_WORD);
      if (rank) rank.ienable = Number(vregClearbits(BigInt(rank.ienable >>> 0), r, info, 3)) >>> 0;
      return true;
    }
    if (inR(reg, GICD_ISPENDR, GICD_ISPENDRN)) {
      if (!word) return badWidth();
      const rank = st.rankOffset(v, 1, reg - GICD_ISPENDR, DABT_WORD);
      if (rank) st.setIrqsPending(Number(r & 0xffffffffn), rank.index);
      return true;
    }
    if (inR(reg, GICD_ICPENDR, GICD_ICPENDRN)) return word ? true : badWidth();
    if (inR(reg, GICD_ISACTIVER, GICD_ISACTIVERN)) {
      if (!word) return badWidth();
      if (r === 0n) return true;
      st.stats.unhandled++;
      this.log(
        XENLOG_ERR,
        "%pv: vGICD: unhandled word write %#016lx to ISACTIVER%d\n",
        vn,
        r,
        reg - GICD_ISACTIVER,
      );
      return false;
    }
    if (inR(reg, GICD_ICACTIVER, GICD_ICACTIVERN)) {
      st.stats.unhandled++;
      st.console.printkTagged(
        "vgic-unhandled",
        XENLOG_GUEST + XENLOG_ERR + "%pv: vGICD: unhandled word write %#016lx to ICACTIVER%d\n",
        vn,
        r,
        reg - GICD_ICACTIVER,
      );
      return word ? true : badWidth();
    }
    if (inR(reg, GICD_IPRIORITYR, GICD_IPRIORITYRN)) {
      if (info.size !== DABT_BYTE && !word) return badWidth();
      const rank = st.rankOffset(v, 8, reg - GICD_IPRIORITYR, DABT_WORD);
      if (!rank) return true;
      const i = regRankIndex(8, reg - GICD_IPRIORITYR, DABT_WORD);
      rank.ipriorityr[i] = Number(vregUpdate(BigInt(rank.ipriorityr[i] >>> 0), r, info, 3)) >>> 0;
      return true;
    }
    if (inR(reg, 0x7fc, 0x7fc) || inR(reg, 0xbfc, 0xbfc)) return wi("implementation defined");
    if (inR(reg, GICD_ITARGETSR, GICD_ITARGETSR7)) return word ? true : badWidth();
    if (inR(reg, GICD_ITARGETSR8, GICD_ITARGETSRN)) {
      if (info.size !== DABT_BYTE && !word) return badWidth();
      const rank = st.rankOffset(v, 8, reg - GICD_ITARGETSR, DABT_WORD);
      if (!rank) return true;
      const cur = this.fetchItargetsr(rank, reg - GICD_ITARGETSR);
      this.storeItargetsr(
        v,
        rank,
        reg - GICD_ITARGETSR,
        Number(vregUpdate(BigInt(cur), r, info, 3)) >>> 0,
      );
      return true;
    }
    if (inR(reg, GICD_ICFGR, GICD_ICFGR) || inR(reg, GICD_ICFGR1, GICD_ICFGR1)) {
      return word ? true : badWidth();
    }
    if (inR(reg, GICD_ICFGR2, GICD_ICFGRN)) {
      if (!word) return badWidth();
      const rank = st.rankOffset(v, 2, reg - GICD_ICFGR, DABT_WORD);
      if (!rank) return true;
      const i = regRankIndex(2, reg - GICD_ICFGR, DABT_WORD);
      rank.icfg[i] = Number(vregUpdate(BigInt(rank.icfg[i] >>> 0), r, info, 3)) >>> 0;
      return true;
    }
    if (inR(reg, 0xd00, 0xdfc)) return wi("implementation defined");
    if (inR(reg, GICD_NSACR, GICD_NSACRN)) return word ? true : badWidth();
    if (inR(reg, GICD_SGIR, GICD_SGIR)) {
      if (!word) return badWidth();
      return this.toSgi(v, Number(r & 0xffffffffn));
    }
    if (inR(reg, 0xf04, 0xf0c) || inR(reg, 0xf30, 0xfcc)) return wi("implementation defined");
    if (inR(reg, GICD_CPENDSGIR, GICD_CPENDSGIRN) || inR(reg, GICD_SPENDSGIR, GICD_SPENDSGIRN)) {
      if (info.size !== DABT_BYTE && !word) return badWidth();
      const which = reg >= GICD_SPENDSGIR ? "ISPENDSGIR" : "ICPENDSGIR";
      const base = reg >= GICD_SPENDSGIR ? GICD_SPENDSGIR : GICD_CPENDSGIR;
      this.log(
        XENLOG_ERR,
        `%pv: vGICD: unhandled %s write %#016lx to ${which}%d\n`,
        vn,
        info.size ? "word" : "byte",
        r,
        reg - base,
      );
      return false;
    }
    if (inR(reg, 0xfd0, 0xfe4)) return wi("implementation defined");
    if (inR(reg, GICD_ICPIDR2, GICD_ICPIDR2)) return word ? true : badWidth();
    L.unhandledWrite(r);
    return false;
  }

  /** `vgic_v2_to_sgi`: target list / others / self. */
  private toSgi(v: number, sgir: number): boolean {
    const mode = (sgir >>> 24) & 3;
    const virq = sgir & 0xf;
    const n = this.st.d.vcpus.length;
    let targets: number[];
    if (mode === 0) {
      const list = (sgir >>> 16) & 0xff;
      targets = [];
      for (let i = 0; i < 8; i++) if ((list >>> i) & 1 && i < n) targets.push(i);
    } else if (mode === 1) targets = [...Array(n).keys()].filter((i) => i !== v);
    else if (mode === 2) targets = [v];
    else {
      this.log(
        XENLOG_DEBUG,
        "%pv: vGICD: unhandled GICD_SGIR write %08x with wrong mode\n",
        this.st.vname(v),
        sgir,
      );
      return false;
    }
    this.sgis.push([v, targets, virq]);
    return true;
  }
}
