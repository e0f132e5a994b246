/**
 * Xen's view of the host device tree (xen/common/device_tree.c, 4.17): name/compatible/type
 * matching (case-insensitive, `dt_node_cmp`/`dt_compat_cmp` = strcasecmp), `#address-cells`
 * lookups, `reg`/`assigned-addresses` decoding with the default and PCI bus translators,
 * `ranges` enumeration, and interrupt parsing (`interrupts`, `interrupts-extended`,
 * `interrupt-map` walks) — all as Xen does them, because Xen's answers (not Linux's) decide what
 * dom0 gets. Works on the shared {@link DeviceTree} model; nothing here mutates the tree.
 *
 * @module
 */

import type { DeviceTree, Node, Property } from "../dt/tree.ts";

/** `DT_ROOT_NODE_ADDR_CELLS_DEFAULT` (xen/include/xen/device_tree.h). */
export const DT_ROOT_NODE_ADDR_CELLS_DEFAULT = 2;
/** `DT_ROOT_NODE_SIZE_CELLS_DEFAULT`. */
export const DT_ROOT_NODE_SIZE_CELLS_DEFAULT = 1;
/** `DT_MAX_ADDR_CELLS` (device_tree.c). */
const DT_MAX_ADDR_CELLS = 4;
/** `DT_MAX_IRQ_SPEC` (device_tree.h). */
const DT_MAX_IRQ_SPEC = 4;
/** `MAX_PHANDLE_ARGS`. */
const MAX_PHANDLE_ARGS = 16;

/** An interrupt before translation: the controller node and its specifier cells. */
export interface RawIrq {
  /** The interrupt controller the specifier is for. */
  controller: Node;
  /** Specifier cells. */
  spec: number[];
}

/** Result of a phandle+args parse. */
export interface PhandleArgs {
  /** The node the phandle names. */
  node: Node;
  /** The argument cells. */
  args: number[];
}

/** Case-insensitive string equality (strcasecmp == 0). */
export function strcaseeq(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

const compatCache = new WeakMap<Property, string[]>();

/** The node's compatible entries, lower-cased (cached per property value). */
export function compatLower(node: Node): string[] {
  const p = node.prop("compatible");
  if (!p) return [];
  let c = compatCache.get(p);
  if (!c) {
    c = p.strings().map((s) => s.toLowerCase());
    compatCache.set(p, c);
  }
  return c;
}

/** `dt_device_is_compatible`: any compatible entry equal (case-insensitive) to `compat`. */
export function dtIsCompatible(node: Node, compat: string): boolean {
  const c = compatLower(node);
  if (c.length === 0) return false;
  return c.includes(compat.toLowerCase());
}

/** The node's `device_type` (Xen stores "<NULL>" when absent). */
export function dtType(node: Node): string {
  return node.prop("device_type")?.str() ?? "<NULL>";
}

/** `dt_device_type_is_equal`. */
export function dtTypeIs(node: Node, type: string): boolean {
  return strcaseeq(dtType(node), type);
}

/** `dt_node_path_is_equal` (case-insensitive full path). */
export function dtPathIs(node: Node, path: string): boolean {
  return strcaseeq(node.path, path);
}

/** `np->name`: the node name up to '@' ("" for the root). */
export function dtName(node: Node): string {
  return node.baseName;
}

/** `dt_read_number`: big-endian cells [start, start+n) of a value as a number (low 64 bits). */
export function readCells(v: Uint8Array, start: number, n: number): number {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const o = (start + i) * 4;
    const c = ((v[o] << 24) | (v[o + 1] << 16) | (v[o + 2] << 8) | v[o + 3]) >>> 0;
    hi = lo;
    lo = c;
  }
  return hi * 0x100000000 + lo;
}

/** `dt_property_read_u32`: the first cell when the value has at least 4 bytes. */
export function readU32(node: Node, name: string): number | undefined {
  const p = node.prop(name);
  if (!p || p.length < 4) return undefined;
  return p.u32(0);
}

