/**
 * The physical bus: address decode to device models, decode errors for unmapped addresses, and
 * physical-address helpers for the hypervisor (which writes page tables and images into
 * simulated memory directly, as Xen does through its own mappings).
 *
 * A load that decodes to no device gets DECERR, which the CPU reports as a synchronous external
 * abort (DFSC 0x10). A store's error is reported as an SError by default (writes are posted:
 * the core has retired the store before the response arrives), or synchronously when
 * `postedWriteErrors` is "sync" (ARM ARM DDI 0487 D-profile: whether an external abort on a
 * write is synchronous or asynchronous is IMPLEMENTATION DEFINED).
 *
 * @module
 */

import {
  type BusDevice,
  RESP_DECERR,
  RESP_OKAY,
  RESP_SLVERR,
  respName,
  sizeBit,
} from "./device.ts";
import { SparseMemory } from "./sparse_memory.ts";

/** A device attached at a base address. */
export interface BusRegion {
  /** Physical base address. */
  readonly base: number;
  /** One past the last byte. */
  readonly end: number;
  /** The device model. */
  readonly device: BusDevice;
  /** Index of the device on this bus (stable; used by counters). */
  readonly id: number;
}

/** Options of the bus. */
export interface BusOptions {
  /** How store errors (SLVERR/DECERR on a write) are reported: "serror" (default) or "sync". */
  postedWriteErrors?: "serror" | "sync";
}

/** Thrown by the physical helpers when an address has no device or the device refuses. */
export class BusError extends Error {
  /** The physical address. */
  readonly pa: number;
  /** The response (RESP_SLVERR or RESP_DECERR). */
  readonly resp: number;
  /** Make the error. */
  constructor(pa: number, resp: number, what: string) {
    super(`${what} at physical address 0x${pa.toString(16)}: ${respName(resp)}`);
    this.name = "BusError";
    this.pa = pa;
    this.resp = resp;
  }
}

