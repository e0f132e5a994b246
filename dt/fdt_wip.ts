/**
 * libfdt's in-place edits of a finished blob (`fdt_wip.c`) and the few read-only lookups they
 * need (`fdt.c` `fdt_next_tag`, `fdt_ro.c` `fdt_path_offset`/`fdt_getprop`). Xen 4.17 uses them to
 * patch the `linux,initrd-start/end` placeholders of dom0's tree (`initrd_load` in
 * `xen/arch/arm/domain_build.c`: `fdt_path_offset(fdt, "/chosen")` then
 * `fdt_setprop_inplace`); Linux uses `fdt_nop_property` to wipe `rng-seed` after reading it.
 *
 * As in libfdt, node offsets are offsets into the structure block (the root is 0) and failures
 * are negative `-FDT_ERR_*` codes (see `fdt_sw.ts`); nothing throws and nothing reads outside
 * the blob.
 *
 * @module
 */

import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAGIC, FDT_NOP, FDT_PROP } from "./dtb_read.ts";
import {
  FDT_ERR_BADMAGIC,
  FDT_ERR_BADOFFSET,
  FDT_ERR_BADPATH,
  FDT_ERR_BADSTRUCTURE,
  FDT_ERR_NOSPACE,
  FDT_ERR_NOTFOUND,
  FDT_ERR_TRUNCATED,
} from "./fdt_sw.ts";

