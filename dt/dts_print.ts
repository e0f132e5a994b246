/**
 * DTS printer matching `dtc -O dts` and `dtc -O dts -s` of **dtc 1.6.1** byte for byte
 * (`treesource.c` `dt_to_source`, `write_tree_source_node`, `write_propval`,
 * `guess_value_type`). dtc 1.6.1 differs from 1.7/1.8: no `/plugin/;` line, string lists print
 * as one string with `\0` inside (`"a\0b"`), phandle references print as their numeric value.
 *
 * Layout: `/dts-v1/;`, a blank line, one `/memreserve/\t0x%016llx 0x%016llx;` line per entry
 * (with its labels), then the root as `/ {`; tab indentation; properties first, then each child
 * after a blank line; `};` closes a node; labels print as `label: ` before the node or property
 * name.
 *
 * ## Values and markers
 *
 * A value is printed in chunks driven by its {@link Marker}s, in the order of the `markers`
 * array (which must be dtc's marker-list order: by offset, and at one offset in the order dtc's
 * parser added them). A type marker (`type_*`) opens a new element group with its delimiter —
 * `"` strings (no delimiter), `<…>` u32 cells, `[…]` bytes, `/bits/ 16 <…>`, `/bits/ 64 <…>` —
 * which closes (followed by `,` unless it is the end) where the next type marker starts; a
 * `label` marker prints ` lbl:` at its offset; `ref_phandle`/`ref_path` markers only print a
 * separating space (not at offset 0), the reference itself printing as the value bytes.
 * When a value has **no type marker** (DTB input, or `/incbin/` data alone) the type is
 * guessed as dtc does: a string (list) if the last byte is NUL, every byte is printable ASCII,
 * NUL or one of `\a\b\t\n\v\f\r`, there are no more NULs than other bytes and no label sits
 * inside a string; else u32 cells if the length is a multiple of 4 and no label is off a cell
 * boundary; else bytes.
 *
 * What dtc 1.6.1's parser (`dtc-parser.y`, `data.c`) puts into the markers — and so what a DTS
 * parser must produce for byte-exact output — per construct, offsets relative to the value:
 * - `"str"` → `type_string` at the string's first byte;
 * - `<…>` → `type_u32` at its first cell; `/bits/ N <…>` → `type_u8|16|32|64`;
 * - `[…]` → `type_u8` at its first byte;
 * - `&ref` or `&{/path}` inside `<…>` → `ref_phandle` (ref = the text after `&`) at its cell;
 * - `&ref` outside cells → `type_string` (ref set) and then `ref_path` at the same offset; when
 *   the path is inserted, every marker *after the `ref_path` in the list* moves by the path's
 *   length + 1 (`data_insert_at_marker`), the `type_string` before it does not;
 * - `lbl:` before or after a value component or between cells/bytes → `label` at that offset,
 *   in source order relative to the type marker of the next component (so `p = lbl: "a"` gives
 *   `label@0, type_string@0`);
 * - `/incbin/(…)` → no marker (dtc's `TYPE_NONE` marker prints nothing more than the guess);
 * - a `phandle` property added by phandle allocation → `type_u32` at 0; `__symbols__` and
 *   `__fixups__` values (`-@`, plugins) → `type_string` at each appended string;
 *   `__local_fixups__` values → `type_u32` at each appended cell.
 *
 * Labels on nodes and properties print in array order; dtc keeps them newest first
 * (`add_label` prepends), so `a: b: node` has `labels = ["a", "b"]`.
 *
 * @module
 */

import type { DeviceTree, Marker, MarkerKind, Node, Property, ReserveEntry } from "./tree.ts";

/** Options for {@link printDts}. */
export interface PrintDtsOptions {
  /** Sort reserve entries, properties and child nodes by name, as `dtc -s` does. */
  sort?: boolean;
}

type TypeKind = "type_u8" | "type_u16" | "type_u32" | "type_u64" | "type_string";

const DELIM_START: Record<TypeKind, string> = {
  type_u8: "[",
  type_u16: "/bits/ 16 <",
  type_u32: "<",
  type_u64: "/bits/ 64 <",
  type_string: "",
};

const DELIM_END: Record<TypeKind, string> = {
  type_u8: "]",
  type_u16: ">",
  type_u32: ">",
  type_u64: ">",
  type_string: "",
};

function isType(k: MarkerKind): k is TypeKind {
  return k.startsWith("type_");
}

