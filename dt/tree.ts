/**
 * The device-tree model shared by every layer: nodes, properties with dtc's value markers
 * (labels, phandle/path references, element types), the reserve map and the header fields a DTB
 * carries. It mirrors dtc's `livetree.c` data structures so that the DTS parser, the DTB reader,
 * both DTB writers and the DTS printer can be exact.
 *
 * Invariant: trees returned by the public parse/read functions contain no `deleted` items; the
 * flags exist only for `/delete-node/`/`/delete-property/` revival while a source is parsed.
 *
 * @module
 */

/** A position in source text (1-based line and column), as dtc reports it. */
export interface SourcePos {
  /** The file name as given on the command line or in the `#include`/`/include/`. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

/** Format a position as `file:line:col`. */
export function formatPos(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.col}`;
}

/**
 * dtc's marker types (`enum markertype` in dtc.h). A marker sits at a byte offset of a value:
 * - `label`: a label defined inside the value (`prop = <1 lbl: 2>`), `ref` holds its name;
 * - `ref_phandle`: a phandle reference in cells (`<&uart0>`), 4 bytes at the offset are filled in
 *   when references are resolved, `ref` holds the label or `{/path}` target text without `&`;
 * - `ref_path`: a path reference outside cells (`= &uart0`), the path string is inserted;
 * - `type_*`: the element type of the data that starts at the offset, as written in source
 *   (`/bits/ 8` or `[...]` → `type_u8`, `/bits/ 16` → `type_u16`, `<...>` → `type_u32`,
 *   `/bits/ 64` → `type_u64`, `"..."` → `type_string`). They drive the DTS printer's output.
 */
export type MarkerKind =
  | "label"
  | "ref_phandle"
  | "ref_path"
  | "type_u8"
  | "type_u16"
  | "type_u32"
  | "type_u64"
  | "type_string";

/** A marker at `offset` bytes into a property value. */
export interface Marker {
  /** What the marker means. */
  kind: MarkerKind;
  /** Byte offset into the value. */
  offset: number;
  /** Label name for `label`; reference text (label, or `{/path}` / `{label/sub}`) for refs. */
  ref?: string;
}

const NO_BYTES = new Uint8Array(0);
const NO_MARKERS: readonly Marker[] = Object.freeze([]);
const NO_LABELS: readonly string[] = Object.freeze([]);

/**
 * One property: name, raw big-endian value bytes, markers and labels.
 *
 * `value` is an accessor: a property made by {@link Property.view} (as the DTB reader makes
 * them) keeps only the position of its bytes and creates the `Uint8Array` view the first time
 * `value` is read, which saves most of the reader's allocation. `length`, `u32()`, `cells()`
 * and {@link Property.copyValueTo} do not need the view. Assigning `value` replaces the bytes.
 */
export class Property {
  /** Property name, e.g. `reg`. */
  name: string;
  #value: Uint8Array | null;
  #src: Uint8Array | null = null;
  #off = 0;
  #len = 0;
  #markers: Marker[] | null;
  #labels: string[] | null = null;
  /** Deleted by `/delete-property/` (only while parsing). */
  deleted = false;
  /** Where the property was (last) defined, when parsed from source. */
  declare pos?: SourcePos;

  /** Make a property. `value` defaults to empty (a boolean property). */
  constructor(name: string, value: Uint8Array = NO_BYTES, markers?: Marker[]) {
    this.name = name;
    this.#value = value;
    this.#markers = markers ?? null;
  }

  /**
   * Markers in dtc's marker-list order: by offset, and at one offset in the order dtc's parser
   * adds them (see {@link Marker} and `dts_print.ts` for what each DTS construct produces).
   * Empty for values read from a DTB. (Allocated on first access; see {@link peekMarkers}.)
   */
  get markers(): Marker[] {
    return this.#markers ??= [];
  }

  /** Replace the markers. */
  set markers(m: Marker[]) {
    this.#markers = m;
  }

  /**
   * Labels attached to the property (`lbl: prop = ...`), in dtc's order: newest first (dtc's
   * `add_label` prepends), which is the order `dtc -O dts` prints them. (Allocated on first
   * access; see {@link peekLabels}.)
   */
  get labels(): string[] {
    return this.#labels ??= [];
  }

  /** Replace the labels. */
  set labels(l: string[]) {
    this.#labels = l;
  }

  /** The markers without allocating an empty list (read only). */
  peekMarkers(): readonly Marker[] {
    return this.#markers ?? NO_MARKERS;
  }

  /** The labels without allocating an empty list (read only). */
  peekLabels(): readonly string[] {
    return this.#labels ?? NO_LABELS;
  }

  /**
   * A property whose value is the `length` bytes of `src` at `offset`; the view is created on
   * first use of `value`. `src` must not change afterwards (the DTB reader passes its private
   * copy of the structure block).
   */
  static view(name: string, src: Uint8Array, offset: number, length: number): Property {
    const p = new Property(name);
    p.#value = null;
    p.#src = src;
    p.#off = offset;
    p.#len = length;
    return p;
  }

  /** Raw value bytes as they go into the DTB. */
  get value(): Uint8Array {
    if (this.#value === null) {
      this.#value = this.#src!.subarray(this.#off, this.#off + this.#len);
      this.#src = null;
    }
    return this.#value;
  }

  /** Replace the value bytes. */
  set value(v: Uint8Array) {
    this.#value = v;
    this.#src = null;
  }

  /** Length of the value in bytes. */
  get length(): number {
    return this.#value === null ? this.#len : this.#value.length;
  }

  /** Copy the value into `out` at `at` (without creating a view of a lazy value). */
  copyValueTo(out: Uint8Array, at: number): void {
    const v = this.#value;
    if (v !== null) {
      // TypedArray.set() costs more than a loop for the short values most properties have.
      if (v.length > 64) out.set(v, at);
      else for (let i = 0; i < v.length; i++) out[at + i] = v[i];
      return;
    }
    const src = this.#src!, o = this.#off, n = this.#len;
    if (n > 64) out.set(src.subarray(o, o + n), at);
    else for (let i = 0; i < n; i++) out[at + i] = src[o + i];
  }

  /** The big-endian u32 at cell index `i` (throws RangeError when out of range). */
  u32(i = 0): number {
    const o = i * 4;
    if (o + 4 > this.length) {
      throw new RangeError(`property '${this.name}' has no cell ${i}`);
    }
    let v: Uint8Array, b: number;
    if (this.#value === null) {
      v = this.#src!;
      b = this.#off + o;
    } else {
      v = this.#value;
      b = o;
    }
    return ((v[b] << 24) | (v[b + 1] << 16) | (v[b + 2] << 8) | v[b + 3]) >>> 0;
  }

  /** The value as big-endian u32 cells (trailing bytes that do not fill a cell are ignored). */
  cells(): number[] {
    const n = Math.floor(this.length / 4);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.u32(i);
    return out;
  }

  /** Read `count` cells starting at cell `start` as one unsigned number (count ≤ 2 → exact). */
  cellsAt(start: number, count: number): bigint {
    let v = 0n;
    for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(this.u32(start + i));
    return v;
  }

  /** The value as a string: bytes up to the first NUL, decoded as Latin-1 (dtc is byte-based). */
  str(): string {
    let end = this.value.indexOf(0);
    if (end < 0) end = this.value.length;
    return latin1(this.value, 0, end);
  }

  /** The value as a NUL-separated string list (`compatible`, `clock-names`). */
  strings(): string[] {
    const out: string[] = [];
    let start = 0;
    const v = this.value;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === 0) {
        out.push(latin1(v, start, i));
        start = i + 1;
      }
    }
    if (start < v.length) out.push(latin1(v, start, v.length));
    return out;
  }
}

/** One node: name with unit address, properties in order, children in order. */
export class Node {
  /** Full node name including any unit address (`uart@9000000`); "" for the root. */
  name: string;
  /** Properties in tree order. */
  props: Property[] = [];
  /** Children in tree order. */
  children: Node[] = [];
  /** Parent node, `null` for the root. */
  parent: Node | null = null;
  /** Labels attached to the node, newest first (dtc's `add_label` order, as printed). */
  labels: string[] = [];
  /** Deleted by `/delete-node/` (only while parsing). */
  deleted = false;
  /** Marked `/omit-if-no-ref/`. */
  omitIfNoRef = false;
  /** Referenced by a phandle or path reference (for `/omit-if-no-ref/`). */
  isReferenced = false;
  /** Where the node was first defined, when parsed from source. */
  declare pos?: SourcePos;

  /** Make a node named `name` (with unit address). */
  constructor(name: string) {
    this.name = name;
  }

  /** The name without the unit address (`uart` for `uart@9000000`). */
  get baseName(): string {
    const at = this.name.indexOf("@");
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  /** The unit address text after `@`, or "" when there is none. */
  get unitAddress(): string {
    const at = this.name.indexOf("@");
    return at < 0 ? "" : this.name.slice(at + 1);
  }

  /** The full path from the root (`/` for the root). */
  get path(): string {
    if (!this.parent) return "/";
    const up = this.parent.path;
    return (up === "/" ? "/" : up + "/") + this.name;
  }

  /** The property named `name`, skipping deleted ones. */
  prop(name: string): Property | undefined {
    for (const p of this.props) if (!p.deleted && p.name === name) return p;
    return undefined;
  }

  /** Whether a (non-deleted) property named `name` exists. */
  has(name: string): boolean {
    return this.prop(name) !== undefined;
  }

  /** The child with exactly this name (with unit address), skipping deleted ones. */
  child(name: string): Node | undefined {
    for (const c of this.children) if (!c.deleted && c.name === name) return c;
    return undefined;
  }

  /** Add or replace (in place) a property; returns it. */
  setProp(prop: Property): Property {
    const i = this.props.findIndex((p) => p.name === prop.name);
    if (i >= 0) this.props[i] = prop;
    else this.props.push(prop);
    return prop;
  }

  /** Append a child node and set its parent; returns it. */
  addChild(child: Node): Node {
    child.parent = this;
    this.children.push(child);
    return child;
  }

  /** The `compatible` list (empty when absent). */
  compatible(): string[] {
    return this.prop("compatible")?.strings() ?? [];
  }

  /** Whether any entry of `compatible` equals one of `names` (case-sensitive, as Linux does). */
  isCompatible(...names: string[]): boolean {
    const c = this.compatible();
    return c.some((x) => names.includes(x));
  }

  /** The `phandle` (or legacy `linux,phandle`) value, or 0 when the node has none. */
  get phandle(): number {
    const p = this.prop("phandle") ?? this.prop("linux,phandle");
    return p && p.length === 4 ? p.u32() : 0;
  }

  /** `status` as written ("okay" when absent). */
  status(): string {
    return this.prop("status")?.str() ?? "okay";
  }

  /** Linux's `of_device_is_available`: status absent, "okay" or "ok". */
  isAvailable(): boolean {
    const s = this.status();
    return s === "okay" || s === "ok";
  }

  /** Depth-first pre-order walk over this node and its (non-deleted) descendants. */
  *walk(): Generator<Node> {
    yield this;
    for (const c of this.children) if (!c.deleted) yield* c.walk();
  }
}

/** One `/memreserve/` entry. */
export interface ReserveEntry {
  /** Start address. */
  address: bigint;
  /** Size in bytes. */
  size: bigint;
  /** Labels on the entry (DTS only), newest first as dtc keeps them. */
  labels: string[];
}

/** A whole device tree with its DTB header data. */
export class DeviceTree {
  /** The root node (name ""). */
  root: Node;
  /** `/memreserve/` entries in source order. */
  reserves: ReserveEntry[] = [];
  /** The header's `boot_cpuid_phys`. */
  bootCpuidPhys = 0;
  /** A `/plugin/` (overlay) source or a DTB carrying `__fixups__`/`__local_fixups__`. */
  plugin = false;

  /** Make a tree with an empty root unless one is given. */
  constructor(root: Node = new Node("")) {
    this.root = root;
  }

  /**
   * Find a node by path the way Linux's `of_find_node_by_path` does: an absolute path
   * (`/a/b@1`) or an alias-relative one (`serial0/sub`, resolved through `/aliases`); a component
   * without `@` also matches a child whose name without unit address equals it. Use
   * {@link lookupStrict} for exact libfdt-style matching. Returns undefined when not found.
   */
  lookup(path: string): Node | undefined {
    if (path === "") return undefined;
    let node: Node | undefined;
    let rest: string;
    if (path.startsWith("/")) {
      node = this.root;
      rest = path.slice(1);
    } else {
      const slash = path.indexOf("/");
      const alias = slash < 0 ? path : path.slice(0, slash);
      const target = this.root.child("aliases")?.prop(alias)?.str();
      if (!target || !target.startsWith("/")) return undefined;
      node = this.lookup(target);
      rest = slash < 0 ? "" : path.slice(slash + 1);
    }
    for (const part of rest.split("/")) {
      if (!node) return undefined;
      if (part === "") continue;
      let next = node.child(part);
      if (!next && !part.includes("@")) {
        // Linux's __of_find_node_by_path compares the name up to '@' when the
        // path component has no unit address.
        next = node.children.find((c) => !c.deleted && c.baseName === part);
      }
      node = next;
    }
    return node;
  }

  /** Find a node by exact path only (every component including unit address must match). */
  lookupStrict(path: string): Node | undefined {
    if (!path.startsWith("/")) return undefined;
    let node: Node | undefined = this.root;
    for (const part of path.slice(1).split("/")) {
      if (!node) return undefined;
      if (part === "") continue;
      node = node.child(part);
    }
    return node;
  }

  /** The node whose `phandle` equals `ph`, or undefined. */
  byPhandle(ph: number): Node | undefined {
    if (ph === 0 || ph === 0xffffffff) return undefined;
    for (const n of this.root.walk()) if (n.phandle === ph) return n;
    return undefined;
  }

  /** The node carrying label `label`, or undefined. */
  byLabel(label: string): Node | undefined {
    for (const n of this.root.walk()) if (n.labels.includes(label)) return n;
    return undefined;
  }
}

/** Decode bytes [start, end) as Latin-1 (one char per byte). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 4096)));
  }
  return s;
}

/** Encode a string as Latin-1 bytes (chars above 0xff are not expected in device trees). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Build a property value from u32 cells (big-endian). */
export function u32Bytes(cells: readonly number[]): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const dv = new DataView(out.buffer);
  cells.forEach((c, i) => dv.setUint32(i * 4, c >>> 0));
  return out;
}

/** Build a property value from strings, each NUL-terminated (a string list). */
export function stringsBytes(list: readonly string[]): Uint8Array {
  return latin1Bytes(list.map((s) => s + "\0").join(""));
}
