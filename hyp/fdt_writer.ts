/**
 * The sequential-write FDT interface domain_build uses to emit dom0's tree (libfdt `fdt_sw.c`:
 * `fdt_create`, `fdt_finish_reservemap`, `fdt_begin_node`, `fdt_property`, `fdt_end_node`,
 * `fdt_finish`), with libfdt's layout and its space accounting, so that a tree that does not fit
 * Xen's buffer (`fdt_totalsize(host) + DOM0_FDT_EXTRA_SIZE`) fails where Xen's does
 * (`-FDT_ERR_NOSPACE`).
 *
 * Layout (the golden `dom0.dtb` files): header at 0, reserve map at 0x30 (header size 40 rounded
 * up to 16), the structure block right after the single terminating reserve entry, the strings
 * block growing down from the end of the buffer while writing — each new name in front of the
 * older ones, a name found anywhere in the block (also as a suffix) reused — then moved right
 * after `FDT_END` by `fdt_finish`, with `totalsize` = end of the strings.
 *
 * @module
 */

/** `FDT_ERR_NOSPACE`. */
export const FDT_ERR_NOSPACE = 3;
/** `FDT_ERR_NOTFOUND`. */
export const FDT_ERR_NOTFOUND = 1;

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_END = 9;
const HEADER_SIZE = 40;
const RSV_ENTRY = 16;

/** The writer interface (a negative libfdt error from each call, 0 on success). */
export interface FdtWriter {
  /** `fdt_begin_node(name)`. */
  beginNode(name: string): number;
  /** `fdt_end_node()`. */
  endNode(): number;
  /** `fdt_property(name, value)`. */
  property(name: string, value: Uint8Array): number;
  /** `fdt_property_cell(name, v)` / `fdt_property_u32`. */
  propertyU32(name: string, v: number): number;
  /** `fdt_property_string(name, s)` (NUL-terminated). */
  propertyString(name: string, s: string): number;
  /** Structure-block offset of the value of the last property written (for in-place patches). */
  lastValueOffset(): number;
  /** `fdt_finish()`: the finished blob, or a negative error. */
  finish(): Uint8Array | number;
}

const enc = new TextEncoder();

