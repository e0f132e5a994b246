/**
 * Addresses in the device tree: `#address-cells`/`#size-cells`, `reg` decoding and translation of
 * a bus address through every parent's `ranges` to a CPU physical address, the way Xen 4.17
 * (`xen/common/device_tree.c`: `dt_n_addr_cells`, `dt_bus`, `dt_get_address`,
 * `__dt_translate_address`, `dt_device_get_address`, `dt_for_each_range`) and Linux 6.1
 * (`drivers/of/address.c`: `of_bus`, `__of_translate_address`) do it.
 *
 * **Cell-count defaults.** `#address-cells`/`#size-cells` are looked up on the node's parent,
 * then further up; when no ancestor has them, the root default applies, and it differs:
 * - Xen: 2 / 1 (`DT_ROOT_NODE_ADDR_CELLS_DEFAULT`, `..._SIZE_CELLS_DEFAULT` in
 *   `xen/include/xen/device_tree.h`) — flavor `"xen"`, the default here;
 * - Linux: 1 / 1 (`OF_ROOT_NODE_ADDR_CELLS_DEFAULT`, `include/linux/of.h`) — flavor `"linux"`;
 * - dtc's checks: 2 / 1, and they do **not** walk up: a node without the properties uses the
 *   defaults for its children (`checks.c` `node_addr_cells`) — {@link DTC_DEFAULT_ADDR_CELLS}.
 *
 * **Buses.** A node whose `device_type` is `pci`, `pciex`, `vci` or `ht`, or whose name is
 * `pcie` (Xen also `pci`), is a PCI bus: children have 3 address cells (phys.hi flags + 64-bit
 * address) and 2 size cells, their addresses are in `assigned-addresses`, and a range matches
 * only when the space code (I/O vs memory) agrees; the high cell is kept, the other two are
 * translated. Linux also has the ISA bus (node name `isa`). Every other node is the default bus;
 * in Xen the default bus *requires* the parent to have `ranges` (so a device under a node
 * without `ranges` has no address at all, `dt_bus_default_match`), in Linux it always applies
 * and the translation fails one level up instead. Xen's default bus also requires an exact match
 * of all cells when `#address-cells` > 2 (an identifier, not an address); Linux 6.1 does not.
 *
 * **Translation.** Empty `ranges` is a 1:1 mapping; a missing `ranges` means the region cannot
 * be translated (reported as `no-ranges`); a level with `#size-cells` = 0 or `#address-cells`
 * outside 1..4 cannot be crossed (`bad-cell-count`). Addresses are unsigned 64-bit `bigint`s,
 * wrapping as the C `u64` arithmetic does.
 *
 * **Malformed input.** `#address-cells`/`#size-cells` that are not exactly one cell, and `reg`/
 * `assigned-addresses`/`ranges` whose length is not a whole number of entries, throw
 * {@link InputError} with the node path as location (option `strict`, default on). With
 * `strict: false` they behave as Xen does: a short cell property reads as its available bytes,
 * trailing partial entries are ignored.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { Node, Property } from "./tree.ts";

/** Which implementation's rules to follow (see the module documentation). */
export type Flavor = "xen" | "linux";

/** Xen's `DT_ROOT_NODE_ADDR_CELLS_DEFAULT` (xen/include/xen/device_tree.h). */
export const DT_ROOT_NODE_ADDR_CELLS_DEFAULT = 2;
/** Xen's `DT_ROOT_NODE_SIZE_CELLS_DEFAULT`. */
export const DT_ROOT_NODE_SIZE_CELLS_DEFAULT = 1;
/** Linux's `OF_ROOT_NODE_ADDR_CELLS_DEFAULT` (include/linux/of.h). */
export const OF_ROOT_NODE_ADDR_CELLS_DEFAULT = 1;
/** Linux's `OF_ROOT_NODE_SIZE_CELLS_DEFAULT`. */
export const OF_ROOT_NODE_SIZE_CELLS_DEFAULT = 1;
/** dtc's default `#address-cells` for checks (checks.c `node_addr_cells`). */
export const DTC_DEFAULT_ADDR_CELLS = 2;
/** dtc's default `#size-cells` for checks (checks.c `node_size_cells`). */
export const DTC_DEFAULT_SIZE_CELLS = 1;
/** `DT_MAX_ADDR_CELLS` / `OF_MAX_ADDR_CELLS`: the widest address handled. */
export const MAX_ADDR_CELLS = 4;

