/**
 * The virtual GICv3 distributor and redistributors (xen/arch/arm/vgic-v3.c, 4.17): register
 * by register as Xen emulates them — IIDR/TYPER/PIDR2 synthesised, group registers RAZ/WI,
 * enables and priorities and configuration stored per rank, pending writes recorded, active
 * registers not supported (`unhandled word write … to ICACTIVER<n>` and the write ignored;
 * ISACTIVER aborts), reserved and implementation-defined offsets read as zero with a debug
 * message, wrong access widths abort. The redistributor regions are the host's (dom0 uses the
 * host layout); each vCPU owns 128 KiB (RD_base + SGI_base frames).
 *
 * @module
 */

import { XENLOG_DEBUG, XENLOG_ERR, XENLOG_GUEST, XENLOG_WARNING } from "./console.ts";
import { vcpuidToVaffinity } from "./domain.ts";
import { GICV3_GICR_SIZE } from "./gic_v3.ts";
import {
  DABT_BYTE,
  DABT_DOUBLE_WORD,
  DABT_WORD,
  type MmioHandler,
  type MmioInfo,
  vregClearbits,
  vregExtract,
  vregSetbits,
  vregUpdate,
} from "./io.ts";
import { regRankIndex, type Vgic } from "./vgic.ts";

// GICD/GICR register offsets (asm/gic.h, asm/gic_v3_defs.h).
const GICD_CTLR = 0x0;
const GICD_TYPER = 0x4;
const GICD_IIDR = 0x8;
const GICD_STATUSR = 0x10;
const GICD_IGROUPR = 0x80;
const GICD_IGROUPRN = 0xfc;
const GICD_ISENABLER = 0x100;
const GICD_ISENABLERN = 0x17c;
const GICD_ICENABLER = 0x180;
const GICD_ICENABLERN = 0x1fc;
const GICD_ISPENDR = 0x200;
const GICD_ISPENDRN = 0x27c;
const GICD_ICPENDR = 0x280;
const GICD_ICPENDRN = 0x2fc;
const GICD_ISACTIVER = 0x300;
const GICD_ISACTIVERN = 0x37c;
const GICD_ICACTIVER = 0x380;
const GICD_ICACTIVERN = 0x3fc;
const GICD_IPRIORITYR = 0x400;
const GICD_IPRIORITYRN = 0x7f8;
const GICD_ICFGR = 0xc00;
const GICD_ICFGRN = 0xcfc;
const GICD_NSACR = 0xe00;
const GICD_NSACRN = 0xefc;
const GICD_SGIR = 0xf00;
const GICD_CPENDSGIR = 0xf10;
const GICD_CPENDSGIRN = 0xf1c;
const GICD_SPENDSGIR = 0xf20;
const GICD_SPENDSGIRN = 0xf2c;
const GICD_IROUTER = 0x6000;
const GICD_IROUTER32 = 0x6100;
const GICD_IROUTER1019 = 0x7fd8;
const GICD_PIDR2 = 0xffe8;
const GICR_CTLR = 0x0;
const GICR_IIDR = 0x4;
const GICR_TYPER = 0x8;
const GICR_STATUSR = 0x10;
const GICR_WAKER = 0x14;
const GICR_SETLPIR = 0x40;
const GICR_CLRLPIR = 0x48;
const GICR_PROPBASER = 0x70;
const GICR_PENDBASER = 0x78;
const GICR_INVLPIR = 0xa0;
const GICR_INVALLR = 0xb0;
const GICR_SYNCR = 0xc0;
const GICR_IGRPMODR0 = 0xd00;
const GICR_NSACR = 0xe00;
/** `GICV3_GICD_IIDR_VAL` / `GICV3_GICR_IIDR_VAL`. */
const GICV3_IIDR_VAL = 0x34c;
/** `GICV3_GICD_PIDR2` (vgic-v3.c: GICv3 architecture revision). */
const GICV3_PIDR2 = 0x30;
/** `GICD_CTLR_ENABLE_G1A`. */
const GICD_CTLR_ENABLE_G1A = 1 << 1;
/** `VGICD_CTLR_DEFAULT` = `GICD_CTLR_ARE_NS`. */
export const VGICD_CTLR_DEFAULT = 1 << 4;
const GICR_TYPER_LAST = 1 << 4;
const SZ_64K = 0x10000;

