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

import { XENLOG_ERR, XENLOG_GUEST, XENLOG_WARNING } from "./console.ts";
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
} from "./vgic.ts";

// GICD/GICR register offsets (asm/gic.h, asm/gic_v3_defs.h).
const GICD_STATUSR = 0x10;
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
    const L = new VgicAccessLog(this.st.console, vn, "vGICR", info, reg);
    const r64ok = info.size === DABT_DOUBLE_WORD || info.size === DABT_WORD;
    const badWidth = () => L.badRead(" ");
    const reserved = () => L.raz("reserved");
    const impl = () => L.raz("implementation defined");
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
    L.unhandledRead();
    return 0n;
  }

  /** `__vgic_v3_rdistr_rd_mmio_write`. */
  private rdWrite(v: number, info: MmioInfo, reg: number, r: bigint): boolean {
    const vn = this.st.vname(v);
    const word = info.size === DABT_WORD;
    const L = new VgicAccessLog(this.st.console, vn, "vGICR", info, reg);
    const r64ok = info.size === DABT_DOUBLE_WORD || info.size === DABT_WORD;
    const badWidth = () => L.badWrite(r);
    const reserved = () => L.wi("reserved");
    const impl = () => L.wi("implementation defined");
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
    L.unhandledWrite();
    return true;
  }

  /** `__vgic_v3_distr_common_mmio_read` (GICD and GICR SGI frame). */
  private commonRead(name: string, v: number, info: MmioInfo, reg: number): bigint | null {
    const st = this.st;
    const vn = st.vname(v);
    const word = info.size === DABT_WORD;
    const L = new VgicAccessLog(this.st.console, vn, name, info, reg);
    const badWidth = () => L.badRead();
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
    L.unhandledRead();
    return null;
  }

  /** `__vgic_v3_distr_common_mmio_write`. */
  private commonWrite(name: string, v: number, info: MmioInfo, reg: number, r: bigint): boolean {
    const st = this.st;
    const vn = st.vname(v);
    const word = info.size === DABT_WORD;
    const L = new VgicAccessLog(this.st.console, vn, name, info, reg);
    const badWidth = () => L.badWrite(r);
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
    L.unhandledWrite(r);
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
    const L = new VgicAccessLog(this.st.console, vn, "vGICR: SGI", info, reg);
    if (inR(reg, GICR_IGRPMODR0, GICR_IGRPMODR0) || inR(reg, GICR_NSACR, GICR_NSACR)) {
      return info.size !== DABT_WORD ? L.badRead() : 0n;
    }
    if ((reg >= 0xe04 && reg <= 0xbffc) || (reg >= 0xffd0 && reg <= 0xfffc)) {
      return L.raz("reserved");
    }
    if (reg >= 0xc000 && reg <= 0xffcc) return L.raz("implementation defined");
    L.unhandledRead();
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
    const L = new VgicAccessLog(this.st.console, vn, "vGICR: SGI", info, reg);
    if (inR(reg, GICR_IGRPMODR0, GICR_IGRPMODR0) || inR(reg, GICR_NSACR, GICR_NSACR)) {
      return info.size !== DABT_WORD ? L.badWrite(r) : true;
    }
    L.unhandledWrite();
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
    const L = new VgicAccessLog(this.st.console, vn, "vGICD", info, reg);
    const badWidth = () => L.badRead();
    const reserved = () => L.raz("reserved");
    const impl = () => L.raz("implementation defined");
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
    L.unhandledRead();
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
    const L = new VgicAccessLog(this.st.console, vn, "vGICD", info, reg);
    const badWidth = () => L.badWrite(r);
    const reserved = () => L.wi("reserved");
    const impl = () => L.wi("implementation defined");
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
    L.unhandledWrite(r);
    return true;
  }
}