/** `IORESOURCE_IO` (include/linux/ioport.h), a PCI I/O-space range. */
export const IORESOURCE_IO = 0x100;
/** `IORESOURCE_MEM`, a memory range. */
export const IORESOURCE_MEM = 0x200;
/** `IORESOURCE_PREFETCH`, prefetchable PCI memory. */
export const IORESOURCE_PREFETCH = 0x2000;
/** `IORESOURCE_MEM_64` (Linux only), 64-bit PCI memory. */
export const IORESOURCE_MEM_64 = 0x00100000;

/** Options shared by the address functions. */
export interface AddressOptions {
  /** Whose rules: `"xen"` (default) or `"linux"`. */
  flavor?: Flavor;
  /** Throw {@link InputError} on malformed cell properties and entry lengths (default true). */
  strict?: boolean;
}

/** The kind of bus a node is for its children (`struct dt_bus` / `struct of_bus` names). */
export type BusName = "pci" | "isa" | "default";

/** Why an address could not be read or translated. */
export type AddressFailure =
  /** The node is the root (no parent bus). */
  | "no-parent"
  /** Xen: the parent is not a bus (no `ranges` and not PCI), `dt_match_bus` found nothing. */
  | "not-a-bus"
  /** A level has `#address-cells` outside 1..4 or `#size-cells` 0. */
  | "bad-cell-count"
  /** The node has no `reg` (or `assigned-addresses` on PCI). */
  | "no-reg"
  /** Fewer entries than the index asked for. */
  | "index-out-of-range"
  /** A parent on the way up has no `ranges`: not translatable to a CPU address. */
  | "no-ranges"
  /** No `ranges` entry covers the address. */
  | "no-matching-range";

/** A failed address lookup: the reason, the node where it failed and a Xen-style message. */
export interface AddressError {
  /** Discriminant. */
  ok: false;
  /** Why. */
  reason: AddressFailure;
  /** Path of the node at which the walk stopped. */
  at: string;
  /** A one-line explanation (Xen's printk wording where it has one). */
  message: string;
}

/** One decoded `reg` (or `assigned-addresses`) entry, untranslated. */
export interface RegEntry {
  /** The raw address cells (bus address, `#address-cells` long). */
  cells: number[];
  /** The address cells as one unsigned number (low 64 bits, like `dt_read_number`). */
  address: bigint;
  /** The size. */
  size: bigint;
  /** `IORESOURCE_*` flags of the bus (`get_flags`). */
  flags: number;
}

/** A translated address with its size. */
export interface Region {
  /** Discriminant. */
  ok: true;
  /** CPU physical address. */
  address: bigint;
  /** Size in bytes. */
  size: bigint;
}

const U64 = (v: bigint) => BigInt.asUintN(64, v);

function fail(reason: AddressFailure, at: Node, message: string): AddressError {
  return { ok: false, reason, at: at.path, message };
}

function be32(v: Uint8Array, o: number): number {
  return ((v[o] << 24) | (v[o + 1] << 16) | (v[o + 2] << 8) | v[o + 3]) >>> 0;
}

/** The cells of a property as numbers; a trailing partial cell is ignored. */
function cellsOf(p: Property): number[] {
  const n = p.value.length >> 2;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = be32(p.value, i * 4);
  return out;
}

/**
 * Read a one-cell property such as `#address-cells`. Strict: exactly 4 bytes or InputError.
 * Lenient: the first cell, the available bytes zero-padded when shorter (Xen reads 4 bytes).
 */
export function readCellProperty(
  node: Node,
  name: string,
  strict = true,
): number | undefined {
  const p = node.prop(name);
  if (!p) return undefined;
  if (p.value.length !== 4) {
    if (strict) {
      throw new InputError(
        node.path,
        `${name} is ${p.value.length} bytes, expected one cell (4 bytes)`,
      );
    }
    const b = new Uint8Array(4);
    b.set(p.value.subarray(0, 4));
    return be32(b, 0);
  }
  return be32(p.value, 0);
}