function cellsProp(node: Node, name: string): number | undefined {
  const p = node.prop(name);
  return p && p.length >= 4 ? p.u32(0) : undefined;
}

/** `dt_n_addr_cells(np)`: #address-cells from the parent upwards (default 2). */
export function dtNAddrCells(np: Node): number {
  let n: Node | null = np;
  let first = true;
  while (n) {
    if (n.parent && first) n = n.parent;
    first = false;
    const v = cellsProp(n, "#address-cells");
    if (v !== undefined) return v;
    if (!n.parent) break;
    n = n.parent;
  }
  return DT_ROOT_NODE_ADDR_CELLS_DEFAULT;
}

/** `dt_n_size_cells(np)`: #size-cells from the parent upwards (default 1). */
export function dtNSizeCells(np: Node): number {
  let n: Node | null = np;
  let first = true;
  while (n) {
    if (n.parent && first) n = n.parent;
    first = false;
    const v = cellsProp(n, "#size-cells");
    if (v !== undefined) return v;
    if (!n.parent) break;
    n = n.parent;
  }
  return DT_ROOT_NODE_SIZE_CELLS_DEFAULT;
}

/** `dt_child_n_addr_cells(parent)`: the node's own #address-cells, else upwards. */
export function dtChildNAddrCells(parent: Node): number {
  let n: Node | null = parent;
  while (n) {
    const v = cellsProp(n, "#address-cells");
    if (v !== undefined) return v;
    n = n.parent;
  }
  return DT_ROOT_NODE_ADDR_CELLS_DEFAULT;
}

/** `dt_child_n_size_cells(parent)`. */
export function dtChildNSizeCells(parent: Node): number {
  let n: Node | null = parent;
  while (n) {
    const v = cellsProp(n, "#size-cells");
    if (v !== undefined) return v;
    n = n.parent;
  }
  return DT_ROOT_NODE_SIZE_CELLS_DEFAULT;
}

interface Bus {
  name: "pci" | "default";
  addresses: string;
}

const PCI_BUS: Bus = { name: "pci", addresses: "assigned-addresses" };
const DEFAULT_BUS: Bus = { name: "default", addresses: "reg" };

/** `IORESOURCE_IO` / `IORESOURCE_MEM` for the PCI translator's type check. */
const IORESOURCE_IO = 0x100;
const IORESOURCE_MEM = 0x200;

/**
 * Xen's device-tree helper bound to one host tree: phandle index, the primary interrupt
 * controller and its translator, and the bus/IRQ walks.
 */
export class XenDeviceTree {
  /** The host tree. */
  readonly tree: DeviceTree;
  /** `dt_interrupt_controller` (set by GIC discovery). */
  intc: Node | null = null;
  private readonly byPh = new Map<number, Node>();
  /** Warnings Xen prints while walking (e.g. "Missing device_type"). */
  readonly warnings: string[] = [];

  /** Index `tree` (phandles). */
  constructor(tree: DeviceTree) {
    this.tree = tree;
    for (const n of tree.root.walk()) {
      const p = n.prop("phandle") ?? n.prop("linux,phandle");
      if (p && p.length >= 4) {
        const ph = p.u32(0);
        if (!this.byPh.has(ph)) this.byPh.set(ph, n);
      }
    }
  }

  /** `dt_find_node_by_phandle`. */
  byPhandle(ph: number): Node | undefined {
    return this.byPh.get(ph);
  }

  /** The node's phandle as Xen's unflattener records it (0 when none). */
  phandleOf(n: Node): number {
    const p = n.prop("phandle") ?? n.prop("linux,phandle");
    return p && p.length >= 4 ? p.u32(0) : 0;
  }

  /** Whether a node is a PCI bus (`dt_bus_pci_match`). */
  private isPciNode(np: Node): boolean {
    const t = dtType(np);
    if (t === "pci" || t === "pciex" || t === "vci" || t === "ht") return true;
    const nm = dtName(np);
    if (nm === "pcie" || nm === "pci") {
      this.warnings.push(`${np.path}: Missing device_type`);
      return true;
    }
    return false;
  }