/** A redistributor region as dom0 sees it (`struct vgic_rdist_region`). */
export interface RdistRegion {
  /** Base IPA. */
  base: number;
  /** Size. */
  size: number;
  /** First vCPU handled. */
  firstCpu: number;
}

function inR(reg: number, a: number, b: number): boolean {
  return reg >= a && reg <= b + 3;
}

/** The vGICv3 emulation for one domain. */
export class VgicV3 {
  /** Shared state. */
  readonly st: Vgic;
  /** Redistributor regions. */
  readonly regions: RdistRegion[];
  /** `intid_bits`. */
  readonly intidBits: number;

  /** Emulation over `st` with `regions` and the host's interrupt ID bits. */
  constructor(st: Vgic, regions: RdistRegion[], intidBits: number) {
    this.st = st;
    this.regions = regions;
    this.intidBits = intidBits;
  }

  /** Prints a guest-log message. */
  private log(lvl: string, fmt: string, ...a: (string | number | bigint)[]): void {
    this.st.console.printk(XENLOG_GUEST + lvl + fmt, ...a);
  }

  /** The distributor and redistributor MMIO handlers to register. */
  handlers(): MmioHandler[] {
    const hs: MmioHandler[] = [{
      name: "vGICD",
      addr: this.st.dbase,
      size: SZ_64K,
      read: (i) => this.distrRead(i),
      write: (i, r) => this.distrWrite(i, r),
    }];
    for (const reg of this.regions) {
      hs.push({
        name: "vGICR",
        addr: reg.base,
        size: reg.size,
        read: (i) => this.rdistRead(reg, i),
        write: (i, r) => this.rdistWrite(reg, i, r),
      });
    }
    return hs;
  }

  /** `get_vcpu_from_rdist`: [vcpu, offset in its 128 KiB], or undefined. */
  private vcpuFromRdist(reg: RdistRegion, gpa: number): [number, number] | undefined {
    const v = reg.firstCpu + Math.floor((gpa - reg.base) / GICV3_GICR_SIZE);
    if (v >= this.st.d.vcpus.length) return undefined;
    return [v, gpa - (reg.base + (v - reg.firstCpu) * GICV3_GICR_SIZE)];
  }

  /** Whether vCPU `v` has the last redistributor frame (`GICR_TYPER.Last`). */
  private isLast(v: number): boolean {
    const d = this.st.d;
    for (const r of this.regions) {
      const last = r.firstCpu + r.size / GICV3_GICR_SIZE - 1;
      if (v === last) return true;
    }
    return v === d.vcpus.length - 1;
  }

  /** `vgic_v3_rdistr_mmio_read`: RD_base or SGI_base frame of one vCPU. */
  private rdistRead(reg: RdistRegion, info: MmioInfo): bigint | null {
    this.st.stats.reads++;
    const vo = this.vcpuFromRdist(reg, info.gpa);
    if (!vo) return null;
    const [v, off] = vo;
    if (off < SZ_64K) return this.rdRead(v, info, off);
    if (off < 2 * SZ_64K) return this.sgiRead(v, info, off - SZ_64K);
    this.log(
      XENLOG_WARNING,
      "%pv: vGICR: unknown gpa read address %016lx\n",
      this.st.vname(v),
      info.gpa,
    );
    return null;
  }

  /** `vgic_v3_rdistr_mmio_write`. */
  private rdistWrite(reg: RdistRegion, info: MmioInfo, r: bigint): boolean {
    this.st.stats.writes++;
    const vo = this.vcpuFromRdist(reg, info.gpa);
    if (!vo) return false;
    const [v, off] = vo;
    if (off < SZ_64K) return this.rdWrite(v, info, off, r);
    if (off < 2 * SZ_64K) return this.sgiWrite(v, info, off - SZ_64K, r);
    this.log(
      XENLOG_WARNING,
      "%pv: vGICR: unknown gpa write address %016lx\n",
      this.st.vname(v),
      info.gpa,
    );
    return false;
  }