/** C `isprint` in the C locale. */
function isPrint(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

/** `isstring()`: printable, NUL, or one of `\a\b\t\n\v\f\r`. */
function isStringByte(c: number): boolean {
  return isPrint(c) || c === 0 || (c >= 7 && c <= 13);
}

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `%02x`. */
function hex2(n: number): string {
  return n < 256 ? HEX2[n] : n.toString(16);
}

/** `guess_value_type()`. */
function guessType(v: Uint8Array, markers: readonly Marker[]): TypeKind {
  const len = v.length;
  let notString = 0, nul = 0;
  for (let i = 0; i < len; i++) {
    const c = v[i];
    if (c === 0) nul++;
    else if (!isStringByte(c)) notString++;
  }
  let notStringLbl = 0, notCellLbl = 0;
  for (const m of markers) {
    if (m.kind !== "label") continue;
    if (m.offset > 0 && v[m.offset - 1] !== 0) notStringLbl++;
    if (m.offset % 4 !== 0) notCellLbl++;
  }
  if (v[len - 1] === 0 && notString === 0 && nul <= len - nul && notStringLbl === 0) {
    return "type_string";
  }
  if (len % 4 === 0 && notCellLbl === 0) return "type_u32";
  return "type_u8";
}

/** Output accumulator: V8 concatenates strings as ropes, cheaper than joining many pieces. */
class Out {
  s = "";
  push(x: string): void {
    this.s += x;
  }
}

const scratch: number[] = [];

/** Bytes [start, end) as a string, one char per byte. */
function bytesToString(v: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    const e = Math.min(end, i + 4096);
    scratch.length = e - i;
    for (let k = i; k < e; k++) scratch[k - i] = v[k];
    s += String.fromCharCode.apply(null, scratch);
  }
  return s;
}

/** `write_propval_string()`: `len` bytes ending in NUL, as a quoted C string. */
function writeString(out: Out, v: Uint8Array, start: number, len: number): void {
  if (len === 0) return;
  let s = '"';
  const end = start + len - 1; // the final NUL is not printed
  let run = start;
  const flush = (i: number) => {
    if (i > run) s += bytesToString(v, run, i);
  };
  for (let i = start; i < end; i++) {
    const c = v[i];
    if (isPrint(c) && c !== 0x5c && c !== 0x22) continue;
    flush(i);
    run = i + 1;
    switch (c) {
      case 7:
        s += "\\a";
        break;
      case 8:
        s += "\\b";
        break;
      case 9:
        s += "\\t";
        break;
      case 10:
        s += "\\n";
        break;
      case 11:
        s += "\\v";
        break;
      case 12:
        s += "\\f";
        break;
      case 13:
        s += "\\r";
        break;
      case 0x5c:
        s += "\\\\";
        break;
      case 0x22:
        s += '\\"';
        break;
      case 0:
        s += "\\0";
        break;
      default:
        // fprintf("\\x%02" PRIx8, c) with a signed char: glibc's PRIx8 is "x", so bytes
        // ≥ 0x80 print sign-extended (\xffffffe9); only reachable from typed (DTS) values.
        s += "\\x" + (c < 0x80 ? hex2(c) : ((0xffffff00 | c) >>> 0).toString(16));
    }
  }
  flush(end);
  out.push(s + '"');
}

/** `write_propval_int()`: elements of `width` bytes, space-separated, `0x%02x`/`%02x`. */
function writeInts(out: Out, v: Uint8Array, start: number, len: number, width: number) {
  const end = start + len;
  let s = "";
  for (let p = start; p + width <= end; p += width) {
    if (p !== start) s += " ";
    switch (width) {
      case 1:
        s += HEX2[v[p]];
        break;
      case 2:
        s += "0x" + hex2((v[p] << 8) | v[p + 1]);
        break;
      case 4:
        s += "0x" + hex2(((v[p] << 24) | (v[p + 1] << 16) | (v[p + 2] << 8) | v[p + 3]) >>> 0);
        break;
      default: {
        const hi = ((v[p] << 24) | (v[p + 1] << 16) | (v[p + 2] << 8) | v[p + 3]) >>> 0;
        const lo = ((v[p + 4] << 24) | (v[p + 5] << 16) | (v[p + 6] << 8) | v[p + 7]) >>> 0;
        s += "0x" + (hi ? hi.toString(16) + lo.toString(16).padStart(8, "0") : hex2(lo));
      }
    }
  }
  out.push(s);
}