  /** `dt_match_bus`: PCI, or default when the node is the root or has `ranges`. */
  private matchBus(np: Node): Bus | undefined {
    if (this.isPciNode(np)) return PCI_BUS;
    if (!np.parent || np.has("ranges")) return DEFAULT_BUS;
    return undefined;
  }

  /** `dt_bus_default_count_cells` / PCI variant: (#address-cells, #size-cells) of a bus. */
  private countCells(bus: Bus, dev: Node): [number, number] {
    return bus === PCI_BUS ? [3, 2] : [dtNAddrCells(dev), dtNSizeCells(dev)];
  }

  /** `dt_number_of_address`. */
  numberOfAddress(dev: Node): number {
    const parent = dev.parent;
    if (!parent) return 0;
    const bus = this.matchBus(parent);
    if (!bus) return 0;
    const [na, ns] = this.countCells(bus, dev);
    if (!(na > 0 && na <= DT_MAX_ADDR_CELLS && ns > 0)) return 0;
    const p = dev.prop(bus.addresses);
    if (!p) return 0;
    return Math.floor(Math.floor(p.length / 4) / (na + ns));
  }

  /** `dt_device_get_address`: translated [addr, size] of entry `index`, or undefined. */
  getAddress(dev: Node, index: number): [number, number] | undefined {
    const parent = dev.parent;
    if (!parent) return undefined;
    const bus = this.matchBus(parent);
    if (!bus) return undefined;
    const [na, ns] = this.countCells(bus, dev);
    if (!(na > 0 && na <= DT_MAX_ADDR_CELLS)) return undefined;
    const p = dev.prop(bus.addresses);
    if (!p) return undefined;
    const cells = Math.floor(p.length / 4);
    const one = na + ns;
    if ((index + 1) * one > cells) return undefined;
    const size = readCells(p.value, index * one + na, ns);
    const addrCells: number[] = [];
    for (let i = 0; i < na; i++) addrCells.push(p.u32(index * one + i));
    const a = this.translate(dev, addrCells);
    return a === undefined ? undefined : [a, size];
  }

  /** `__dt_translate_address(dev, in_addr, "ranges")`: undefined for DT_BAD_ADDR. */
  translate(dev: Node, inAddr: number[]): number | undefined {
    let parent = dev.parent;
    if (!parent) return undefined;
    let bus = this.matchBus(parent);
    if (!bus) return undefined;
    let [na, ns] = this.countCells(bus, dev);
    if (!(na > 0 && na <= DT_MAX_ADDR_CELLS && ns > 0)) return undefined;
    let addr = inAddr.slice(0, na);
    let cur: Node = dev;
    for (;;) {
      cur = parent;
      parent = cur.parent;
      if (!parent) return cellsToNum(addr, 0, na);
      const pbus = this.matchBus(parent);
      if (!pbus) return undefined;
      const [pna, pns] = this.countCells(pbus, cur);
      if (!(pna > 0 && pna <= DT_MAX_ADDR_CELLS && pns > 0)) return undefined;
      const next = this.translateOne(cur, bus, pbus, addr, na, ns, pna);
      if (!next) return undefined;
      addr = next;
      na = pna;
      ns = pns;
      bus = pbus;
    }
  }

  /** `__dt_translate_address` step: translate one address through a parent's `ranges`. */
  private translateOne(
    parent: Node,
    bus: Bus,
    pbus: Bus,
    addr: number[],
    na: number,
    ns: number,
    pna: number,
  ): number[] | undefined {
    const ranges = parent.prop("ranges");
    if (!ranges) return undefined;
    let offset: number;
    let base: number[];
    if (ranges.length === 0) {
      offset = cellsToNum(addr, 0, na);
      base = new Array(pna).fill(0);
    } else {
      const cells = ranges.cells();
      const rone = na + pna + ns;
      let found = -1;
      offset = -1;
      for (let r = 0; r + rone <= cells.length; r += rone) {
        offset = this.busMap(bus, addr, cells, r, na, ns, pna);
        if (offset >= 0) {
          found = r;
          break;
        }
      }
      if (found < 0) return undefined;
      base = cells.slice(found + na, found + na + pna);
    }
    // pbus->translate(addr, offset, pna)
    if (pbus === PCI_BUS) {
      const a = cellsToNum(base, 1, pna - 1) + offset;
      return [base[0], ...numToCells(a, pna - 1)];
    }
    const a = cellsToNum(base, 0, pna) + offset;
    return numToCells(a, pna);
  }