function get(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function put(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

interface Layout {
  off: number;
  size: number;
  strOff: number;
  strSize: number;
}

function layout(fdt: Uint8Array): Layout | number {
  if (fdt.length < 40 || get(fdt, 0) !== FDT_MAGIC) return -FDT_ERR_BADMAGIC;
  const total = Math.min(get(fdt, 4), fdt.length);
  const off = get(fdt, 8);
  const version = get(fdt, 20);
  const size = version >= 17 ? get(fdt, 36) : total - off;
  const strOff = get(fdt, 12);
  const strSize = version >= 3 ? get(fdt, 32) : total - strOff;
  if (off + size > total || strOff + strSize > total) return -FDT_ERR_TRUNCATED;
  return { off, size, strOff, strSize };
}

/**
 * `fdt_next_tag`: the tag at structure offset `offset` and the offset of the next tag
 * (`[tag, next]`); `next` is a negative error when the tag runs past the structure block.
 */
export function fdt_next_tag(fdt: Uint8Array, offset: number): [number, number] {
  const l = layout(fdt);
  if (typeof l === "number") return [FDT_END, l];
  return nextTag(fdt, l, offset);
}

function nextTag(fdt: Uint8Array, l: Layout, offset: number): [number, number] {
  if (offset < 0 || offset % 4 || offset + 4 > l.size) return [FDT_END, -FDT_ERR_TRUNCATED];
  const base = l.off;
  const tag = get(fdt, base + offset);
  let o = offset + 4;
  switch (tag) {
    case FDT_BEGIN_NODE: {
      let e = base + o;
      const lim = base + l.size;
      while (e < lim && fdt[e] !== 0) e++;
      if (e >= lim) return [FDT_END, -FDT_ERR_TRUNCATED];
      o = e - base + 1;
      break;
    }
    case FDT_PROP: {
      if (o + 8 > l.size) return [FDT_END, -FDT_ERR_TRUNCATED];
      const len = get(fdt, base + o);
      if (len > l.size - o - 8) return [FDT_END, -FDT_ERR_TRUNCATED];
      o += 8 + len;
      break;
    }
    case FDT_END:
    case FDT_END_NODE:
    case FDT_NOP:
      break;
    default:
      return [FDT_END, -FDT_ERR_BADSTRUCTURE];
  }
  o = (o + 3) & ~3;
  if (o > l.size) return [FDT_END, -FDT_ERR_TRUNCATED];
  return [tag, o];
}

function nodeName(fdt: Uint8Array, l: Layout, node: number): string {
  let s = "";
  for (let i = l.off + node + 4; fdt[i] !== 0; i++) s += String.fromCharCode(fdt[i]);
  return s;
}

/** `fdt_subnode_offset`: the child of `parent` named `name` (exact, or `name@…` if no `@`). */
export function fdt_subnode_offset(fdt: Uint8Array, parent: number, name: string): number {
  const l = layout(fdt);
  if (typeof l === "number") return l;
  return subnode(fdt, l, parent, name);
}

function subnode(fdt: Uint8Array, l: Layout, parent: number, name: string): number {
  let [tag, o] = nextTag(fdt, l, parent);
  if (tag !== FDT_BEGIN_NODE) return o < 0 ? o : -FDT_ERR_BADOFFSET;
  let depth = 1;
  for (;;) {
    const at = o;
    [tag, o] = nextTag(fdt, l, at);
    if (o < 0) return o;
    if (tag === FDT_BEGIN_NODE) {
      depth++;
      if (depth === 2) {
        const n = nodeName(fdt, l, at);
        // fdt_nodename_eq_: exact, or the name up to '@' when `name` has no unit address.
        if (n === name || (!name.includes("@") && n.startsWith(name + "@"))) return at;
      }
    } else if (tag === FDT_END_NODE) {
      depth--;
      if (depth === 0) return -FDT_ERR_NOTFOUND;
    } else if (tag === FDT_END) {
      return -FDT_ERR_BADSTRUCTURE;
    }
  }
}

/**
 * `fdt_path_offset`: the structure offset of the node at absolute `path` (`/chosen`), or an
 * alias name followed by an optional path (resolved through `/aliases`).
 */
export function fdt_path_offset(fdt: Uint8Array, path: string): number {
  const l = layout(fdt);
  if (typeof l === "number") return l;
  let node = 0;
  let rest = path;
  if (!path.startsWith("/")) {
    const slash = path.indexOf("/");
    const alias = slash < 0 ? path : path.slice(0, slash);
    const aliases = subnode(fdt, l, 0, "aliases");
    if (aliases < 0) return -FDT_ERR_BADPATH;
    const v = getprop(fdt, l, aliases, alias);
    if (typeof v === "number") return -FDT_ERR_BADPATH;
    let target = "";
    for (let i = v.offset; i < v.offset + v.len && fdt[i] !== 0; i++) {
      target += String.fromCharCode(fdt[i]);
    }
    if (!target.startsWith("/")) return -FDT_ERR_BADPATH;
    node = fdt_path_offset(fdt, target);
    if (node < 0) return node;
    rest = slash < 0 ? "" : path.slice(slash);
  }
  for (const part of rest.split("/")) {
    if (part === "") continue;
    node = subnode(fdt, l, node, part);
    if (node < 0) return node;
  }
  return node;
}

/** A property found by {@link fdt_get_property}: offsets are absolute in the blob. */
export interface FdtPropertyRef {
  /** Absolute offset of the FDT_PROP token. */
  tokenOffset: number;
  /** Absolute offset of the value. */
  offset: number;
  /** Value length in bytes. */
  len: number;
}

function getprop(
  fdt: Uint8Array,
  l: Layout,
  node: number,
  name: string,
): FdtPropertyRef | number {
  let [tag, o] = nextTag(fdt, l, node);
  if (tag !== FDT_BEGIN_NODE) return o < 0 ? o : -FDT_ERR_BADOFFSET;
  for (;;) {
    const at = o;
    [tag, o] = nextTag(fdt, l, at);
    if (o < 0) return o;
    if (tag === FDT_NOP) continue;
    if (tag !== FDT_PROP) return -FDT_ERR_NOTFOUND;
    const abs = l.off + at;
    const nameoff = get(fdt, abs + 8);
    if (nameoff >= l.strSize) return -FDT_ERR_BADSTRUCTURE;
    let i = l.strOff + nameoff, j = 0;
    const lim = l.strOff + l.strSize;
    while (j < name.length && i < lim && fdt[i] === name.charCodeAt(j)) i++, j++;
    if (j === name.length && i < lim && fdt[i] === 0) {
      return { tokenOffset: abs, offset: abs + 12, len: get(fdt, abs + 4) };
    }
  }
}

/** `fdt_get_property`: the property `name` of `node`, or a negative `-FDT_ERR_*`. */
export function fdt_get_property(
  fdt: Uint8Array,
  node: number,
  name: string,
): FdtPropertyRef | number {
  const l = layout(fdt);
  if (typeof l === "number") return l;
  return getprop(fdt, l, node, name);
}

/** `fdt_getprop`: the value bytes of property `name` of `node` (a view), or a negative error. */
export function fdt_getprop(fdt: Uint8Array, node: number, name: string): Uint8Array | number {
  const p = fdt_get_property(fdt, node, name);
  if (typeof p === "number") return p;
  return fdt.subarray(p.offset, p.offset + p.len);
}

/**
 * `fdt_setprop_inplace`: overwrite the value of an existing property with `val` of the same
 * length. Returns 0, `-FDT_ERR_NOTFOUND`, or `-FDT_ERR_NOSPACE` when the lengths differ.
 */
export function fdt_setprop_inplace(
  fdt: Uint8Array,
  node: number,
  name: string,
  val: Uint8Array,
): number {
  const p = fdt_get_property(fdt, node, name);
  if (typeof p === "number") return p;
  if (p.len !== val.length) return -FDT_ERR_NOSPACE;
  fdt.set(val, p.offset);
  return 0;
}

/**
 * `fdt_nop_property`: replace the property record (12-byte header + value, rounded up to
 * words) with FDT_NOP words; the name stays in the strings block.
 */
export function fdt_nop_property(fdt: Uint8Array, node: number, name: string): number {
  const p = fdt_get_property(fdt, node, name);
  if (typeof p === "number") return p;
  const end = p.tokenOffset + 12 + p.len;
  for (let o = p.tokenOffset; o < end; o += 4) put(fdt, o, FDT_NOP);
  return 0;
}