  /** `__vgic_v3_rdistr_rd_mmio_read`. */
  private rdRead(v: number, info: MmioInfo, reg: number): bigint | null {
    const vn = this.st.vname(v);
    const word = info.size === DABT_WORD;
    const r64ok = info.size === DABT_DOUBLE_WORD || info.size === DABT_WORD;
    const badWidth = () => {
      this.log(
        XENLOG_ERR,
        "%pv vGICR: bad read width %d r%d offset %#08x\n",
        vn,
        info.size,
        info.reg,
        reg,
      );
      return null;
    };
    const reserved = () => {
      this.log(XENLOG_DEBUG, "%pv: vGICR: RAZ on reserved register offset %#08x\n", vn, reg);
      return 0n;
    };
    const impl = () => {
      this.log(
        XENLOG_DEBUG,
        "%pv: vGICR: RAZ on implementation defined register offset %#08x\n",
        vn,
        reg,
      );
      return 0n;
    };
    if (inR(reg, GICR_CTLR, GICR_CTLR)) return word ? 0n : badWidth(); // no ITS: RAZ
    if (inR(reg, GICR_IIDR, GICR_IIDR)) {
      return word ? vregExtract(BigInt(GICV3_IIDR_VAL), info, 3) : badWidth();
    }
    if (reg >= GICR_TYPER && reg <= GICR_TYPER + 7) {
      if (!r64ok) return badWidth();
      const aff = vcpuidToVaffinity(v);
      let typer = (BigInt((aff >> 8) & 0xff) << 40n) | (BigInt(aff & 0xff) << 32n) |
        (BigInt(v) << 8n);
      if (this.isLast(v)) typer |= BigInt(GICR_TYPER_LAST);
      return vregExtract(typer, info, 7);
    }
    if (inR(reg, GICR_STATUSR, GICR_STATUSR) || inR(reg, GICR_WAKER, GICR_WAKER)) {
      return word ? 0n : badWidth();
    }
    if (inR(reg, 0x18, 0x18)) return reserved();
    if (inR(reg, 0x20, 0x20)) return impl();
    if (
      (reg >= GICR_SETLPIR && reg <= GICR_SETLPIR + 7) ||
      (reg >= GICR_CLRLPIR && reg <= GICR_CLRLPIR + 7) ||
      (reg >= GICR_INVLPIR && reg <= GICR_INVLPIR + 7) ||
      (reg >= GICR_INVALLR && reg <= GICR_INVALLR + 7)
    ) return vregExtract(0xdeadbeafdeadbeafn, info, 7);
    if (
      inR(reg, 0x50, 0x50) || inR(reg, 0x80, 0x80) || inR(reg, 0xa8, 0xa8) || inR(reg, 0xb8, 0xb8)
    ) {
      return reserved();
    }
    if (
      (reg >= GICR_PROPBASER && reg <= GICR_PROPBASER + 7) ||
      (reg >= GICR_PENDBASER && reg <= GICR_PENDBASER + 7)
    ) {
      return r64ok ? 0n : badWidth();
    }
    if (inR(reg, GICR_SYNCR, GICR_SYNCR)) return word ? vregExtract(1n, info, 3) : badWidth();
    if (inR(reg, 0xc8, 0xc8) || inR(reg, 0x108, 0x108)) return reserved();
    if ((reg >= 0x100 && reg <= 0x107) || (reg >= 0x110 && reg <= 0x117)) return impl();
    if (reg >= 0x118 && reg <= 0xbffc) return reserved();
    if (reg >= 0xc000 && reg <= 0xffcc) return impl();
    if (reg >= 0xffd0 && reg <= 0xffe4) return impl();
    if (inR(reg, GICD_PIDR2, GICD_PIDR2)) {
      return word ? vregExtract(BigInt(GICV3_PIDR2), info, 3) : badWidth();
    }
    if (reg >= 0xffec && reg <= 0xfffc) return impl();
    this.log(XENLOG_ERR, "%pv: vGICR: unhandled read r%d offset %#08x\n", vn, info.reg, reg);
    return 0n;
  }

