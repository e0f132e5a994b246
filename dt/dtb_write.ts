/**
 * DTB writer byte-identical to `dtc -O dtb` (dtc 1.6.1 `flattree.c` `dt_to_blob`): the header
 * (40 bytes for v17), the reserve map at `ALIGN(header, 8)` (40) with the tree's entries, `-R`
 * extra empty entries and the terminator, the structure block right after it, the strings block
 * right after that, and no padding unless `-p`/`-S`/`-a` ask for it.
 *
 * Strings table (`stringtable_insert`): property names in first-use order of the depth-first
 * walk (a node's properties, then its children); a name equal to a suffix of an earlier name
 * reuses it at the lowest offset where it occurs. Versions 1–3 (`-V`) write full-path node
 * names, a `name` property per node and 8-byte aligned values of 8 bytes or more, as dtc does.
 *
 * The tree is written as it is: phandle allocation, path-reference expansion and the other
 * tree-changing checks are the DTS compiler's job, before this runs. `boot_cpuid_phys` comes
 * from {@link DeviceTree.bootCpuidPhys} (a DTS compile sets it with {@link guessBootCpuid}, as
 * dtc's parser does), unless `bootCpuidPhys` (`-b`) overrides it.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_PROP,
  FDT_V17_SIZE,
  FDT_V1_SIZE,
  FDT_V2_SIZE,
  FDT_V3_SIZE,
} from "./dtb_read.ts";
import type { DeviceTree, Node, Property, ReserveEntry } from "./tree.ts";

/** Options for {@link writeDtb}, named after dtc's command-line flags. */
export interface WriteDtbOptions {
  /** `-V`: blob version, 1, 2, 3, 16 or 17 (default 17). */
  version?: number;
  /** `-R`: extra empty reserve-map entries (default 0). */
  reserveExtra?: number;
  /** `-p`: pad the blob with this many zero bytes (overrides `minSize`). */
  padSize?: number;
  /** `-S`: pad the blob to at least this many bytes. */
  minSize?: number;
  /** `-a`: pad the blob to a multiple of this power of two (after `-p`/`-S`). */
  align?: number;
  /** `-b`: override `boot_cpuid_phys`. */
  bootCpuidPhys?: number;
  /** `-s`: sort reserve entries, properties and nodes, as `dtc -s` does. */
  sort?: boolean;
  /** Receives dtc's stderr warnings (`Warning: blob size N >= minimum size M`). */
  onWarning?: (message: string) => void;
}

interface VersionInfo {
  version: number;
  lastComp: number;
  hdrSize: number;
  fullPath: boolean;
  varAlign: boolean;
  nameProps: boolean;
  bootCpuid: boolean;
  strTabSize: boolean;
  structSize: boolean;
}

// dtc flattree.c version_table.
const VERSIONS: VersionInfo[] = [
  v(1, 1, FDT_V1_SIZE, true, false, false, false),
  v(2, 1, FDT_V2_SIZE, true, true, false, false),
  v(3, 1, FDT_V3_SIZE, true, true, true, false),
  v(16, 16, FDT_V3_SIZE, false, true, true, false),
  v(17, 16, FDT_V17_SIZE, false, true, true, true),
];

function v(
  version: number,
  lastComp: number,
  hdrSize: number,
  old: boolean,
  bootCpuid: boolean,
  strTabSize: boolean,
  structSize: boolean,
): VersionInfo {
  return {
    version,
    lastComp,
    hdrSize,
    fullPath: old,
    varAlign: old,
    nameProps: old,
    bootCpuid,
    strTabSize,
    structSize,
  };
}

/** A growable big-endian byte buffer; bytes past `len` are always zero (append-only). */
class Sink {
  buf: Uint8Array;
  len = 0;

