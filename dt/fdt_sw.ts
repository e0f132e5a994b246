/**
 * libfdt's sequential-write API (`fdt_sw.c`), as Xen 4.17 uses it to build dom0's device tree
 * (`xen/common/libfdt/fdt_sw.c`, tag RELEASE-4.17.7; `prepare_dtb_hwdom` in
 * `xen/arch/arm/domain_build.c`). The state lives in the buffer itself, exactly as in libfdt:
 * while a tree is being written the header carries `FDT_SW_MAGIC`, the structure block grows up
 * from `off_dt_struct` and the strings block grows *down* from the end of the buffer; each new
 * property name is placed in front of the earlier ones, so the finished strings block is newest
 * first. `fdt_finish` appends FDT_END, moves the strings block right after the structure block
 * and rebases every property's name offset. The byte layout is therefore libfdt's:
 * header aligned to 16 (reserve map at 0x30, structure block at 0x40 for an empty reserve map),
 * no padding after the strings block.
 *
 * Functions keep libfdt's names and return conventions: 0 (or a non-negative value) on success,
 * a negative `-FDT_ERR_*` code on failure; nothing throws. Running out of buffer space returns
 * `-FDT_ERR_NOSPACE`, which Xen turns into "Device tree generation failed (-3)." — see
 * {@link fdt_strerror}.
 *
 * @example
 * ```ts
 * import {
 *   fdt_begin_node, fdt_create, fdt_end_node, fdt_finish, fdt_finish_reservemap,
 *   fdt_property_cell, fdt_totalsize,
 * } from "./fdt_sw.ts";
 * const buf = new Uint8Array(256);
 * fdt_create(buf, buf.length);
 * fdt_finish_reservemap(buf);
 * fdt_begin_node(buf, "");
 * fdt_property_cell(buf, "#address-cells", 2);
 * fdt_end_node(buf);
 * console.assert(fdt_finish(buf) === 0);
 * const blob = buf.subarray(0, fdt_totalsize(buf));
 * console.assert(blob.length === 0x40 + 24 + 4 + 15);
 * ```
 *
 * @module
 */

import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAGIC, FDT_PROP } from "./dtb_read.ts";

/** `FDT_SW_MAGIC` (libfdt_internal.h): `~FDT_MAGIC`, marks a tree under construction. */
export const FDT_SW_MAGIC = ~FDT_MAGIC >>> 0;
/** libfdt error: the requested node or property does not exist. */
export const FDT_ERR_NOTFOUND = 1;
/** libfdt error: the node or property already exists. */
export const FDT_ERR_EXISTS = 2;
/** libfdt error: the buffer is too small for the operation. */
export const FDT_ERR_NOSPACE = 3;
/** libfdt error: a structure-block offset is not a valid tag offset. */
export const FDT_ERR_BADOFFSET = 4;
/** libfdt error: a badly formatted path. */
export const FDT_ERR_BADPATH = 5;
/** libfdt error: an invalid phandle. */
export const FDT_ERR_BADPHANDLE = 6;
/** libfdt error: the call is not allowed in the tree's current sequential-write state. */
export const FDT_ERR_BADSTATE = 7;
/** libfdt error: the structure block ends unexpectedly. */
export const FDT_ERR_TRUNCATED = 8;
/** libfdt error: no device-tree magic. */
export const FDT_ERR_BADMAGIC = 9;
/** libfdt error: unsupported version. */
export const FDT_ERR_BADVERSION = 10;
/** libfdt error: corrupt structure block. */
export const FDT_ERR_BADSTRUCTURE = 11;
/** libfdt error: blocks in an unsupported order. */
export const FDT_ERR_BADLAYOUT = 12;
/** libfdt error: an internal inconsistency. */
export const FDT_ERR_INTERNAL = 13;
/** libfdt error: bad `#address-cells`/`#size-cells`. */
export const FDT_ERR_BADNCELLS = 14;
/** libfdt error: unexpected property value. */
export const FDT_ERR_BADVALUE = 15;
/** libfdt error: malformed overlay. */
export const FDT_ERR_BADOVERLAY = 16;
/** libfdt error: no phandles left. */
export const FDT_ERR_NOPHANDLES = 17;
/** libfdt error: unknown flags for {@link fdt_create_with_flags}. */
export const FDT_ERR_BADFLAGS = 18;
/** `FDT_CREATE_FLAG_NO_NAME_DEDUP`: always append property names, never reuse them. */
export const FDT_CREATE_FLAG_NO_NAME_DEDUP = 0x1;