  /** `dt_bus_*_map`: offset of an address within one `ranges` entry, or undefined. */
  private busMap(
    bus: Bus,
    addr: number[],
    r: number[],
    at: number,
    na: number,
    ns: number,
    pna: number,
  ): number {
    let cp: number, s: number, da: number;
    if (bus === PCI_BUS) {
      const af = flagsOf(addr[0]);
      const rf = flagsOf(r[at]);
      if ((af ^ rf) & (IORESOURCE_MEM | IORESOURCE_IO)) return -1;
      cp = cellsToNum(r, at + 1, na - 1);
      s = cellsToNum(r, at + na + pna, ns);
      da = cellsToNum(addr, 1, na - 1);
    } else {
      cp = cellsToNum(r, at, na);
      s = cellsToNum(r, at + na + pna, ns);
      da = cellsToNum(addr, 0, na);
      if (na > 2) {
        for (let i = 0; i < na; i++) if (r[at + i] !== addr[i]) return -1;
      }
    }
    if (da < cp || da >= cp + s) return -1;
    return da - cp;
  }

  /**
   * `dt_for_each_range(dev, cb)`: every `ranges` entry of a bus node, translated to a CPU address.
   * Returns false when Xen's walk would fail (-EINVAL), true otherwise.
   */
  forEachRange(dev: Node, cb: (addr: number, len: number) => void): boolean {
    const bus = this.matchBus(dev);
    if (!bus) return true;
    const parent = dev.parent;
    if (!parent) return false;
    const ranges = dev.prop("ranges");
    if (!ranges) return false;
    if (ranges.length === 0) return true;
    const [na, ns] = this.countCells(bus, dev);
    if (!(na > 0 && na <= DT_MAX_ADDR_CELLS && ns > 0)) return false;
    const pbus = this.matchBus(parent);
    if (!pbus) return false;
    const [pna, pns] = this.countCells(pbus, dev);
    if (!(pna > 0 && pna <= DT_MAX_ADDR_CELLS && pns > 0)) return false;
    const cells = ranges.cells();
    const rone = na + pna + ns;
    for (let r = 0; r + rone <= cells.length; r += rone) {
      const a = this.translate(dev, cells.slice(r + na, r + na + pna));
      const s = cellsToNum(cells, r + na + pna, ns);
      cb(a ?? -1, s);
    }
    return true;
  }

  /** `__dt_parse_phandle_with_args`: args at `index`, a count (index < 0), or an errno < 0. */
  parsePhandleWithArgs(
    np: Node,
    listName: string,
    cellsName: string | null,
    index: number,
  ): PhandleArgs | number {
    const p = np.prop(listName);
    if (!p) return -2; // -ENOENT
    const list = p.cells();
    let i = 0;
    let cur = 0;
    while (i < list.length) {
      const ph = list[i++];
      let count = 0;
      let node: Node | undefined;
      if (ph) {
        if (cellsName || cur === index) {
          node = this.byPhandle(ph);
          if (!node) return -22;
        }
        if (cellsName) {
          const c = node ? readU32(node, cellsName) : undefined;
          if (c === undefined) return -22;
          count = c;
        }
        if (i + count > list.length) return -22;
      }
      if (cur === index) {
        if (!ph || !node) return -2;
        const n = Math.min(count, MAX_PHANDLE_ARGS);
        return { node, args: list.slice(i, i + n) };
      }
      i += count;
      cur++;
    }
    return index < 0 ? cur : -2;
  }