function latin1(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/**
 * libfdt's sequential-write mode into a fixed-size buffer.
 *
 * @example
 * ```ts
 * import { LibfdtSw } from "./fdt_writer.ts";
 * const w = new LibfdtSw(256);
 * w.beginNode(""); w.propertyString("model", "x"); w.endNode();
 * const blob = w.finish() as Uint8Array;
 * console.assert(new DataView(blob.buffer).getUint32(0) === 0xd00dfeed);
 * ```
 */
export class LibfdtSw implements FdtWriter {
  private readonly buf: Uint8Array;
  private readonly dv: DataView;
  private readonly size: number;
  private readonly offStruct: number;
  private sizeStruct = 0;
  private sizeStrings = 0;
  private lastVal = -1;
  private finished = false;
  /** Structure offsets of every FDT_PROP nameoff field, fixed up by finish(). */
  private readonly nameoffs: number[] = [];

  /** `fdt_create(buf, bufsize)` + `fdt_finish_reservemap`. */
  constructor(bufsize: number) {
    this.size = bufsize;
    this.buf = new Uint8Array(bufsize);
    this.dv = new DataView(this.buf.buffer);
    const rsv = Math.ceil(HEADER_SIZE / RSV_ENTRY) * RSV_ENTRY;
    this.offStruct = rsv + RSV_ENTRY; // one zero terminator entry
    if (this.offStruct > bufsize) throw new RangeError("fdt_create: buffer too small");
  }

  private grab(len: number): number {
    const off = this.sizeStruct;
    const spaceleft = this.size - this.offStruct - this.sizeStrings;
    if (off + len > spaceleft) return -1;
    this.sizeStruct = off + len;
    return this.offStruct + off;
  }

  private findString(s: Uint8Array): number {
    const len = s.length + 1;
    const start = this.size - this.sizeStrings;
    const last = this.size - len;
    outer: for (let p = start; p <= last; p++) {
      for (let i = 0; i < s.length; i++) if (this.buf[p + i] !== s[i]) continue outer;
      if (this.buf[p + s.length] !== 0) continue;
      return p - this.size; // negative offset from the end
    }
    return 0;
  }

  private addString(s: Uint8Array): number {
    const len = s.length + 1;
    const offset = this.sizeStrings + len;
    const structTop = this.offStruct + this.sizeStruct;
    if (this.size - offset < structTop) return 0;
    this.buf.set(s, this.size - offset);
    this.buf[this.size - offset + s.length] = 0;
    this.sizeStrings += len;
    return -offset;
  }

  /** @inheritdoc */
  beginNode(name: string): number {
    const n = latin1(name);
    const len = 4 + ((n.length + 1 + 3) & ~3);
    const at = this.grab(len);
    if (at < 0) return -FDT_ERR_NOSPACE;
    this.dv.setUint32(at, FDT_BEGIN_NODE);
    this.buf.set(n, at + 4);
    this.buf.fill(0, at + 4 + n.length, at + len);
    return 0;
  }

  /** @inheritdoc */
  endNode(): number {
    const at = this.grab(4);
    if (at < 0) return -FDT_ERR_NOSPACE;
    this.dv.setUint32(at, FDT_END_NODE);
    return 0;
  }

  /** @inheritdoc */
  property(name: string, value: Uint8Array): number {
    const n = latin1(name);
    let allocated = false;
    let nameoff = this.findString(n);
    if (nameoff === 0) {
      allocated = true;
      nameoff = this.addString(n);
    }
    if (nameoff === 0) return -FDT_ERR_NOSPACE;
    const len = 12 + ((value.length + 3) & ~3);
    const at = this.grab(len);
    if (at < 0) {
      if (allocated) this.sizeStrings -= n.length + 1;
      return -FDT_ERR_NOSPACE;
    }
    this.dv.setUint32(at, FDT_PROP);
    this.dv.setUint32(at + 4, value.length);
    this.dv.setInt32(at + 8, nameoff);
    this.nameoffs.push(at + 8);
    this.buf.set(value, at + 12);
    this.buf.fill(0, at + 12 + value.length, at + len);
    this.lastVal = at + 12;
    return 0;
  }

  /** @inheritdoc */
  propertyU32(name: string, v: number): number {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0);
    return this.property(name, b);
  }

  /** @inheritdoc */
  propertyString(name: string, s: string): number {
    const b = enc.encode(s);
    const v = new Uint8Array(b.length + 1);
    v.set(b);
    return this.property(name, v);
  }

  /** @inheritdoc */
  lastValueOffset(): number {
    return this.lastVal;
  }

  /** @inheritdoc */
  finish(): Uint8Array | number {
    if (this.finished) return -FDT_ERR_NOSPACE;
    const at = this.grab(4);
    if (at < 0) return -FDT_ERR_NOSPACE;
    this.dv.setUint32(at, FDT_END);
    const offStrings = this.offStruct + this.sizeStruct;
    const strings = this.buf.slice(this.size - this.sizeStrings, this.size);
    for (const o of this.nameoffs) {
      this.dv.setUint32(o, this.dv.getInt32(o) + this.sizeStrings);
    }
    const total = offStrings + this.sizeStrings;
    const out = new Uint8Array(total);
    out.set(this.buf.subarray(0, offStrings));
    out.set(strings, offStrings);
    const h = new DataView(out.buffer);
    h.setUint32(0, FDT_MAGIC);
    h.setUint32(4, total);
    h.setUint32(8, this.offStruct);
    h.setUint32(12, offStrings);
    h.setUint32(16, this.offStruct - RSV_ENTRY);
    h.setUint32(20, 17);
    h.setUint32(24, 16);
    h.setUint32(28, 0);
    h.setUint32(32, this.sizeStrings);
    h.setUint32(36, this.sizeStruct);
    this.finished = true;
    return out;
  }
}