/** `write_propval()`: ` = value;\n` or `;\n` for an empty value. */
function writePropval(out: Out, p: Property): void {
  const v = p.value;
  const len = v.length;
  if (len === 0) {
    out.push(";\n");
    return;
  }
  out.push(" =");
  let markers: readonly Marker[] = p.peekMarkers();
  if (markers.length === 0) {
    // DTB input: one guessed chunk covering the whole value.
    const t = guessType(v, markers);
    out.push(" " + DELIM_START[t]);
    if (t === "type_string") writeString(out, v, 0, len);
    else writeInts(out, v, 0, len, t === "type_u32" ? 4 : 1);
    out.push(DELIM_END[t] + ";\n");
    return;
  }
  if (!markers.some((m) => isType(m.kind))) {
    markers = [{ kind: guessType(v, markers), offset: 0 }, ...markers];
  }
  let emit: TypeKind | null = null;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i];
    const next = i + 1 < markers.length ? markers[i + 1] : null;
    const chunkLen = (next ? next.offset : len) - m.offset;
    // type_marker_length(m) ?: len - m->offset
    let dataLen = 0;
    for (let j = i + 1; j < markers.length; j++) {
      if (isType(markers[j].kind)) {
        dataLen = markers[j].offset - m.offset;
        break;
      }
    }
    if (dataLen === 0) dataLen = len - m.offset;

    if (isType(m.kind)) {
      emit = m.kind;
      out.push(" " + DELIM_START[emit]);
    } else if (m.kind === "label") {
      out.push(" " + m.ref + ":");
    } else if (m.offset) {
      out.push(" ");
    }
    if (emit === null) continue; // dtc asserts chunk_len == 0 here
    if (chunkLen <= 0) {
      // Nothing to print for this chunk (markers at the same offset).
    } else if (emit === "type_string") {
      writeString(out, v, m.offset, chunkLen);
    } else {
      const width = emit === "type_u16" ? 2 : emit === "type_u32" ? 4 : emit === "type_u64" ? 8 : 1;
      writeInts(out, v, m.offset, chunkLen, width);
    }
    if (chunkLen === dataLen) {
      out.push(m.offset + chunkLen === len ? DELIM_END[emit] : DELIM_END[emit] + ",");
      emit = null;
    }
  }
  out.push(";\n");
}

function byName<T extends { name: string }>(list: readonly T[]): T[] {
  return list.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function sortedReserves(r: readonly ReserveEntry[]): ReserveEntry[] {
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

function hex16(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, "0");
}

/**
 * Print a tree as DTS source, exactly as `dtc -O dts` (1.6.1) prints the same tree; with
 * `sort`, as `dtc -O dts -s` does (reserve entries by address then size, properties and
 * nodes by name in byte order). The tree is not modified.
 *
 * @example
 * ```ts
 * import { printDts } from "./dts_print.ts";
 * import { DeviceTree, Property, stringsBytes } from "./tree.ts";
 * const t = new DeviceTree();
 * t.root.props.push(new Property("compatible", stringsBytes(["a", "b"])));
 * console.assert(printDts(t) === '/dts-v1/;\n\n/ {\n\tcompatible = "a\\0b";\n};\n');
 * ```
 */
export function printDts(tree: DeviceTree, opts: PrintDtsOptions = {}): string {
  const sort = opts.sort ?? false;
  const out = new Out();
  out.push("/dts-v1/;\n\n");
  for (const r of sort ? sortedReserves(tree.reserves) : tree.reserves) {
    for (const l of r.labels) out.push(l + ": ");
    out.push(`/memreserve/\t0x${hex16(r.address)} 0x${hex16(r.size)};\n`);
  }
  // write_tree_source_node(), iteratively.
  type Item = { node: Node; level: number } | { close: number };
  const stack: Item[] = [{ node: tree.root, level: 0 }];
  const tabCache: string[] = [];
  const tabs = (n: number) => tabCache[n] ??= "\t".repeat(n);
  while (stack.length) {
    const it = stack.pop()!;
    if ("close" in it) {
      out.push(tabs(it.close) + "};\n");
      continue;
    }
    const { node, level } = it;
    if (node.deleted) continue;
    if (level > 0) out.push("\n");
    out.push(tabs(level));
    for (const l of node.labels) out.push(l + ": ");
    out.push(node.name ? node.name + " {\n" : "/ {\n");
    const props = sort ? byName(node.props) : node.props;
    for (const p of props) {
      if (p.deleted) continue;
      out.push(tabs(level + 1));
      for (const l of p.peekLabels()) out.push(l + ": ");
      out.push(p.name);
      writePropval(out, p);
    }
    stack.push({ close: level });
    const kids = sort ? byName(node.children) : node.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      if (!kids[i].deleted) stack.push({ node: kids[i], level: level + 1 });
    }
  }
  return out.s;
}