  /** `dt_irq_find_parent`: follow interrupt-parent / parents to a node with #interrupt-cells. */
  irqFindParent(child: Node): Node | undefined {
    let c: Node = child;
    let p: Node | undefined;
    let guard = 0;
    do {
      const ip: Property | undefined = c.prop("interrupt-parent");
      p = ip ? (ip.length >= 4 ? this.byPhandle(ip.u32(0)) : undefined) : c.parent ?? undefined;
      if (!p) return undefined;
      c = p;
      if (++guard > 4096) return undefined; // a cycle of interrupt-parent references
    } while (!p.has("#interrupt-cells"));
    return p;
  }

  /** `dt_number_of_irq`. */
  numberOfIrq(dev: Node): number {
    const n = this.parsePhandleWithArgs(dev, "interrupts-extended", "#interrupt-cells", -1);
    if (typeof n === "number" && n >= 0) return n;
    const ints = dev.prop("interrupts");
    if (!ints) return 0;
    const p = this.irqFindParent(dev);
    if (!p) return 0;
    const sz = readU32(p, "#interrupt-cells");
    if (sz === undefined || sz === 0) return 0;
    return Math.floor(Math.floor(ints.length / 4) / sz);
  }

  /** `dt_device_get_raw_irq`: the raw IRQ at `index`, or an errno < 0. */
  getRawIrq(dev: Node, index: number): RawIrq | number {
    const reg = dev.prop("reg");
    const addr = reg ? reg.cells() : null;
    const ext = this.parsePhandleWithArgs(dev, "interrupts-extended", "#interrupt-cells", index);
    if (typeof ext !== "number") {
      return this.irqMapRaw(ext.node, ext.args, ext.args.length, addr);
    }
    const ints = dev.prop("interrupts");
    if (!ints) return -22;
    const p = this.irqFindParent(dev);
    if (!p) return -22;
    const sz = readU32(p, "#interrupt-cells");
    if (sz === undefined) return -22;
    const all = ints.cells();
    if ((index + 1) * sz > all.length) return -22;
    return this.irqMapRaw(p, all.slice(index * sz, index * sz + sz), sz, addr);
  }

  /** `dt_irq_map_raw`: walk interrupt-map nexuses up to an interrupt controller. */
  irqMapRaw(
    parent: Node,
    intspecIn: number[],
    ointsize: number,
    addrIn: number[] | null,
  ): RawIrq | number {
    let ipar: Node | undefined = parent;
    let intsize = 1;
    let intspec = intspecIn;
    let addr = addrIn;
    let guard = 0;
    for (;;) {
      const t = ipar ? readU32(ipar, "#interrupt-cells") : undefined;
      if (t !== undefined && ipar) {
        intsize = t;
        break;
      }
      ipar = ipar ? this.irqFindParent(ipar) : undefined;
      if (!ipar) return -22;
    }
    if (ointsize !== intsize) return -22;
    let old: Node | null = ipar;
    let tmp: number | undefined;
    do {
      tmp = readU32(old, "#address-cells");
      old = old.parent;
    } while (old && tmp === undefined);
    let addrsize = tmp === undefined ? 2 : tmp;

    while (ipar) {
      if (++guard > 256) return -22;
      if (ipar.has("interrupt-controller")) {
        if (intsize > DT_MAX_IRQ_SPEC) return -22;
        return { controller: ipar, spec: intspec.slice(0, intsize) };
      }
      const imapP = ipar.prop("interrupt-map");
      if (!imapP) {
        ipar = this.irqFindParent(ipar);
        continue;
      }
      const imap = imapP.cells();
      const imaskP = ipar.prop("interrupt-map-mask");
      const imask = imaskP ? imaskP.cells() : null;
      if (addr === null && addrsize !== 0) return -22;
      let pos = 0;
      let len = imap.length;
      let match = false;
      let newpar: Node | undefined;
      let newintsize = 0;
      let newaddrsize = 0;
      while (len > addrsize + intsize + 1 && !match) {
        match = true;
        let i = 0;
        for (; i < addrsize && match; i++) {
          const m = imask ? (imask[i] ?? 0) : 0xffffffff;
          match = (((addr?.[i] ?? 0) ^ imap[pos + i]) & m) === 0;
        }
        for (; i < addrsize + intsize && match; i++) {
          const m = imask ? (imask[i] ?? 0) : 0xffffffff;
          match = (((intspec[i - addrsize] ?? 0) ^ imap[pos + i]) & m) === 0;
        }
        pos += addrsize + intsize;
        len -= addrsize + intsize;
        newpar = this.byPhandle(imap[pos]);
        pos++;
        len--;
        if (!newpar) return -22;
        const nic = readU32(newpar, "#interrupt-cells");
        if (nic === undefined) return -22;
        newintsize = nic;
        newaddrsize = readU32(newpar, "#address-cells") ?? 0;
        if (len < newaddrsize + newintsize) return -22;
        pos += newaddrsize + newintsize;
        len -= newaddrsize + newintsize;
      }
      if (!match || !newpar) return -22;
      addrsize = newaddrsize;
      intsize = newintsize;
      intspec = imap.slice(pos - intsize, pos);
      addr = imap.slice(pos - intsize - addrsize, pos - intsize);
      ipar = newpar;
    }
    return -22;
  }