/** Big-endian number from `count` cells starting at `start`, low 64 bits (`dt_read_number`). */
export function readNumber(cells: readonly number[], start: number, count: number): bigint {
  let r = 0n;
  for (let i = 0; i < count; i++) r = U64((r << 32n) | BigInt(cells[start + i] >>> 0));
  return r;
}

function cellsWalk(
  node: Node,
  name: string,
  fromParent: boolean,
  rootDefault: number,
  strict: boolean,
): number {
  // __dt_n_addr_cells: start at the parent (unless asked for the node itself), walk up.
  let np: Node = node;
  let parent = fromParent;
  for (;;) {
    if (np.parent && !parent) np = np.parent;
    parent = false;
    const v = readCellProperty(np, name, strict);
    if (v !== undefined) return v;
    if (!np.parent) return rootDefault;
  }
}

function flavorOf(o?: AddressOptions): Flavor {
  return o?.flavor ?? "xen";
}

function rootAddr(f: Flavor): number {
  return f === "xen" ? DT_ROOT_NODE_ADDR_CELLS_DEFAULT : OF_ROOT_NODE_ADDR_CELLS_DEFAULT;
}

function rootSize(f: Flavor): number {
  return f === "xen" ? DT_ROOT_NODE_SIZE_CELLS_DEFAULT : OF_ROOT_NODE_SIZE_CELLS_DEFAULT;
}

/** `dt_n_addr_cells` / `of_n_addr_cells`: address cells of `node`'s own `reg` (from its parent up). */
export function nAddrCells(node: Node, opts?: AddressOptions): number {
  const f = flavorOf(opts);
  return cellsWalk(node, "#address-cells", false, rootAddr(f), opts?.strict ?? true);
}

/** `dt_n_size_cells` / `of_n_size_cells`: size cells of `node`'s own `reg`. */
export function nSizeCells(node: Node, opts?: AddressOptions): number {
  const f = flavorOf(opts);
  return cellsWalk(node, "#size-cells", false, rootSize(f), opts?.strict ?? true);
}

/** `dt_child_n_addr_cells`: address cells of `node`'s children (from `node` itself up). */
export function childAddrCells(node: Node, opts?: AddressOptions): number {
  const f = flavorOf(opts);
  return cellsWalk(node, "#address-cells", true, rootAddr(f), opts?.strict ?? true);
}

/** `dt_child_n_size_cells`: size cells of `node`'s children. */
export function childSizeCells(node: Node, opts?: AddressOptions): number {
  const f = flavorOf(opts);
  return cellsWalk(node, "#size-cells", true, rootSize(f), opts?.strict ?? true);
}

/** Whether `node` is a PCI bus (`dt_bus_pci_match` / `of_bus_pci_match`). */
export function isPciBus(node: Node, flavor: Flavor = "xen"): boolean {
  const t = node.prop("device_type")?.str();
  if (t === "pci" || t === "pciex" || t === "vci" || t === "ht") return true;
  const name = node.baseName;
  return name === "pcie" || (flavor === "xen" && name === "pci");
}

/**
 * `dt_match_bus` / `of_match_bus`: the bus type `node` provides to its children, or null (Xen
 * only: a non-root, non-PCI node without `ranges`).
 */
export function busOf(node: Node, flavor: Flavor = "xen"): BusName | null {
  if (isPciBus(node, flavor)) return "pci";
  if (flavor === "linux") return node.baseName === "isa" ? "isa" : "default";
  if (!node.parent) return "default";
  return node.has("ranges") ? "default" : null;
}

interface Counts {
  na: number;
  ns: number;
}

function countCells(bus: BusName, dev: Node, o?: AddressOptions): Counts {
  if (bus === "pci") return { na: 3, ns: 2 };
  if (bus === "isa") return { na: 2, ns: 1 };
  return { na: nAddrCells(dev, o), ns: nSizeCells(dev, o) };
}