  /** `__vgic_v3_rdistr_rd_mmio_write`. */
  private rdWrite(v: number, info: MmioInfo, reg: number, r: bigint): boolean {
    const vn = this.st.vname(v);
    const word = info.size === DABT_WORD;
    const r64ok = info.size === DABT_DOUBLE_WORD || info.size === DABT_WORD;
    const badWidth = () => {
      this.log(
        XENLOG_ERR,
        "%pv: vGICR: bad write width %d r%d=%016lx offset %#08x\n",
        vn,
        info.size,
        info.reg,
        r,
        reg,
      );
      return false;
    };
    const reserved = () => {
      this.log(XENLOG_DEBUG, "%pv: vGICR: WI on reserved register offset %#08x\n", vn, reg);
      return true;
    };
    const impl = () => {
      this.log(
        XENLOG_DEBUG,
        "%pv: vGICR: WI on implementation defined register offset %#08x\n",
        vn,
        reg,
      );
      return true;
    };
    // write_ignore_64 in 4.17 tests `vgic_reg64_check_access(dabt)` and goes to bad_width when it
    // holds (an inverted check): 64-bit and 32-bit writes to those registers abort.
    const ignore64 = () => (r64ok ? badWidth() : true);
    if (
      inR(reg, GICR_CTLR, GICR_CTLR) || inR(reg, GICR_IIDR, GICR_IIDR) ||
      inR(reg, GICR_STATUSR, GICR_STATUSR) || inR(reg, GICR_WAKER, GICR_WAKER) ||
      inR(reg, GICR_SYNCR, GICR_SYNCR) || inR(reg, GICD_PIDR2, GICD_PIDR2)
    ) return word ? true : badWidth();
    if (
      (reg >= GICR_TYPER && reg <= GICR_TYPER + 7) ||
      (reg >= GICR_SETLPIR && reg <= GICR_SETLPIR + 7) ||
      (reg >= GICR_CLRLPIR && reg <= GICR_CLRLPIR + 7) ||
      (reg >= GICR_PROPBASER && reg <= GICR_PROPBASER + 7) ||
      (reg >= GICR_PENDBASER && reg <= GICR_PENDBASER + 7) ||
      (reg >= GICR_INVLPIR && reg <= GICR_INVLPIR + 7) ||
      (reg >= GICR_INVALLR && reg <= GICR_INVALLR + 7)
    ) return ignore64();
    if (
      inR(reg, 0x18, 0x18) || inR(reg, 0x50, 0x50) || inR(reg, 0x80, 0x80) ||
      inR(reg, 0xa8, 0xa8) ||
      inR(reg, 0xb8, 0xb8) || inR(reg, 0xc8, 0xc8) || inR(reg, 0x108, 0x108)
    ) return reserved();
    if (inR(reg, 0x20, 0x20) || (reg >= 0x100 && reg <= 0x107) || (reg >= 0x110 && reg <= 0x117)) {
      return impl();
    }
    if (reg >= 0x118 && reg <= 0xbffc) return reserved();
    if (reg >= 0xc000 && reg <= 0xffe4) return impl();
    if (reg >= 0xffec && reg <= 0xfffc) return impl();
    this.log(XENLOG_ERR, "%pv: vGICR: unhandled write r%d offset %#08x\n", vn, info.reg, reg);
    return true;
  }