  /**
   * `dt_for_each_irq_map` for a PCI bridge: every `interrupt-map` entry whose parent is the
   * primary controller, as raw specifiers. Returns an errno < 0 on a malformed map.
   */
  forEachIrqMap(dev: Node, cb: (raw: RawIrq) => number): number {
    let ipar: Node | undefined = dev;
    let intsize = 1;
    for (;;) {
      const t = ipar ? readU32(ipar, "#interrupt-cells") : undefined;
      if (t !== undefined) {
        intsize = t;
        break;
      }
      ipar = ipar ? this.irqFindParent(ipar) : undefined;
      if (!ipar) return -22;
    }
    if (intsize > DT_MAX_IRQ_SPEC) return -22;
    let old: Node | null = ipar!;
    let tmp: number | undefined;
    do {
      tmp = readU32(old, "#address-cells");
      old = old.parent;
    } while (old && tmp === undefined);
    const addrsize = tmp === undefined ? 2 : tmp;
    const imapP = dev.prop("interrupt-map");
    if (!imapP) return 0;
    const imap = imapP.cells();
    let pos = 0;
    let len = imap.length;
    while (len > addrsize + intsize + 1) {
      pos += addrsize + intsize;
      len -= addrsize + intsize;
      const par = this.byPhandle(imap[pos]);
      pos++;
      len--;
      if (!par) return -22;
      const pint = readU32(par, "#interrupt-cells");
      if (pint === undefined) return -22;
      const padd = readU32(par, "#address-cells") ?? 0;
      if (pint > DT_MAX_IRQ_SPEC) return -22;
      if (len < padd + pint) return -22;
      pos += padd;
      len -= padd;
      const spec = imap.slice(pos, pos + pint);
      pos += pint;
      len -= pint;
      if (par !== this.intc) continue;
      const r = cb({ controller: par, spec });
      if (r) return r;
    }
    return 0;
  }
}

function flagsOf(w: number): number {
  const t = (w >>> 24) & 3;
  return t === 1 ? IORESOURCE_IO : t >= 2 ? IORESOURCE_MEM : 0;
}

/** Cells [at, at+n) of a cell array as a number (low 64 bits). */
export function cellsToNum(c: number[], at: number, n: number): number {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    hi = lo;
    lo = (c[at + i] ?? 0) >>> 0;
  }
  return hi * 0x100000000 + lo;
}

/** A number as `n` big-endian cells (upper cells zero beyond 64 bits). */
export function numToCells(v: number, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  if (n >= 1) out[n - 1] = v % 0x100000000 >>> 0;
  if (n >= 2) out[n - 2] = Math.floor(v / 0x100000000) >>> 0;
  return out;
}

/** Encode (start, size) as `addrcells`+`sizecells` cells (`dt_child_set_range`). */
export function setRange(out: number[], ac: number, sc: number, start: number, size: number): void {
  out.push(...numToCells(start, ac), ...numToCells(size, sc));
}