const FDT_CREATE_FLAGS_ALL = FDT_CREATE_FLAG_NO_NAME_DEDUP;
/** `FDT_LAST_SUPPORTED_VERSION`, written by `fdt_create`. */
const FDT_LAST_SUPPORTED_VERSION = 17;
/** `FDT_LAST_COMPATIBLE_VERSION`, written by `fdt_finish`. */
const FDT_LAST_COMPATIBLE_VERSION = 16;
/** `FDT_ALIGN(sizeof(struct fdt_header), sizeof(struct fdt_reserve_entry))` = ALIGN(40, 16). */
const SW_HDRSIZE = 48;

const ERRNAMES = [
  "",
  "FDT_ERR_NOTFOUND",
  "FDT_ERR_EXISTS",
  "FDT_ERR_NOSPACE",
  "FDT_ERR_BADOFFSET",
  "FDT_ERR_BADPATH",
  "FDT_ERR_BADPHANDLE",
  "FDT_ERR_BADSTATE",
  "FDT_ERR_TRUNCATED",
  "FDT_ERR_BADMAGIC",
  "FDT_ERR_BADVERSION",
  "FDT_ERR_BADSTRUCTURE",
  "FDT_ERR_BADLAYOUT",
  "FDT_ERR_INTERNAL",
  "FDT_ERR_BADNCELLS",
  "FDT_ERR_BADVALUE",
  "FDT_ERR_BADOVERLAY",
  "FDT_ERR_NOPHANDLES",
  "FDT_ERR_BADFLAGS",
];

/** libfdt's `fdt_strerror`: the error's macro name (`FDT_ERR_NOSPACE` for -3). */
export function fdt_strerror(errval: number): string {
  if (errval > 0) return "<valid offset/length>";
  if (errval === 0) return "<no error>";
  return ERRNAMES[-errval] ?? "<unknown error>";
}

// Header field offsets (struct fdt_header).
const H_MAGIC = 0, H_TOTALSIZE = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12, H_OFF_RSVMAP = 16;
const H_VERSION = 20, H_LAST_COMP = 24, H_SIZE_STRINGS = 32, H_SIZE_STRUCT = 36;