  /** `__vgic_v3_distr_common_mmio_read` (GICD and GICR SGI frame). */
  private commonRead(name: string, v: number, info: MmioInfo, reg: number): bigint | null {
    const st = this.st;
    const vn = st.vname(v);
    const word = info.size === DABT_WORD;
    const badWidth = () => {
      this.log(
        XENLOG_ERR,
        "%pv: %s: bad read width %d r%d offset %#08x\n",
        vn,
        name,
        info.size,
        info.reg,
        reg,
      );
      return null;
    };
    if (inR(reg, GICD_IGROUPR, GICD_IGROUPRN)) return word ? 0n : badWidth();
    if (inR(reg, GICD_ISENABLER, GICD_ISENABLERN) || inR(reg, GICD_ICENABLER, GICD_ICENABLERN)) {
      if (!word) return badWidth();
      const base = reg >= GICD_ICENABLER ? GICD_ICENABLER : GICD_ISENABLER;
      const rank = st.rankOffset(v, 1, reg - base, DABT_WORD);
      return rank ? vregExtract(BigInt(rank.ienable >>> 0), info, 3) : 0n;
    }
    if (
      inR(reg, GICD_ISPENDR, GICD_ISPENDRN) || inR(reg, GICD_ICPENDR, GICD_ICPENDR) ||
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
    this.log(XENLOG_ERR, "%pv: %s: unhandled read r%d offset %#08x\n", vn, name, info.reg, reg);
    return null;
  }

  /** `__vgic_v3_distr_common_mmio_write`. */
  private commonWrite(name: string, v: number, info: MmioInfo, reg: number, r: bigint): boolean {
    const st = this.st;
    const vn = st.vname(v);
    const word = info.size === DABT_WORD;
    const badWidth = () => {
      this.log(
        XENLOG_ERR,
        "%pv: %s: bad write width %d r%d=%016lx offset %#08x\n",
        vn,
        name,
        info.size,
        info.reg,
        r,
        reg,
      );
      return false;
    };
    if (inR(reg, GICD_IGROUPR, GICD_IGROUPRN)) return word ? true : badWidth();
    if (inR(reg, GICD_ISENABLER, GICD_ISENABLERN)) {
      if (!word) return badWidth();
      const rank = st.rankOffset(v, 1, reg - GICD_ISENABLER, DABT_WORD);
      if (!rank) return true;
      rank.ienable = Number(vregSetbits(BigInt(rank.ienable >>> 0), r, info, 3)) >>> 0;
      return true;
    }
    if (inR(reg, GICD_ICENABLER, GICD_ICENABLERN)) {
      if (!word) return badWidth();
      const rank = st.rankOffset(v, 1, reg - GICD_ICENABLER, DABT_WORD);
      if (!rank) return true;
      rank.ienable = Number(vregClearbits(BigInt(rank.ienable >>> 0), r, info, 3)) >>> 0;
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
      st.stats.unhandled++;
      this.log(
        XENLOG_ERR,
        "%pv: %s: unhandled word write %#016lx to ISACTIVER%d\n",
        vn,
        name,
        r,
        reg - GICD_ISACTIVER,
      );
      return false;
    }
    if (inR(reg, GICD_ICACTIVER, GICD_ICACTIVERN)) {
      st.stats.unhandled++;
      this.st.console.printkTagged(
        "vgic-unhandled",
        XENLOG_GUEST + XENLOG_ERR + "%pv: %s: unhandled word write %#016lx to ICACTIVER%d\n",
        vn,
        name,
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
    if (inR(reg, GICD_ICFGR, GICD_ICFGR)) return word ? true : badWidth();
    if (inR(reg, GICD_ICFGR + 4, GICD_ICFGRN)) {
      if (!word) return badWidth();
      const rank = st.rankOffset(v, 2, reg - GICD_ICFGR, DABT_WORD);
      if (!rank) return true;
      const i = regRankIndex(2, reg - GICD_ICFGR, DABT_WORD);
      rank.icfg[i] = Number(vregUpdate(BigInt(rank.icfg[i] >>> 0), r, info, 3)) >>> 0;
      return true;
    }
    this.log(
      XENLOG_ERR,
      "%pv: %s: unhandled write r%d=%016lx offset %#08x\n",
      vn,
      name,
      info.reg,
      r,
      reg,
    );
    return false;
  }

  /** `vgic_v3_rdistr_sgi_mmio_read`. */
  private sgiRead(v: number, info: MmioInfo, reg: number): bigint | null {
    const vn = this.st.vname(v);
    if (
      inR(reg, GICD_IGROUPR, GICD_IGROUPR) || inR(reg, GICD_ISENABLER, GICD_ISENABLER) ||
      inR(reg, GICD_ICENABLER, GICD_ICENABLER) || inR(reg, GICD_ISACTIVER, GICD_ISACTIVER) ||
      inR(reg, GICD_ICACTIVER, GICD_ICACTIVER) ||
      inR(reg, GICD_IPRIORITYR, GICD_IPRIORITYR + 0x1c) ||
      inR(reg, GICD_ICFGR, GICD_ICFGR + 4)
    ) return this.commonRead("vGICR: SGI", v, info, reg);
    if (inR(reg, GICD_ISPENDR, GICD_ISPENDR) || inR(reg, GICD_ICPENDR, GICD_ICPENDR)) return 0n;
    if (inR(reg, GICR_IGRPMODR0, GICR_IGRPMODR0) || inR(reg, GICR_NSACR, GICR_NSACR)) {
      if (info.size !== DABT_WORD) {
        this.log(
          XENLOG_ERR,
          "%pv: vGICR: SGI: bad read width %d r%d offset %#08x\n",
          vn,
          info.size,
          info.reg,
          reg,
        );
        return null;
      }
      return 0n;
    }
    if ((reg >= 0xe04 && reg <= 0xbffc) || (reg >= 0xffd0 && reg <= 0xfffc)) {
      this.log(XENLOG_DEBUG, "%pv: vGICR: SGI: RAZ on reserved register offset %#08x\n", vn, reg);
      return 0n;
    }
    if (reg >= 0xc000 && reg <= 0xffcc) {
      this.log(
        XENLOG_DEBUG,
        "%pv: vGICR: SGI: RAZ on implementation defined register offset %#08x\n",
        vn,
        reg,
      );
      return 0n;
    }
    this.log(XENLOG_ERR, "%pv: vGICR: SGI: unhandled read r%d offset %#08x\n", vn, info.reg, reg);
    return 0n;
  }

  /** `vgic_v3_rdistr_sgi_mmio_write`. */
  private sgiWrite(v: number, info: MmioInfo, reg: number, r: bigint): boolean {
    const vn = this.st.vname(v);
    if (
      inR(reg, GICD_IGROUPR, GICD_IGROUPR) || inR(reg, GICD_ISENABLER, GICD_ISENABLER) ||
      inR(reg, GICD_ICENABLER, GICD_ICENABLER) || inR(reg, GICD_ISACTIVER, GICD_ISACTIVER) ||
      inR(reg, GICD_ICACTIVER, GICD_ICACTIVER) || inR(reg, GICD_ICFGR + 4, GICD_ICFGR + 4) ||
      inR(reg, GICD_IPRIORITYR, GICD_IPRIORITYR + 0x1c) || inR(reg, GICD_ISPENDR, GICD_ISPENDR) ||
      inR(reg, GICD_ICPENDR, GICD_ICPENDR)
    ) return this.commonWrite("vGICR: SGI", v, info, reg, r);
    if (inR(reg, GICR_IGRPMODR0, GICR_IGRPMODR0) || inR(reg, GICR_NSACR, GICR_NSACR)) {
      if (info.size !== DABT_WORD) {
        this.log(
          XENLOG_ERR,
          "%pv: vGICR: SGI: bad write width %d r%d=%016lx offset %#08x\n",
          vn,
          info.size,
          info.reg,
          r,
          reg,
        );
        return false;
      }
      return true;
    }
    this.log(XENLOG_ERR, "%pv: vGICR: SGI: unhandled write r%d offset %#08x\n", vn, info.reg, reg);
    return true;
  }

  /** `vgic_v3_distr_mmio_read`. */
  private distrRead(info: MmioInfo): bigint | null {
    const st = this.st;
    st.stats.reads++;
    const v = info.vcpu;
    const vn = st.vname(v);
    const reg = info.gpa - st.dbase;
    const word = info.size === DABT_WORD;
    const badWidth = () => {
      this.log(
        XENLOG_ERR,
        "%pv: vGICD: bad read width %d r%d offset %#08x\n",
        vn,
        info.size,
        info.reg,
        reg,
      );
      return null;
    };
    const reserved = () => {
      this.log(XENLOG_DEBUG, "%pv: vGICD: RAZ on reserved register offset %#08x\n", vn, reg);
      return 0n;
    };
    const impl = () => {
      this.log(
        XENLOG_DEBUG,
        "%pv: vGICD: RAZ on implementation defined register offset %#08x\n",
        vn,
        reg,
      );
      return 0n;
    };
    if (inR(reg, GICD_CTLR, GICD_CTLR)) {
      return word ? vregExtract(BigInt(st.ctlr), info, 3) : badWidth();
    }
    if (inR(reg, GICD_TYPER, GICD_TYPER)) {
      if (!word) return badWidth();
      const ncpus = Math.min(st.d.vcpus.length, 8);
      const typer = ((ncpus - 1) << 5) | Math.ceil(st.nrSpis / 32) | ((this.intidBits - 1) << 19);
      return vregExtract(BigInt(typer >>> 0), info, 3);
    }
    if (inR(reg, GICD_IIDR, GICD_IIDR)) {
      return word ? vregExtract(BigInt(GICV3_IIDR_VAL), info, 3) : badWidth();
    }
    if (inR(reg, 0xc, 0xc)) return reserved();
    if (inR(reg, GICD_STATUSR, GICD_STATUSR)) return word ? 0n : badWidth();
    if (inR(reg, 0x14, 0x1c)) return reserved();
    if (inR(reg, 0x20, 0x3c)) return impl();
    if (inR(reg, 0x40, 0x7c)) return reserved(); // SETSPI/CLRSPI (message-based SPIs) and gaps
    if (
      inR(reg, GICD_IGROUPR, GICD_IGROUPRN) || inR(reg, GICD_ISENABLER, GICD_ISENABLERN) ||
      inR(reg, GICD_ICENABLER, GICD_ICENABLERN) || inR(reg, GICD_ISPENDR, GICD_ISPENDRN) ||
      inR(reg, GICD_ICPENDR, GICD_ICPENDRN) || inR(reg, GICD_ISACTIVER, GICD_ISACTIVERN) ||
      inR(reg, GICD_ICACTIVER, GICD_ICACTIVERN) || inR(reg, GICD_IPRIORITYR, GICD_IPRIORITYRN) ||
      inR(reg, GICD_ICFGR, GICD_ICFGRN)
    ) return this.commonRead("vGICD", v, info, reg);
    if (
      inR(reg, GICD_NSACR, GICD_NSACRN) || inR(reg, GICD_SGIR, GICD_SGIR) ||
      inR(reg, GICD_CPENDSGIR, GICD_CPENDSGIRN) || inR(reg, GICD_SPENDSGIR, GICD_SPENDSGIRN)
    ) return word ? 0n : badWidth();
    if (inR(reg, 0xf30, 0x60fc)) return reserved();
    if (reg >= GICD_IROUTER32 && reg <= GICD_IROUTER1019 + 7) {
      if (info.size !== DABT_DOUBLE_WORD && !word) return badWidth();
      const rank = st.rankOffset(v, 64, reg - GICD_IROUTER, DABT_DOUBLE_WORD);
      if (!rank) return 0n;
      const target = rank.vcpu[((reg - GICD_IROUTER) >>> 3) & 31];
      const aff = vcpuidToVaffinity(target);
      return vregExtract(BigInt(aff), info, 7);
    }
    if (inR(reg, 0x7fe0, 0xbffc)) return reserved();
    if (inR(reg, 0xc000, 0xffe4) || inR(reg, 0xffec, 0xfffc)) return impl();
    if (inR(reg, GICD_PIDR2, GICD_PIDR2)) {
      return word ? vregExtract(BigInt(GICV3_PIDR2), info, 3) : badWidth();
    }
    this.log(XENLOG_ERR, "%pv: vGICD: unhandled read r%d offset %#08x\n", vn, info.reg, reg);
    return 0n;
  }

  /** `vgic_v3_distr_mmio_write`. */
  private distrWrite(info: MmioInfo, r: bigint): boolean {
    const st = this.st;
    st.stats.writes++;
    const v = info.vcpu;
    const vn = st.vname(v);
    const reg = info.gpa - st.dbase;
    const word = info.size === DABT_WORD;
    const badWidth = () => {
      this.log(
        XENLOG_ERR,
        "%pv: vGICD: bad write width %d r%d=%016lx offset %#08x\n",
        vn,
        info.size,
        info.reg,
        r,
        reg,
      );
      return false;
    };
    const reserved = () => {
      this.log(XENLOG_DEBUG, "%pv: vGICD: WI on reserved register offset %#08x\n", vn, reg);
      return true;
    };
    const impl = () => {
      this.log(
        XENLOG_DEBUG,
        "%pv: vGICD: WI on implementation defined register offset %#08x\n",
        vn,
        reg,
      );
      return true;
    };
    if (inR(reg, GICD_CTLR, GICD_CTLR)) {
      if (!word) return badWidth();
      const c = Number(vregUpdate(0n, r, info, 3));
      if (c & GICD_CTLR_ENABLE_G1A) st.ctlr |= GICD_CTLR_ENABLE_G1A;
      else st.ctlr &= ~GICD_CTLR_ENABLE_G1A;
      return true;
    }
    if (
      inR(reg, GICD_TYPER, GICD_TYPER) || inR(reg, GICD_IIDR, GICD_IIDR) ||
      inR(reg, GICD_STATUSR, GICD_STATUSR)
    ) {
      return word ? true : badWidth();
    }
    if (inR(reg, 0xc, 0xc) || inR(reg, 0x14, 0x1c)) return reserved();
    if (inR(reg, 0x20, 0x3c)) return impl();
    if (inR(reg, 0x40, 0x7c)) return reserved();
    if (
      inR(reg, GICD_IGROUPR, GICD_IGROUPRN) || inR(reg, GICD_ISENABLER, GICD_ISENABLERN) ||
      inR(reg, GICD_ICENABLER, GICD_ICENABLERN) || inR(reg, GICD_ISPENDR, GICD_ISPENDRN) ||
      inR(reg, GICD_ICPENDR, GICD_ICPENDRN) || inR(reg, GICD_ISACTIVER, GICD_ISACTIVERN) ||
      inR(reg, GICD_ICACTIVER, GICD_ICACTIVERN) || inR(reg, GICD_IPRIORITYR, GICD_IPRIORITYRN) ||
      inR(reg, GICD_ICFGR, GICD_ICFGRN)
    ) return this.commonWrite("vGICD", v, info, reg, r);
    if (inR(reg, GICD_NSACR, GICD_NSACRN) || inR(reg, GICD_SGIR, GICD_SGIR)) {
      return word ? true : badWidth();
    }
    if (inR(reg, GICD_CPENDSGIR, GICD_CPENDSGIRN) || inR(reg, GICD_SPENDSGIR, GICD_SPENDSGIRN)) {
      return word ? false : badWidth();
    }
    if (inR(reg, 0xf30, 0x60fc)) return reserved();
    if (reg >= GICD_IROUTER32 && reg <= GICD_IROUTER1019 + 7) {
      if (info.size !== DABT_DOUBLE_WORD && !word) return badWidth();
      const rank = st.rankOffset(v, 64, reg - GICD_IROUTER, DABT_DOUBLE_WORD);
      if (!rank) return true;
      const idx = ((reg - GICD_IROUTER) >>> 3) & 31;
      const cur = BigInt(vcpuidToVaffinity(rank.vcpu[idx]));
      const irouter = vregUpdate(cur, r, info, 7);
      // vgic_store_irouter: Interrupt_Routing_Mode (bit 31) "any" is not supported: ignore;
      // otherwise route to the vCPU with that affinity when it exists.
      if (!(irouter & (1n << 31n))) {
        const aff0 = Number(irouter & 0xffn);
        const aff1 = Number((irouter >> 8n) & 0xffn);
        const vid = (aff1 << 4) | (aff0 & 0xf);
        if (aff0 < 16 && vid < st.d.vcpus.length) rank.vcpu[idx] = vid;
      }
      return true;
    }
    if (inR(reg, 0x7fe0, 0xbffc)) return reserved();
    if (inR(reg, 0xc000, 0xffe4) || inR(reg, 0xffec, 0xfffc)) return impl();
    if (inR(reg, GICD_PIDR2, GICD_PIDR2)) return word ? true : badWidth();
    this.log(
      XENLOG_ERR,
      "%pv: vGICD: unhandled write r%d=%016lx offset %#08x\n",
      vn,
      info.reg,
      r,
      reg,
    );
    return true;
  }
}
