/**
 * The sequential-write FDT interface domain_build emits dom0's tree through: libfdt's
 * `fdt_create` / `fdt_finish_reservemap` / `fdt_begin_node` / `fdt_property*` / `fdt_end_node`
 * / `fdt_finish` from `dt/fdt_sw.ts` (libfdt's layout and space accounting), on a buffer of Xen's
 * size, so a tree that does not fit `fdt_totalsize(host) + DOM0_FDT_EXTRA_SIZE` fails where
 * Xen's does (`-FDT_ERR_NOSPACE`).
 *
 * @module
 */

import {
  fdt_begin_node,
  fdt_create,
  fdt_end_node,
  fdt_finish,
  fdt_finish_reservemap,
  fdt_property,
  fdt_property_cell,
  fdt_property_string,
  fdt_totalsize,
} from "../dt/fdt_sw.ts";

/** The writer interface (a negative libfdt error from each call, 0 on success). */
export interface FdtWriter {
  /** `fdt_begin_node(name)`. */
  beginNode(name: string): number;
  /** `fdt_end_node()`. */
  endNode(): number;
  /** `fdt_property(name, value)`. */
  property(name: string, value: Uint8Array): number;
  /** `fdt_property_cell(name, v)`. */
  propertyU32(name: string, v: number): number;
  /** `fdt_property_string(name, s)` (NUL-terminated). */
  propertyString(name: string, s: string): number;
  /** `fdt_finish()`: the finished blob, or a negative error. */
  finish(): Uint8Array | number;
}

/**
 * libfdt's sequential-write mode into a buffer of `bufsize` bytes (`fdt_create` +
 * `fdt_finish_reservemap`, as `prepare_dtb_hwdom` does).
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

  /** Create the tree in a fresh buffer. */
  constructor(bufsize: number) {
    this.buf = new Uint8Array(bufsize);
    const rc = fdt_create(this.buf, bufsize);
    if (rc < 0) throw new RangeError(`fdt_create: ${rc}`);
    fdt_finish_reservemap(this.buf);
  }

  /** @inheritdoc */
  beginNode(name: string): number {
    return fdt_begin_node(this.buf, name);
  }

  /** @inheritdoc */
  endNode(): number {
    return fdt_end_node(this.buf);
  }

  /** @inheritdoc */
  property(name: string, value: Uint8Array): number {
    return fdt_property(this.buf, name, value);
  }

  /** @inheritdoc */
  propertyU32(name: string, v: number): number {
    return fdt_property_cell(this.buf, name, v);
  }

  /** @inheritdoc */
  propertyString(name: string, s: string): number {
    return fdt_property_string(this.buf, name, s);
  }

  /** @inheritdoc */
  finish(): Uint8Array | number {
    const rc = fdt_finish(this.buf);
    if (rc < 0) return rc;
    return this.buf.slice(0, fdt_totalsize(this.buf));
  }
}