function get(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function put(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** The header's `totalsize` (during construction: the buffer size given to `fdt_create`). */
export function fdt_totalsize(fdt: Uint8Array): number {
  return get(fdt, H_TOTALSIZE);
}

/** The header's `size_dt_struct`. */
export function fdt_size_dt_struct(fdt: Uint8Array): number {
  return get(fdt, H_SIZE_STRUCT);
}

/** The header's `size_dt_strings`. */
export function fdt_size_dt_strings(fdt: Uint8Array): number {
  return get(fdt, H_SIZE_STRINGS);
}

/** The header's `off_dt_struct`. */
export function fdt_off_dt_struct(fdt: Uint8Array): number {
  return get(fdt, H_OFF_STRUCT);
}

/** The header's `off_dt_strings`. */
export function fdt_off_dt_strings(fdt: Uint8Array): number {
  return get(fdt, H_OFF_STRINGS);
}

function swProbe(fdt: Uint8Array): number {
  if (fdt.length < SW_HDRSIZE) return -FDT_ERR_BADMAGIC;
  const m = get(fdt, H_MAGIC);
  if (m === FDT_MAGIC) return -FDT_ERR_BADSTATE;
  if (m !== FDT_SW_MAGIC) return -FDT_ERR_BADMAGIC;
  return 0;
}

function swProbeMemrsv(fdt: Uint8Array): number {
  const err = swProbe(fdt);
  if (err) return err;
  return get(fdt, H_OFF_STRINGS) !== 0 ? -FDT_ERR_BADSTATE : 0;
}

function swProbeStruct(fdt: Uint8Array): number {
  const err = swProbe(fdt);
  if (err) return err;
  return get(fdt, H_OFF_STRINGS) !== get(fdt, H_TOTALSIZE) ? -FDT_ERR_BADSTATE : 0;
}

/** `fdt_grab_space_`: the absolute offset of `len` new struct bytes, or -1 when full. */
function grabSpace(fdt: Uint8Array, len: number): number {
  const offset = get(fdt, H_SIZE_STRUCT);
  const spaceleft = get(fdt, H_TOTALSIZE) - get(fdt, H_OFF_STRUCT) - get(fdt, H_SIZE_STRINGS);
  if (offset + len > spaceleft) return -1;
  put(fdt, H_SIZE_STRUCT, offset + len);
  return get(fdt, H_OFF_STRUCT) + offset;
}

/**
 * `fdt_create_with_flags`: zero `buf[0, bufsize)` and start a tree of `bufsize` bytes.
 * Returns 0, `-FDT_ERR_NOSPACE` (smaller than the 48-byte header) or `-FDT_ERR_BADFLAGS`.
 */
export function fdt_create_with_flags(buf: Uint8Array, bufsize: number, flags: number): number {
  if (bufsize < SW_HDRSIZE || bufsize > buf.length) return -FDT_ERR_NOSPACE;
  if (flags & ~FDT_CREATE_FLAGS_ALL) return -FDT_ERR_BADFLAGS;
  buf.fill(0, 0, bufsize);
  indexes.delete(buf);
  put(buf, H_MAGIC, FDT_SW_MAGIC);
  put(buf, H_VERSION, FDT_LAST_SUPPORTED_VERSION);
  put(buf, H_LAST_COMP, flags); // sw_flags() live in last_comp_version until fdt_finish
  put(buf, H_TOTALSIZE, bufsize);
  put(buf, H_OFF_RSVMAP, SW_HDRSIZE);
  put(buf, H_OFF_STRUCT, SW_HDRSIZE);
  put(buf, H_OFF_STRINGS, 0);
  return 0;
}

/** `fdt_create`: {@link fdt_create_with_flags} with no flags. */
export function fdt_create(buf: Uint8Array, bufsize: number = buf.length): number {
  return fdt_create_with_flags(buf, bufsize, 0);
}

/** `fdt_add_reservemap_entry`: append one reserve entry (only before `fdt_finish_reservemap`). */
export function fdt_add_reservemap_entry(fdt: Uint8Array, addr: bigint, size: bigint): number {
  const err = swProbeMemrsv(fdt);
  if (err) return err;
  const offset = get(fdt, H_OFF_STRUCT);
  if (offset + 16 > get(fdt, H_TOTALSIZE)) return -FDT_ERR_NOSPACE;
  const a = BigInt.asUintN(64, addr), s = BigInt.asUintN(64, size);
  put(fdt, offset, Number(a >> 32n));
  put(fdt, offset + 4, Number(a & 0xffffffffn));
  put(fdt, offset + 8, Number(s >> 32n));
  put(fdt, offset + 12, Number(s & 0xffffffffn));
  put(fdt, H_OFF_STRUCT, offset + 16);
  return 0;
}

/** `fdt_finish_reservemap`: write the terminating entry and enter the structure state. */
export function fdt_finish_reservemap(fdt: Uint8Array): number {
  const err = fdt_add_reservemap_entry(fdt, 0n, 0n);
  if (err) return err;
  put(fdt, H_OFF_STRINGS, get(fdt, H_TOTALSIZE));
  return 0;
}

function writeStr(fdt: Uint8Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) fdt[at + i] = s.charCodeAt(i);
  fdt[at + s.length] = 0;
}

/** `fdt_begin_node`: FDT_BEGIN_NODE + `name` (with unit address; "" for the root). */
export function fdt_begin_node(fdt: Uint8Array, name: string): number {
  const err = swProbeStruct(fdt);
  if (err) return err;
  const namelen = name.length + 1;
  const at = grabSpace(fdt, 4 + ((namelen + 3) & ~3));
  if (at < 0) return -FDT_ERR_NOSPACE;
  put(fdt, at, FDT_BEGIN_NODE);
  writeStr(fdt, at + 4, name); // padding bytes are already zero (fdt_create zeroed the buffer)
  return 0;
}

/** `fdt_end_node`: FDT_END_NODE. */
export function fdt_end_node(fdt: Uint8Array): number {
  const err = swProbeStruct(fdt);
  if (err) return err;
  const at = grabSpace(fdt, 4);
  if (at < 0) return -FDT_ERR_NOSPACE;
  put(fdt, at, FDT_END_NODE);
  return 0;
}

/**
 * libfdt's `fdt_find_string_` over `fdt[start, start+size)`: the lowest position where `s`
 * followed by NUL occurs (so a suffix of an existing name is reused), or -1. The writer uses an
 * equivalent index ({@link fdt_property_placeholder}); this scan is the reference.
 */
export function fdt_find_string_(
  fdt: Uint8Array,
  start: number,
  size: number,
  s: string,
): number {
  const len = s.length + 1;
  const last = start + size - len;
  const c0 = len > 1 ? s.charCodeAt(0) : 0;
  outer: for (let p = start; p <= last; p++) {
    if (fdt[p] !== c0) continue;
    for (let i = 1; i < s.length; i++) if (fdt[p + i] !== s.charCodeAt(i)) continue outer;
    if (fdt[p + len - 1] === 0) return p;
  }
  return -1;
}

/**
 * A lookup index over a tree's strings block, equivalent to {@link fdt_find_string_}: name → offset
 * relative to the end of the buffer (libfdt's negative `nameoff`). The block grows downwards,
 * newest name first, and a match is always a suffix of one name ending at its NUL, so the
 * lowest-address match is the newest name ending with the one sought: each prepended name
 * overwrites the entries of all its suffixes. Valid while the block's size and the buffer's
 * total size are those recorded; rebuilt from the bytes otherwise.
 */
interface StringIndex {
  total: number;
  size: number;
  map: Map<string, number>;
}

const indexes = new WeakMap<Uint8Array, StringIndex>();

function indexAdd(map: Map<string, number>, s: string, off: number): void {
  for (let k = 0; k < s.length; k++) map.set(k === 0 ? s : s.slice(k), off + k);
  map.set("", off + s.length);
}

function stringIndex(fdt: Uint8Array): StringIndex {
  const total = get(fdt, H_TOTALSIZE);
  const size = get(fdt, H_SIZE_STRINGS);
  const cached = indexes.get(fdt);
  if (cached && cached.total === total && cached.size === size) return cached;
  // Rebuild: walk the names from the oldest (highest address) to the newest.
  const map = new Map<string, number>();
  const names: [number, string][] = [];
  let p = total - size;
  while (p < total) {
    let e = p;
    while (e < total && fdt[e] !== 0) e++;
    let str = "";
    for (let i = p; i < e; i++) str += String.fromCharCode(fdt[i]);
    names.push([p - total, str]);
    p = e + 1;
  }
  for (let i = names.length - 1; i >= 0; i--) indexAdd(map, names[i][1], names[i][0]);
  const idx = { total, size, map };
  indexes.set(fdt, idx);
  return idx;
}

/** `fdt_add_string_`: prepend `s` to the strings block; its (negative) offset, or 0 when full. */
function addString(fdt: Uint8Array, s: string): number {
  const total = get(fdt, H_TOTALSIZE);
  const strtabsize = get(fdt, H_SIZE_STRINGS);
  const len = s.length + 1;
  const offset = strtabsize + len;
  const structTop = get(fdt, H_OFF_STRUCT) + get(fdt, H_SIZE_STRUCT);
  if (offset > total || total - offset < structTop) return 0; // no more room
  writeStr(fdt, total - offset, s);
  put(fdt, H_SIZE_STRINGS, strtabsize + len);
  return -offset;
}

/**
 * `fdt_property_placeholder`: add FDT_PROP `name` with `len` value bytes and return the absolute
 * offset of the value in `fdt` (≥ 0), for the caller to fill, or a negative `-FDT_ERR_*`.
 * (libfdt returns 0 and the pointer through `valp`; here the offset is the result.)
 */
export function fdt_property_placeholder(fdt: Uint8Array, name: string, len: number): number {
  const err = swProbeStruct(fdt);
  if (err) return err;
  if (len < 0) return -FDT_ERR_BADVALUE;
  let nameoff: number;
  let allocated: boolean;
  if (get(fdt, H_LAST_COMP) & FDT_CREATE_FLAG_NO_NAME_DEDUP) {
    allocated = true;
    nameoff = addString(fdt, name);
  } else {
    const idx = stringIndex(fdt);
    const hit = idx.map.get(name);
    if (hit !== undefined) {
      allocated = false;
      nameoff = hit;
    } else {
      allocated = true;
      nameoff = addString(fdt, name);
      if (nameoff !== 0) {
        indexAdd(idx.map, name, nameoff);
        idx.size = get(fdt, H_SIZE_STRINGS);
      }
    }
  }
  if (nameoff === 0) return -FDT_ERR_NOSPACE;
  const at = grabSpace(fdt, 12 + ((len + 3) & ~3));
  if (at < 0) {
    if (allocated) {
      put(fdt, H_SIZE_STRINGS, get(fdt, H_SIZE_STRINGS) - (name.length + 1));
      indexes.delete(fdt); // fdt_del_last_string_: the index no longer matches
    }
    return -FDT_ERR_NOSPACE;
  }
  put(fdt, at, FDT_PROP);
  put(fdt, at + 4, len);
  put(fdt, at + 8, nameoff >>> 0); // negative until fdt_finish rebases it
  return at + 12;
}

/** `fdt_property`: FDT_PROP `name` = `val` (raw bytes). */
export function fdt_property(fdt: Uint8Array, name: string, val: Uint8Array): number {
  const at = fdt_property_placeholder(fdt, name, val.length);
  if (at < 0) return at;
  fdt.set(val, at);
  return 0;
}

/** `fdt_property_u32`: a one-cell big-endian property. */
export function fdt_property_u32(fdt: Uint8Array, name: string, val: number): number {
  const at = fdt_property_placeholder(fdt, name, 4);
  if (at < 0) return at;
  put(fdt, at, val >>> 0);
  return 0;
}

/** `fdt_property_cell`: same as {@link fdt_property_u32}. */
export function fdt_property_cell(fdt: Uint8Array, name: string, val: number): number {
  return fdt_property_u32(fdt, name, val);
}

/** `fdt_property_u64`: a two-cell big-endian property. */
export function fdt_property_u64(fdt: Uint8Array, name: string, val: bigint): number {
  const at = fdt_property_placeholder(fdt, name, 8);
  if (at < 0) return at;
  const v = BigInt.asUintN(64, val);
  put(fdt, at, Number(v >> 32n));
  put(fdt, at + 4, Number(v & 0xffffffffn));
  return 0;
}

/** `fdt_property_string`: `str` plus its NUL (bytes, one per char; device trees are ASCII). */
export function fdt_property_string(fdt: Uint8Array, name: string, str: string): number {
  const at = fdt_property_placeholder(fdt, name, str.length + 1);
  if (at < 0) return at;
  writeStr(fdt, at, str);
  return 0;
}

/**
 * `fdt_finish`: append FDT_END, move the strings block down to follow the structure block,
 * rebase property name offsets, and write the final header (`FDT_MAGIC`, `last_comp_version`
 * 16, `totalsize` = end of strings). The blob is then `fdt.subarray(0, fdt_totalsize(fdt))`.
 */
export function fdt_finish(fdt: Uint8Array): number {
  const err = swProbeStruct(fdt);
  if (err) return err;
  const end = grabSpace(fdt, 4);
  if (end < 0) return -FDT_ERR_NOSPACE;
  put(fdt, end, FDT_END);

  const total = get(fdt, H_TOTALSIZE);
  const strSize = get(fdt, H_SIZE_STRINGS);
  const offStruct = get(fdt, H_OFF_STRUCT);
  const sizeStruct = get(fdt, H_SIZE_STRUCT);
  const oldStr = total - strSize;
  const newStr = offStruct + sizeStruct;
  fdt.copyWithin(newStr, oldStr, oldStr + strSize);
  put(fdt, H_OFF_STRINGS, newStr);

  // Walk the structure block (fdt_next_tag) and rebase every FDT_PROP's nameoff.
  let o = offStruct;
  const limit = offStruct + sizeStruct;
  while (o < limit) {
    const tag = get(fdt, o);
    if (tag === FDT_BEGIN_NODE) {
      let e = o + 4;
      while (fdt[e] !== 0) e++;
      o = (e + 1 + 3) & ~3;
    } else if (tag === FDT_PROP) {
      const len = get(fdt, o + 4);
      put(fdt, o + 8, (get(fdt, o + 8) + strSize) >>> 0);
      o += 12 + ((len + 3) & ~3);
    } else if (tag === FDT_END) {
      break;
    } else {
      o += 4; // FDT_END_NODE, FDT_NOP
    }
  }

  put(fdt, H_TOTALSIZE, newStr + strSize);
  indexes.delete(fdt);
  put(fdt, H_LAST_COMP, FDT_LAST_COMPATIBLE_VERSION);
  put(fdt, H_MAGIC, FDT_MAGIC);
  return 0;
}