/** The physical address space. */
export class Bus {
  /** Options. */
  readonly options: Required<BusOptions>;
  /** Attached regions sorted by base. */
  private regions: BusRegion[] = [];
  private byId: BusRegion[] = [];
  private bases: Float64Array = new Float64Array(0);
  private lastHit: BusRegion | null = null;
  /** Low word of the last {@link readWalk64}. */
  walkLo = 0;
  /** High word of the last {@link readWalk64}. */
  walkHi = 0;
  /** Device id of the region the last {@link readWalk64} read (−1 on a decode error). */
  walkDev: number = -1;
  /** Index of the CPU making the current access (for per-CPU banked registers). */
  currentCpu = 0;
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);

  /** Make an empty bus. */
  constructor(opts: BusOptions = {}) {
    this.options = { postedWriteErrors: opts.postedWriteErrors ?? "serror" };
  }

  /** Attach `device` at `base`; returns its region. Overlapping regions are refused. */
  attach(base: number, device: BusDevice): BusRegion {
    if (!Number.isSafeInteger(base) || base < 0 || base + device.size > 2 ** 52) {
      throw new RangeError(`bad base address 0x${base.toString(16)} for ${device.name}`);
    }
    const end = base + device.size;
    for (const r of this.regions) {
      if (base < r.end && r.base < end) {
        throw new RangeError(
          `${device.name} at 0x${base.toString(16)}-0x${
            (end - 1).toString(16)
          } overlaps ${r.device.name} at 0x${r.base.toString(16)}-0x${(r.end - 1).toString(16)}`,
        );
      }
    }
    const region: BusRegion = { base, end, device, id: this.byId.length };
    this.byId.push(region);
    this.regions = [...this.regions, region].sort((a, b) => a.base - b.base);
    this.bases = Float64Array.from(this.regions.map((r) => r.base));
    this.lastHit = null;
    return region;
  }

  /** Every attached region, by address. */
  list(): readonly BusRegion[] {
    return this.regions;
  }

  /** The region with device index `id`. */
  region(id: number): BusRegion {
    return this.byId[id];
  }

  /** Name and model of device `id` (a cost-model `DeviceNamer`). */
  describe(id: number): { name: string; model: string } {
    const d = this.byId[id]?.device;
    return d ? { name: d.name, model: d.model } : { name: `device ${id}`, model: "" };
  }

  /** Number of attached devices. */
  get deviceCount(): number {
    return this.byId.length;
  }

  /** The region containing `pa`, or null (decode error). */
  find(pa: number): BusRegion | null {
    const last = this.lastHit;
    if (last !== null && pa >= last.base && pa < last.end) return last;
    const b = this.bases;
    let lo = 0;
    let hi = b.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (b[mid] <= pa) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return null;
    const r = this.regions[hi];
    if (pa >= r.end) return null;
    this.lastHit = r;
    return r;
  }

  /**
   * One read transaction of `size` bytes: RESP_OKAY, RESP_SLVERR (size refused by the slave) or
   * RESP_DECERR (no slave, or the access runs past the device).
   */
  read(pa: number, size: number, dst: Uint8Array, dstOff: number): number {
    const r = this.find(pa);
    if (r === null || pa + size > r.end) return RESP_DECERR;
    if ((r.device.acceptSizes & sizeBit(size)) === 0) return RESP_SLVERR;
    return r.device.read(pa - r.base, size, dst, dstOff);
  }

  /** One write transaction; see {@link read}. */
  write(pa: number, size: number, src: Uint8Array, srcOff: number): number {
    const r = this.find(pa);
    if (r === null || pa + size > r.end) return RESP_DECERR;
    if ((r.device.acceptSizes & sizeBit(size)) === 0) return RESP_SLVERR;
    return r.device.write(pa - r.base, size, src, srcOff);
  }

  /**
   * Read the 8-byte descriptor at `pa` for a translation table walk into
   * {@link walkLo}/{@link walkHi}; returns a RESP_* code. RAM-backed tables take a fast path.
   */
  readWalk64(pa: number): number {
    const r = this.find(pa);
    if (r === null || pa + 8 > r.end) {
      this.walkDev = -1;
      return RESP_DECERR;
    }
    this.walkDev = r.id;
    const d = r.device.direct;
    const off = pa - r.base;
    if (d !== null && (off & 7) === 0) {
      const p = d.pageForRead(off);
      if (p === null) {
        this.walkLo = 0;
        this.walkHi = 0;
        return RESP_OKAY;
      }
      const o = off & 0xfff;
      this.walkLo = (p[o] | (p[o + 1] << 8) | (p[o + 2] << 16) | (p[o + 3] << 24)) >>> 0;
      this.walkHi = (p[o + 4] | (p[o + 5] << 8) | (p[o + 6] << 16) | (p[o + 7] << 24)) >>> 0;
      return RESP_OKAY;
    }
    const resp = this.read(pa, 8, this.scratch, 0);
    if (resp !== RESP_OKAY) return resp;
    this.walkLo = this.scratchView.getUint32(0, true);
    this.walkHi = this.scratchView.getUint32(4, true);
    return RESP_OKAY;
  }

  /** Write an 8-byte descriptor (hardware Access-flag update); returns a RESP_* code. */
  writeWalk64(pa: number, lo: number, hi: number): number {
    this.scratchView.setUint32(0, lo >>> 0, true);
    this.scratchView.setUint32(4, hi >>> 0, true);
    return this.write(pa, 8, this.scratch, 0);
  }

  // ---- physical helpers (throw BusError) ----

  /** The sparse memory behind a region, if it is RAM-like. */
  private memoryOf(r: BusRegion): SparseMemory | null {
    const d = r.device.direct;
    return d instanceof SparseMemory ? d : null;
  }

  /** Visit the device pieces covering [pa, pa+len); throws BusError on a hole. */
  private pieces(
    pa: number,
    len: number,
    what: string,
    fn: (r: BusRegion, off: number, n: number, done: number) => void,
  ): void {
    let p = pa;
    let left = len;
    let done = 0;
    while (left > 0) {
      const r = this.find(p);
      if (r === null) throw new BusError(p, RESP_DECERR, what);
      const n = Math.min(left, r.end - p);
      fn(r, p - r.base, n, done);
      p += n;
      done += n;
      left -= n;
    }
  }

  /** Copy `bytes` to physical address `pa` (bulk; RAM/SRAM directly, other devices bytewise). */
  writeBytes(pa: number, bytes: Uint8Array): void {
    this.pieces(pa, bytes.length, "write", (r, off, n, done) => {
      const m = this.memoryOf(r);
      if (m !== null) m.writeFrom(off, n, bytes, done);
      else {
        for (let i = 0; i < n; i++) {
          const resp = r.device.write(off + i, 1, bytes, done + i);
          if (resp !== RESP_OKAY) throw new BusError(r.base + off + i, resp, "write");
        }
      }
    });
  }

  /** Read `len` bytes at physical address `pa`. */
  readBytes(pa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.pieces(pa, len, "read", (r, off, n, done) => {
      const m = this.memoryOf(r);
      if (m !== null) m.readInto(off, n, out, done);
      else {
        for (let i = 0; i < n; i++) {
          const resp = r.device.read(off + i, 1, out, done + i);
          if (resp !== RESP_OKAY) throw new BusError(r.base + off + i, resp, "read");
        }
      }
    });
    return out;
  }

  /** Fill `len` bytes at `pa` with `value` (zeroing RAM frees its pages). */
  fill(pa: number, len: number, value = 0): void {
    this.pieces(pa, len, "write", (r, off, n) => {
      const m = this.memoryOf(r);
      if (m !== null) m.fill(off, n, value);
      else {
        const b = new Uint8Array([value & 0xff]);
        for (let i = 0; i < n; i++) {
          const resp = r.device.write(off + i, 1, b, 0);
          if (resp !== RESP_OKAY) throw new BusError(r.base + off + i, resp, "write");
        }
      }
    });
  }

  /**
   * Copy `len` bytes from physical `src` to physical `dst` (memmove semantics). Memory-to-memory
   * copies move whole pages and skip untouched ones, so copying a 32 MiB module is cheap.
   */
  copy(dst: number, src: number, len: number): void {
    const rs = this.find(src);
    const rd = this.find(dst);
    if (
      rs !== null && rd !== null && src + len <= rs.end && dst + len <= rd.end &&
      this.memoryOf(rs) !== null && this.memoryOf(rd) !== null
    ) {
      this.memoryOf(rd)!.copyFrom(this.memoryOf(rs)!, src - rs.base, dst - rd.base, len);
      return;
    }
    this.writeBytes(dst, this.readBytes(src, len));
  }

  /** Little-endian 32-bit physical read. */
  read32(pa: number): number {
    const r = this.read(pa, 4, this.scratch, 0);
    if (r !== RESP_OKAY) throw new BusError(pa, r, "read");
    return this.scratchView.getUint32(0, true);
  }

  /** Little-endian 32-bit physical write. */
  write32(pa: number, v: number): void {
    this.scratchView.setUint32(0, v >>> 0, true);
    const r = this.write(pa, 4, this.scratch, 0);
    if (r !== RESP_OKAY) throw new BusError(pa, r, "write");
  }

  /** Little-endian 64-bit physical read. */
  read64(pa: number): bigint {
    const r = this.read(pa, 8, this.scratch, 0);
    if (r !== RESP_OKAY) throw new BusError(pa, r, "read");
    return this.scratchView.getBigUint64(0, true);
  }

  /** Little-endian 64-bit physical write (e.g. a page-table descriptor). */
  write64(pa: number, v: bigint): void {
    this.scratchView.setBigUint64(0, BigInt.asUintN(64, v), true);
    const r = this.write(pa, 8, this.scratch, 0);
    if (r !== RESP_OKAY) throw new BusError(pa, r, "write");
  }
}
