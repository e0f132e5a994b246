/**
 * Emulated MMIO (xen/arch/arm/io.c): per-domain handlers sorted by address
 * (`register_mmio_handler`, `find_mmio_handler`), and the access description a handler gets
 * (`mmio_info_t`: the IPA and the data-abort syndrome fields that matter — size, register, write).
 * A handler's read returns the value or `null` (Xen's "return 0" → `IO_ABORT`); a write returns
 * whether it was handled.
 *
 * @module
 */

/** `enum dabt_size`: log2 of the access size. */
export type DabtSize = 0 | 1 | 2 | 3;
/** `DABT_BYTE`. */
export const DABT_BYTE = 0;
/** `DABT_HALF_WORD`. */
export const DABT_HALF_WORD = 1;
/** `DABT_WORD`. */
export const DABT_WORD = 2;
/** `DABT_DOUBLE_WORD`. */
export const DABT_DOUBLE_WORD = 3;

/** `mmio_info_t` (the parts handlers use). */
export interface MmioInfo {
  /** The faulting IPA. */
  gpa: number;
  /** `dabt.size`. */
  size: DabtSize;
  /** `dabt.reg` (SRT). */
  reg: number;
  /** `dabt.write`. */
  write: boolean;
  /** `dabt.sign` (sign-extend loads). */
  sign: boolean;
  /** The vCPU making the access (`current`). */
  vcpu: number;
}

/** `struct mmio_handler_ops` bound to a region. */
export interface MmioHandler {
  /** Name for reports ("vGICD", "vGICR", "vUART"). */
  name: string;
  /** First IPA. */
  addr: number;
  /** Size in bytes. */
  size: number;
  /** Read: the register value (bigint, up to 64 bits) or null to abort. */
  read(info: MmioInfo): bigint | null;
  /** Write `r`: true when handled, false to abort. */
  write(info: MmioInfo, r: bigint): boolean;
}

/** A domain's MMIO handler table (`d->arch.vmmio`). */
export class MmioHandlers {
  private readonly list: MmioHandler[] = [];

  /** `register_mmio_handler`: add and keep sorted. */
  register(h: MmioHandler): void {
    this.list.push(h);
    this.list.sort((a, b) => a.addr - b.addr);
  }

  /** `find_mmio_handler(d, gpa)`: binary search. */
  find(gpa: number): MmioHandler | undefined {
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const h = this.list[mid];
      if (gpa < h.addr) hi = mid - 1;
      else if (gpa >= h.addr + h.size) lo = mid + 1;
      else return h;
    }
    return undefined;
  }

  /** Every handler, by address. */
  all(): readonly MmioHandler[] {
    return this.list;
  }
}

/** `VREG_REG_MASK(size)`. */
function mask(size: DabtSize): bigint {
  return size === 3 ? 0xffffffffffffffffn : (1n << BigInt(8 << size)) - 1n;
}

/** `vreg_reg_extract`: the accessed bytes of a register (`offmask` 3 for 32-bit, 7 for 64-bit). */
export function vregExtract(reg: bigint, info: MmioInfo, offmask: number): bigint {
  return (reg >> BigInt(8 * (info.gpa & offmask))) & mask(info.size);
}

/** `vreg_reg_update`: replace the accessed bytes. */
export function vregUpdate(reg: bigint, val: bigint, info: MmioInfo, offmask: number): bigint {
  const sh = BigInt(8 * (info.gpa & offmask));
  const m = mask(info.size);
  const width = offmask === 7 ? 0xffffffffffffffffn : 0xffffffffn;
  return ((reg & ~(m << sh)) | ((val & m) << sh)) & width;
}

/** `vreg_reg_setbits`. */
export function vregSetbits(reg: bigint, bits: bigint, info: MmioInfo, offmask: number): bigint {
  const width = offmask === 7 ? 0xffffffffffffffffn : 0xffffffffn;
  return (reg | ((bits & mask(info.size)) << BigInt(8 * (info.gpa & offmask)))) & width;
}

/** `vreg_reg_clearbits`. */
export function vregClearbits(reg: bigint, bits: bigint, info: MmioInfo, offmask: number): bigint {
  return reg & ~((bits & mask(info.size)) << BigInt(8 * (info.gpa & offmask)));
}