function getFlags(bus: BusName, cells: readonly number[], at: number, f: Flavor): number {
  if (bus === "pci") {
    const w = cells[at] >>> 0;
    let flags = 0;
    switch ((w >>> 24) & 3) {
      case 1:
        flags |= IORESOURCE_IO;
        break;
      case 2:
        flags |= IORESOURCE_MEM;
        break;
      case 3:
        flags |= IORESOURCE_MEM | (f === "linux" ? IORESOURCE_MEM_64 : 0);
        break;
    }
    if (w & 0x40000000) flags |= IORESOURCE_PREFETCH;
    return flags;
  }
  if (bus === "isa") return cells[at] & 1 ? IORESOURCE_IO : IORESOURCE_MEM;
  return IORESOURCE_MEM;
}

const checkAddrCount = (na: number) => na > 0 && na <= MAX_ADDR_CELLS;
const checkCounts = (na: number, ns: number) => checkAddrCount(na) && ns > 0;

function entryCheck(node: Node, p: Property, per: number, what: string, strict: boolean): void {
  if (strict && per > 0 && p.value.length % (per * 4) !== 0) {
    throw new InputError(
      node.path,
      `${p.name} is ${p.value.length} bytes, not a whole number of ${per}-cell entries (${what})`,
    );
  }
}

/** The address property and cell counts of `node` on its parent bus, or why there are none. */
function addressSetup(
  node: Node,
  o?: AddressOptions,
): { bus: BusName; na: number; ns: number; prop: Property | undefined } | AddressError {
  const f = flavorOf(o);
  const parent = node.parent;
  if (!parent) return fail("no-parent", node, "The root node has no parent bus");
  const bus = busOf(parent, f);
  if (!bus) {
    return fail("not-a-bus", parent, `DT: ${parent.path} is not a valid bus`);
  }
  const { na, ns } = countCells(bus, node, o);
  if (!checkAddrCount(na)) {
    return fail("bad-cell-count", node, `dt_parse: Bad cell count for device ${node.path}`);
  }
  const prop = node.prop(bus === "pci" ? "assigned-addresses" : "reg");
  if (prop) {
    entryCheck(node, prop, na + ns, `#address-cells ${na} + #size-cells ${ns}`, o?.strict ?? true);
  }
  return { bus, na, ns, prop };
}

/**
 * `dt_number_of_address`: how many entries the node's `reg` (`assigned-addresses` on PCI)
 * has; 0 when there is none or no usable bus/cell counts.
 */
export function numberOfAddress(node: Node, opts?: AddressOptions): number {
  const s = addressSetup(node, opts);
  if ("ok" in s || !s.prop || !checkCounts(s.na, s.ns)) return 0;
  return Math.floor((s.prop.value.length >> 2) / (s.na + s.ns));
}

/**
 * `dt_get_address`: entry `index` of the node's `reg`, untranslated (bus address, size,
 * flags), or why it cannot be read.
 */
export function getAddress(
  node: Node,
  index: number,
  opts?: AddressOptions,
): RegEntry | AddressError {
  const s = addressSetup(node, opts);
  if ("ok" in s) return s;
  if (!s.prop) {
    return fail(
      "no-reg",
      node,
      `${node.path} has no ${s.bus === "pci" ? "assigned-addresses" : "reg"}`,
    );
  }
  const cells = cellsOf(s.prop);
  const one = s.na + s.ns;
  if (one === 0 || (index + 1) * one > cells.length) {
    return fail(
      "index-out-of-range",
      node,
      `${node.path} has no address entry ${index}`,
    );
  }
  const at = index * one;
  return {
    cells: cells.slice(at, at + s.na),
    address: readNumber(cells, at, s.na),
    size: readNumber(cells, at + s.na, s.ns),
    flags: getFlags(s.bus, cells, at, flavorOf(opts)),
  };
}

/** All entries of the node's `reg`, untranslated ([] when there is none). */
export function regEntries(node: Node, opts?: AddressOptions): RegEntry[] {
  const out: RegEntry[] = [];
  const n = numberOfAddress(node, opts);
  for (let i = 0; i < n; i++) {
    const e = getAddress(node, i, opts);
    if ("ok" in e) break;
    out.push(e);
  }
  return out;
}