  constructor(cap: number) {
    this.buf = new Uint8Array(Math.max(cap, 64));
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  u32(x: number): void {
    this.ensure(4);
    const b = this.buf, o = this.len;
    b[o] = x >>> 24;
    b[o + 1] = x >>> 16;
    b[o + 2] = x >>> 8;
    b[o + 3] = x;
    this.len = o + 4;
  }

  str(s: string): void {
    // The string and its NUL.
    this.ensure(s.length + 1);
    const b = this.buf;
    let o = this.len;
    for (let i = 0; i < s.length; i++) b[o++] = s.charCodeAt(i);
    b[o++] = 0;
    this.len = o;
  }

  bytes(d: Uint8Array): void {
    this.ensure(d.length);
    this.buf.set(d, this.len);
    this.len += d.length;
  }

  align(a: number): void {
    const n = (a - (this.len % a)) % a;
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
}

/**
 * dtc's strings table: `insert` returns the offset of the first occurrence of `name\0` in the
 * table, appending the name when it does not occur (`stringtable_insert`). A match can only end
 * at a NUL, so it is always a suffix of exactly one earlier string: the first string (lowest
 * offset) that ends with `name` gives dtc's answer. Each distinct name is looked up once.
 */
export class StringTable {
  private readonly sink = new Sink(256);
  private readonly offsets = new Map<string, number>();
  private readonly strs: string[] = [];
  private readonly starts: number[] = [];

  /** The offset of `name` in the table, adding it when needed (`stringtable_insert`). */
  insert(name: string): number {
    const hit = this.offsets.get(name);
    if (hit !== undefined) return hit;
    let off = -1;
    for (let i = 0; i < this.strs.length; i++) {
      const s = this.strs[i];
      if (s.length >= name.length && s.endsWith(name)) {
        off = this.starts[i] + s.length - name.length;
        break;
      }
    }
    if (off < 0) {
      off = this.sink.len;
      this.sink.str(name);
      this.strs.push(name);
      this.starts.push(off);
    }
    this.offsets.set(name, off);
    return off;
  }

  /** The table as bytes. */
  bytes(): Uint8Array {
    return this.sink.buf.subarray(0, this.sink.len);
  }
}

function byName<T extends { name: string }>(list: readonly T[]): T[] {
  return list.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function sortReserves(r: readonly ReserveEntry[]): ReserveEntry[] {
  return r.slice().sort((a, b) =>
    a.address < b.address
      ? -1
      : a.address > b.address
      ? 1
      : a.size < b.size
      ? -1
      : a.size > b.size
      ? 1
      : 0
  );
}

/**
 * dtc's `guess_boot_cpuid`: the `reg` of the first child of `/cpus` when it is exactly one
 * cell, else 0. dtc's parser stores this in the tree it builds from DTS source.
 */
export function guessBootCpuid(tree: DeviceTree): number {
  const cpus = tree.root.children.find((c) => c.name === "cpus");
  const boot = cpus?.children[0];
  const reg = boot?.prop("reg");
  return reg && reg.length === 4 ? reg.u32() : 0;
}

/**
 * Write `tree` as a flattened device tree, byte-identical to `dtc -I dts -O dtb` (with the
 * given dtc flags) for the same tree.
 *
 * @throws {InputError} for an unknown version or an `align` that is not a power of two
 *
 * @example
 * ```ts
 * import { writeDtb } from "./dtb_write.ts";
 * import { DeviceTree, Property, u32Bytes } from "./tree.ts";
 * const t = new DeviceTree();
 * t.root.props.push(new Property("#address-cells", u32Bytes([2])));
 * const blob = writeDtb(t);
 * console.assert(blob.length === 40 + 16 + 8 + 16 + 4 + 4 + 15);
 * ```
 */
export function writeDtb(tree: DeviceTree, opts: WriteDtbOptions = {}): Uint8Array {
  const vi = VERSIONS.find((x) => x.version === (opts.version ?? 17));
  if (!vi) throw new InputError("", `Unknown device tree blob version ${opts.version}`);
  const align = opts.align ?? 0;
  if (align < 0 || (align & (align - 1)) !== 0) {
    throw new InputError("", `Invalid argument "${align}" to -a option`);
  }
  const sort = opts.sort ?? false;

  const dt = new Sink(16384);
  const strtab = new StringTable();

  // flatten_tree(), iteratively (trees read from hostile blobs may be deep).
  type Frame = { node: Node; path: string };
  const emitNode = (node: Node, path: string): void => {
    dt.u32(FDT_BEGIN_NODE);
    dt.str(vi.fullPath ? path : node.name);
    dt.align(4);
    let seenName = false;
    const props: readonly Property[] = sort ? byName(node.props) : node.props;
    for (let i = 0; i < props.length; i++) {
      const p = props[i];
      if (p.deleted) continue;
      const name = p.name;
      if (name === "name") seenName = true;
      const nameoff = strtab.insert(name);
      const len = p.length;
      dt.ensure(12 + 4 + len + 7);
      const b = dt.buf;
      let o = dt.len;
      // FDT_PROP, len, nameoff; the buffer only grows, so padding bytes are already zero.
      b[o + 3] = FDT_PROP;
      b[o + 4] = len >>> 24;
      b[o + 5] = len >>> 16;
      b[o + 6] = len >>> 8;
      b[o + 7] = len;
      b[o + 8] = nameoff >>> 24;
      b[o + 9] = nameoff >>> 16;
      b[o + 10] = nameoff >>> 8;
      b[o + 11] = nameoff;
      o += 12;
      if (vi.varAlign && len >= 8) o = (o + 7) & ~7;
      p.copyValueTo(b, o);
      dt.len = (o + len + 3) & ~3;
    }
    if (vi.nameProps && !seenName) {
      const base = node.baseName;
      dt.u32(FDT_PROP);
      dt.u32(base.length + 1);
      dt.u32(strtab.insert("name"));
      if (vi.varAlign && base.length + 1 >= 8) dt.align(8);
      dt.str(base);
      dt.align(4);
    }
  };
  const stack: (Frame | null)[] = [{ node: tree.root, path: "/" }];
  while (stack.length) {
    const f = stack.pop();
    if (f === null) {
      dt.u32(FDT_END_NODE);
      continue;
    }
    const { node, path } = f!;
    if (node.deleted) continue;
    emitNode(node, path);
    stack.push(null);
    const kids = sort ? byName(node.children) : node.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      const c = kids[i];
      stack.push({ node: c, path: vi.fullPath ? (path === "/" ? "/" : path + "/") + c.name : "" });
    }
  }
  dt.u32(FDT_END);

  // flatten_reserve_list() + make_fdt_header().
  const reserves = sort ? sortReserves(tree.reserves) : tree.reserves;
  const reserveSize = (reserves.length + (opts.reserveExtra ?? 0) + 1) * 16;
  const reserveOff = (vi.hdrSize + 7) & ~7;
  const strings = strtab.bytes();
  const offStruct = reserveOff + reserveSize;
  const offStrings = offStruct + dt.len;
  let total = offStrings + strings.length;

  let padlen = 0;
  const minSize = opts.minSize ?? 0;
  if (minSize > 0) {
    padlen = minSize - total;
    if (padlen < 0) {
      padlen = 0;
      opts.onWarning?.(`Warning: blob size ${total} >= minimum size ${minSize}`);
    }
  }
  if ((opts.padSize ?? 0) > 0) padlen = opts.padSize!;
  if (align > 0) padlen = (((total + padlen + align - 1) & ~(align - 1)) >>> 0) - total;
  total += padlen;

  const out = new Uint8Array(total);
  const put = (o: number, x: number) => {
    out[o] = x >>> 24;
    out[o + 1] = x >>> 16;
    out[o + 2] = x >>> 8;
    out[o + 3] = x;
  };
  put(0, FDT_MAGIC);
  put(4, total);
  put(8, offStruct);
  put(12, offStrings);
  put(16, reserveOff);
  put(20, vi.version);
  put(24, vi.lastComp);
  if (vi.bootCpuid) put(28, (opts.bootCpuidPhys ?? tree.bootCpuidPhys) >>> 0);
  if (vi.strTabSize) put(32, strings.length);
  if (vi.structSize) put(36, dt.len);
  let o = reserveOff;
  for (const r of reserves) {
    const a = BigInt.asUintN(64, r.address), s = BigInt.asUintN(64, r.size);
    put(o, Number(a >> 32n));
    put(o + 4, Number(a & 0xffffffffn));
    put(o + 8, Number(s >> 32n));
    put(o + 12, Number(s & 0xffffffffn));
    o += 16;
  }
  out.set(dt.buf.subarray(0, dt.len), offStruct);
  out.set(strings, offStrings);
  return out;
}