/** `bus->map`: the offset of `addr` inside one range entry, or -1n for no match. */
function busMap(
  bus: BusName,
  addr: number[],
  range: readonly number[],
  r: number,
  na: number,
  ns: number,
  pna: number,
  f: Flavor,
): bigint {
  let fna = 0;
  if (bus === "pci") {
    const af = getFlags("pci", addr, 0, f), rf = getFlags("pci", range, r, f);
    if ((af ^ rf) & (IORESOURCE_MEM | IORESOURCE_IO)) return -1n;
    fna = 1; // skip the phys.hi cell
  } else if (bus === "isa") {
    if ((addr[0] ^ range[r]) & 1) return -1n;
    fna = 1;
  } else if (f === "xen" && na > 2) {
    // dt_bus_default_map: more than 2 cells is an identifier that must match exactly.
    for (let i = 0; i < na; i++) if ((addr[i] >>> 0) !== (range[r + i] >>> 0)) return -1n;
  }
  const cp = readNumber(range, r + fna, na - fna);
  const s = readNumber(range, r + na + pna, ns);
  const da = readNumber(addr, fna, na - fna);
  if (da < cp || da >= U64(cp + s)) return -1n;
  return U64(da - cp);
}

/** `bus->translate`: add `offset` into the address cells (keeping PCI/ISA's high cell). */
function busTranslate(bus: BusName, addr: number[], offset: bigint, na: number): void {
  const skip = bus === "pci" || bus === "isa" ? 1 : 0;
  const n = na - skip;
  const a = U64(readNumber(addr, skip, n) + offset);
  for (let i = skip; i < na; i++) addr[i] = 0;
  if (n > 1) addr[skip + n - 2] = Number(a >> 32n);
  if (n > 0) addr[skip + n - 1] = Number(a & 0xffffffffn);
}

/**
 * `__dt_translate_address` / `__of_translate_address`: translate the bus address `inAddr`
 * (cells as found in `node`'s `reg`) up through every parent `ranges` (`rprop`) to a CPU
 * physical address.
 */
export function translateAddress(
  node: Node,
  inAddr: readonly number[],
  opts?: AddressOptions & { rprop?: string },
): { ok: true; address: bigint } | AddressError {
  const f = flavorOf(opts);
  const strict = opts?.strict ?? true;
  const rprop = opts?.rprop ?? "ranges";
  let dev = node;
  let parent = dev.parent;
  if (!parent) return fail("no-parent", node, "The root node has no parent bus");
  let bus = busOf(parent, f);
  if (!bus) return fail("not-a-bus", parent, `DT: ${parent.path} is not a valid bus`);
  let { na, ns } = countCells(bus, dev, opts);
  if (!checkCounts(na, ns)) {
    return fail("bad-cell-count", dev, `dt_parse: Bad cell count for device ${dev.path}`);
  }
  const addr = new Array<number>(Math.max(na, MAX_ADDR_CELLS)).fill(0);
  for (let i = 0; i < na; i++) addr[i] = (inAddr[i] ?? 0) >>> 0;

  for (;;) {
    dev = parent!;
    parent = dev.parent;
    if (!parent) return { ok: true, address: readNumber(addr, 0, na) };
    const pbus = busOf(parent, f);
    if (!pbus) return fail("not-a-bus", parent, `DT: ${parent.path} is not a valid bus`);
    const { na: pna, ns: pns } = countCells(pbus, dev, opts);
    if (!checkCounts(pna, pns)) {
      return fail("bad-cell-count", dev, `dt_parse: Bad cell count for parent ${dev.path}`);
    }
    // dt_translate_one(dev, bus, pbus, addr, na, ns, pna, rprop)
    const rp = dev.prop(rprop);
    let offset: bigint;
    if (!rp) {
      return fail(
        "no-ranges",
        dev,
        `DT: no ${rprop}; cannot translate (${dev.path} has no ${rprop})`,
      );
    }
    if (rp.value.length === 0) {
      offset = readNumber(addr, 0, na);
      for (let i = 0; i < pna; i++) addr[i] = 0;
    } else {
      const rone = na + pna + ns;
      entryCheck(dev, rp, rone, `child ${na} + parent ${pna} + size ${ns} cells`, strict);
      const ranges = cellsOf(rp);
      offset = -1n;
      let r = 0;
      for (; ranges.length - r >= rone; r += rone) {
        offset = busMap(bus, addr, ranges, r, na, ns, pna, f);
        if (offset >= 0n) break;
      }
      if (offset < 0n) {
        return fail(
          "no-matching-range",
          dev,
          `No ${rprop} entry of ${dev.path} covers address 0x${
            readNumber(addr, 0, na).toString(16)
          }`,
        );
      }
      for (let i = 0; i < pna; i++) addr[i] = ranges[r + na + i];
    }
    busTranslate(pbus, addr, offset, pna);
    na = pna;
    ns = pns;
    bus = pbus;
  }
}

/**
 * `dt_device_get_address`: entry `index` of the node's `reg`, translated to a CPU physical
 * address, with its size.
 */
export function deviceGetAddress(
  node: Node,
  index: number,
  opts?: AddressOptions,
): Region | AddressError {
  const e = getAddress(node, index, opts);
  if ("ok" in e) return e;
  const t = translateAddress(node, e.cells, opts);
  if (!t.ok) return t;
  return { ok: true, address: t.address, size: e.size };
}

/** Every `reg` entry of the node, each translated (or the reason it is not). */
export function deviceAddresses(
  node: Node,
  opts?: AddressOptions,
): (Region | AddressError)[] {
  const out: (Region | AddressError)[] = [];
  const n = numberOfAddress(node, opts);
  for (let i = 0; i < n; i++) out.push(deviceGetAddress(node, i, opts));
  return out;
}

/** One `ranges` entry of a bus, its parent side translated to a CPU address. */
export interface BusRange {
  /** The child-side address cells. */
  childCells: number[];
  /** Flags of the child bus (`IORESOURCE_*`; PCI I/O vs memory). */
  flags: number;
  /** The CPU physical address, or why it could not be translated. */
  cpu: { ok: true; address: bigint } | AddressError;
  /** Size of the window. */
  size: bigint;
}

/**
 * `dt_for_each_range`: the windows a bus node (e.g. a PCI host bridge) maps, translated. An
 * empty `ranges` gives []; a node that is not a bus gives [] (Xen: "not a bus"). A missing
 * `ranges` or bad cell counts give an {@link AddressError}.
 */
export function busRanges(node: Node, opts?: AddressOptions): BusRange[] | AddressError {
  const f = flavorOf(opts);
  const strict = opts?.strict ?? true;
  const bus = busOf(node, f);
  if (!bus) return [];
  const parent = node.parent;
  if (!parent) return fail("no-parent", node, "The root node has no parent bus");
  const rp = node.prop("ranges");
  if (!rp) return fail("no-ranges", node, `DT: no ranges; cannot enumerate ${node.path}`);
  if (rp.value.length === 0) return [];
  // The child-side cells. Xen calls bus->count_cells(dev), which for the default bus reads the
  // node's *parent's* cells (dt_n_addr_cells); Xen only uses this for PCI host bridges, where
  // it is 3/2 either way. Linux (of_range_parser_init) uses the node's own cells.
  let na: number, ns: number;
  if (bus === "pci") [na, ns] = [3, 2];
  else if (bus === "isa") [na, ns] = [2, 1];
  else if (f === "xen") [na, ns] = [nAddrCells(node, opts), nSizeCells(node, opts)];
  else [na, ns] = [childAddrCells(node, opts), childSizeCells(node, opts)];
  if (!checkCounts(na, ns)) {
    return fail("bad-cell-count", node, `dt_parse: Bad cell count for device ${node.path}`);
  }
  const pbus = busOf(parent, f);
  if (!pbus) return fail("not-a-bus", parent, `DT: ${parent.path} is not a valid bus`);
  const { na: pna, ns: pns } = countCells(pbus, node, opts);
  if (!checkCounts(pna, pns)) {
    return fail("bad-cell-count", node, `dt_parse: Bad cell count for parent ${node.path}`);
  }
  const rone = na + pna + ns;
  entryCheck(node, rp, rone, `child ${na} + parent ${pna} + size ${ns} cells`, strict);
  const ranges = cellsOf(rp);
  const out: BusRange[] = [];
  for (let r = 0; ranges.length - r >= rone; r += rone) {
    const paddr = ranges.slice(r + na, r + na + pna);
    out.push({
      childCells: ranges.slice(r, r + na),
      flags: getFlags(bus, ranges, r, f),
      cpu: translateAddress(node, paddr, opts),
      size: readNumber(ranges, r + na + pna, ns),
    });
  }
  return out;
}
