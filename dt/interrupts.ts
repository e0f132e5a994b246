/**
 * Interrupts in the device tree: `interrupts`, `interrupts-extended`, `interrupt-parent`
 * (walking up the tree), `#interrupt-cells`, `interrupt-map`/`interrupt-map-mask` (PCI host
 * bridges, nexus nodes) and the GIC's three-cell specifier — as Xen 4.17 does it
 * (`xen/common/device_tree.c`: `dt_irq_find_parent`, `dt_number_of_irq`, `dt_irq_map_raw`,
 * `dt_device_get_raw_irq`, `dt_for_each_irq_map`, `__dt_parse_phandle_with_args`;
 * `xen/arch/arm/gic.c` `gic_irq_xlate`) and, with flavor `"linux"`, Linux 6.1
 * (`drivers/of/irq.c` `of_irq_parse_raw`; `drivers/irqchip/irq-gic*.c`
 * `gic_irq_domain_translate`).
 *
 * Results are values: `{ ok: true, ... }` or `{ ok: false, reason, message }` (Xen returns
 * -EINVAL/-ENOENT there). Malformed cell properties (`#interrupt-cells`, `#address-cells` or
 * `interrupt-parent` not exactly one cell, `interrupts` not a whole number of specifiers) throw
 * {@link InputError} with the node path as location unless `strict: false`.
 *
 * Flavor differences: Linux lets an `interrupt-map` on an interrupt controller take precedence
 * (`of_irq_parse_raw` since 5.16) and allows up to 16 specifier cells (`MAX_PHANDLE_ARGS`);
 * Xen stops at the first `interrupt-controller` and allows 4 (`DT_MAX_IRQ_SPEC`).
 * When a device's `reg` is shorter than the `#address-cells` an `interrupt-map` needs, the
 * missing cells read as 0 (as Linux does since its 2024 out-of-bounds fix; Xen reads past
 * `reg`).
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { readCellProperty } from "./address.ts";
import type { Flavor } from "./address.ts";
import type { Node, Property } from "./tree.ts";

/** `GIC_SPI` (include/dt-bindings/interrupt-controller/arm-gic.h): first cell of an SPI. */
export const GIC_SPI = 0;
/** `GIC_PPI`: first cell of a PPI. */
export const GIC_PPI = 1;
/** Linux `GIC_ESPI` (GICv3.1 extended SPI range). */
export const GIC_ESPI = 2;
/** Linux `GIC_EPPI` (GICv3.1 extended PPI range). */
export const GIC_EPPI = 3;
/** `IRQ_TYPE_NONE` (include/dt-bindings/interrupt-controller/irq.h). */
export const IRQ_TYPE_NONE = 0;
/** `IRQ_TYPE_EDGE_RISING`. */
export const IRQ_TYPE_EDGE_RISING = 1;
/** `IRQ_TYPE_EDGE_FALLING`. */
export const IRQ_TYPE_EDGE_FALLING = 2;
/** `IRQ_TYPE_EDGE_BOTH`. */
export const IRQ_TYPE_EDGE_BOTH = 3;
/** `IRQ_TYPE_LEVEL_HIGH`. */
export const IRQ_TYPE_LEVEL_HIGH = 4;
/** `IRQ_TYPE_LEVEL_LOW`. */
export const IRQ_TYPE_LEVEL_LOW = 8;
/** `IRQ_TYPE_SENSE_MASK`: the trigger bits of the GIC's third cell. */
export const IRQ_TYPE_SENSE_MASK = 0xf;
/** Xen `DT_MAX_IRQ_SPEC` (xen/include/xen/device_tree.h). */
export const DT_MAX_IRQ_SPEC = 4;
/** Linux `MAX_PHANDLE_ARGS` (include/linux/of.h). */
export const MAX_PHANDLE_ARGS = 16;
/** First SPI interrupt ID (ARM GIC architecture: SGIs 0–15, PPIs 16–31, SPIs from 32). */
export const GIC_SPI_BASE = 32;
/** First PPI interrupt ID. */
export const GIC_PPI_BASE = 16;
/** Linux `ESPI_BASE_INTID` (GICv3.1 extended SPIs start at 4096). */
export const GIC_ESPI_BASE = 4096;
/** Linux `EPPI_BASE_INTID` (GICv3.1 extended PPIs start at 1056). */
export const GIC_EPPI_BASE = 1056;

/**
 * Linux 6.1 `of_irq_imap_abusers` (drivers/of/irq.c): interrupt controllers whose
 * `interrupt-map` the core ignores (their drivers parse it).
 */
export const OF_IRQ_IMAP_ABUSERS: readonly string[] = [
  "CBEA,platform-spider-pic",
  "sti,platform-spider-pic",
  "realtek,rtl-intc",
  "fsl,ls1021a-extirq",
  "fsl,ls1043a-extirq",
  "fsl,ls1088a-extirq",
  "renesas,rza1-irqc",
];

/** Options shared by the interrupt functions. */
export interface IrqOptions {
  /** Whose rules: `"xen"` (default) or `"linux"`. */
  flavor?: Flavor;
  /** Throw {@link InputError} on malformed cell properties (default true). */
  strict?: boolean;
}

/** An interrupt resolved to its controller: `struct dt_raw_irq` / `of_phandle_args`. */
export interface RawIrq {
  /** The interrupt controller node. */
  controller: Node;
  /** The specifier cells in that controller's format (`#interrupt-cells` long). */
  specifier: number[];
}

/** Why an interrupt could not be resolved. */
export type IrqFailure =
  /** No `interrupts`/`interrupts-extended`, or the index is past the end. */
  | "no-interrupt"
  /** No interrupt parent could be found (or a phandle names no node). */
  | "no-parent"
  /** The parent lacks `#interrupt-cells`. */
  | "no-interrupt-cells"
  /** The specifier size does not match the parent's `#interrupt-cells`, or is too large. */
  | "bad-specifier"
  /** An `interrupt-map` has no entry for the specifier, or is malformed. */
  | "no-map-entry"
  /** An `interrupt-map` needs a unit address but the device has no `reg`. */
  | "no-reg";

/** A failed interrupt lookup. */
export interface IrqError {
  /** Discriminant. */
  ok: false;
  /** Why. */
  reason: IrqFailure;
  /** A one-line explanation naming the node. */
  message: string;
}

function err(reason: IrqFailure, message: string): IrqError {
  return { ok: false, reason, message };
}

function be32(v: Uint8Array, o: number): number {
  return ((v[o] << 24) | (v[o + 1] << 16) | (v[o + 2] << 8) | v[o + 3]) >>> 0;
}

function cellsOf(p: Property): number[] {
  const n = p.value.length >> 2;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = be32(p.value, i * 4);
  return out;
}

function rootOf(n: Node): Node {
  while (n.parent) n = n.parent;
  return n;
}

/**
 * `dt_find_node_by_phandle` over the tree containing `from` (phandle, or legacy
 * `linux,phandle`); undefined for 0, 0xffffffff or an unknown value.
 */
export function findNodeByPhandle(from: Node, phandle: number): Node | undefined {
  if (phandle === 0 || phandle === 0xffffffff) return undefined;
  const stack = [rootOf(from)];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.phandle === phandle) return n;
    for (let i = n.children.length - 1; i >= 0; i--) {
      if (!n.children[i].deleted) stack.push(n.children[i]);
    }
  }
  return undefined;
}

function strictOf(o?: IrqOptions): boolean {
  return o?.strict ?? true;
}

/** `#interrupt-cells` of `node`, undefined when absent (InputError when not one cell, strict). */
export function interruptCells(node: Node, opts?: IrqOptions): number | undefined {
  return readCellProperty(node, "#interrupt-cells", strictOf(opts));
}

/**
 * `dt_irq_find_parent` / `of_irq_find_parent`: follow `interrupt-parent` (else the tree
 * parent) until a node with `#interrupt-cells`; null when the chain ends or a phandle is unknown.
 */
export function irqFindParent(child: Node, opts?: IrqOptions): Node | null {
  let c: Node | null = child;
  let p: Node | null;
  const seen = new Set<Node>();
  do {
    const ph = readCellProperty(c!, "interrupt-parent", strictOf(opts));
    p = ph === undefined ? c!.parent : findNodeByPhandle(c!, ph) ?? null;
    c = p;
    // An interrupt-parent cycle without #interrupt-cells would loop forever in Xen and Linux.
    if (p && seen.has(p)) return null;
    if (p) seen.add(p);
  } while (p && !p.has("#interrupt-cells"));
  return p;
}

/** Result of {@link parsePhandleWithArgs}. */
export interface PhandleArgs {
  /** Discriminant. */
  ok: true;
  /** The referenced node. */
  node: Node;
  /** The argument cells that follow the phandle. */
  args: number[];
}

/** Why {@link parsePhandleWithArgs} failed: Xen's -ENOENT vs -EINVAL. */
export interface PhandleError {
  /** Discriminant. */
  ok: false;
  /** `ENOENT`: no property, empty entry or index past the end; `EINVAL`: malformed list. */
  reason: "ENOENT" | "EINVAL";
  /** A one-line explanation naming the node. */
  message: string;
}

function phandleList(
  np: Node,
  listName: string,
  cellsName: string | null,
  cellCount: number,
  index: number,
  strict: boolean,
): PhandleArgs | PhandleError | number {
  const p = np.prop(listName);
  if (!p) return { ok: false, reason: "ENOENT", message: `${np.path} has no ${listName}` };
  const list = cellsOf(p);
  let i = 0;
  let cur = 0;
  while (i < list.length) {
    const phandle = list[i++];
    let count = 0;
    let node: Node | undefined;
    if (phandle) {
      if (cellsName || cur === index) {
        node = findNodeByPhandle(np, phandle);
        if (!node) {
          return {
            ok: false,
            reason: "EINVAL",
            message: `${np.path}: could not find phandle 0x${phandle.toString(16)}`,
          };
        }
      }
      if (cellsName) {
        const c = readCellProperty(node!, cellsName, strict);
        if (c === undefined) {
          return {
            ok: false,
            reason: "EINVAL",
            message: `${np.path}: could not get ${cellsName} for ${node!.path}`,
          };
        }
        count = c;
      } else count = cellCount;
      if (i + count > list.length) {
        if (strict) {
          throw new InputError(np.path, `${listName}: arguments longer than property`);
        }
        return {
          ok: false,
          reason: "EINVAL",
          message: `${np.path}: arguments longer than property`,
        };
      }
    }
    if (cur === index) {
      if (!phandle) {
        return {
          ok: false,
          reason: "ENOENT",
          message: `${np.path}: ${listName} entry ${index} is empty`,
        };
      }
      return { ok: true, node: node!, args: list.slice(i, i + count) };
    }
    i += count;
    cur++;
  }
  return index < 0
    ? cur
    : { ok: false, reason: "ENOENT", message: `${np.path}: ${listName} has no entry ${index}` };
}

/**
 * `dt_parse_phandle_with_args` / `of_parse_phandle_with_args`: entry `index` of a
 * `phandle + args` list such as `interrupts-extended` (`#interrupt-cells`), `clocks`
 * (`#clock-cells`) or `gpios`.
 */
export function parsePhandleWithArgs(
  node: Node,
  listName: string,
  cellsName: string,
  index: number,
  opts?: IrqOptions,
): PhandleArgs | PhandleError {
  if (index < 0) return { ok: false, reason: "EINVAL", message: "negative index" };
  const r = phandleList(node, listName, cellsName, 0, index, strictOf(opts));
  return typeof r === "number" ? { ok: false, reason: "ENOENT", message: "" } : r;
}

/** `dt_count_phandle_with_args`: the number of entries, or the error. */
export function countPhandleWithArgs(
  node: Node,
  listName: string,
  cellsName: string,
  opts?: IrqOptions,
): number | PhandleError {
  const r = phandleList(node, listName, cellsName, 0, -1, strictOf(opts));
  return typeof r === "number" ? r : r as PhandleError;
}

/** `dt_parse_phandle`: the node of entry `index` of a plain phandle list, or undefined. */
export function parsePhandle(node: Node, name: string, index = 0): Node | undefined {
  if (index < 0) return undefined;
  const r = phandleList(node, name, null, 0, index, false);
  return typeof r !== "number" && r.ok ? r.node : undefined;
}

function maxSpec(o?: IrqOptions): number {
  return (o?.flavor ?? "xen") === "xen" ? DT_MAX_IRQ_SPEC : MAX_PHANDLE_ARGS;
}

/**
 * `dt_irq_map_raw` / `of_irq_parse_raw`: resolve the specifier `intspec` given to `parent`
 * (with the device's unit address `addr`, its `reg` cells, for `interrupt-map` matching) down
 * to the interrupt controller that finally receives it.
 */
export function irqMapRaw(
  parent: Node,
  intspec: readonly number[],
  addr: readonly number[] | null,
  opts?: IrqOptions,
): { ok: true; irq: RawIrq } | IrqError {
  const strict = strictOf(opts);
  const linux = (opts?.flavor ?? "xen") === "linux";
  let ipar: Node | null = parent;
  let intsize = 1;
  // Find #interrupt-cells of the first parent that has it.
  do {
    const c = readCellProperty(ipar, "#interrupt-cells", strict);
    if (c !== undefined) {
      intsize = c;
      break;
    }
    ipar = irqFindParent(ipar, opts);
  } while (ipar);
  if (!ipar) return err("no-parent", `No interrupt parent found for ${parent.path}`);
  if (intspec.length !== intsize) {
    return err(
      "bad-specifier",
      `${ipar.path} expects ${intsize} interrupt cells, the specifier has ${intspec.length}`,
    );
  }
  // #address-cells of the parent, "the old linux trick": walk up from ipar, default 2.
  let addrsize = 2;
  for (let old: Node | null = ipar; old; old = old.parent) {
    const a = readCellProperty(old, "#address-cells", strict);
    if (a !== undefined) {
      addrsize = a;
      break;
    }
  }
  let spec: number[] = intspec.slice();
  let unit: number[] | null = addr ? addr.slice() : null;

  for (let hops = 0; ipar; hops++) {
    if (hops > MAX_IRQ_HOPS) {
      return err(
        "no-parent",
        `Interrupt routing of ${parent.path} loops (more than ${MAX_IRQ_HOPS} levels)`,
      );
    }
    const intc = ipar.has("interrupt-controller");
    const mapProp: Property | undefined = ipar.prop("interrupt-map");
    if (intc && (!linux || !mapProp || ipar.isCompatible(...OF_IRQ_IMAP_ABUSERS))) {
      if (intsize > maxSpec(opts)) {
        return err("bad-specifier", `${ipar.path}: #interrupt-cells ${intsize} is too large`);
      }
      return { ok: true, irq: { controller: ipar, specifier: spec.slice(0, intsize) } };
    }
    if (!mapProp) {
      ipar = irqFindParent(ipar, opts);
      continue;
    }
    const imap = cellsOf(mapProp);
    const maskProp = ipar.prop("interrupt-map-mask");
    const imask = maskProp ? cellsOf(maskProp) : null;
    if (!unit && addrsize !== 0) {
      return err("no-reg", `${ipar.path} has an interrupt-map but the device has no reg`);
    }
    const matchCells = addrsize + intsize;
    const want = new Array<number>(matchCells);
    for (let i = 0; i < addrsize; i++) want[i] = (unit![i] ?? 0) >>> 0;
    for (let i = 0; i < intsize; i++) want[addrsize + i] = spec[i] >>> 0;
    let k = 0;
    let found: { par: Node; spec: number[]; unit: number[]; na: number; ni: number } | null = null;
    while (imap.length - k > matchCells + 1 && !found) {
      let match = true;
      for (let i = 0; i < matchCells && match; i++) {
        const mask = imask ? (imask[i] ?? 0) >>> 0 : 0xffffffff;
        match = ((want[i] ^ imap[k + i]) & mask) === 0;
      }
      k += matchCells;
      const newpar = findNodeByPhandle(ipar, imap[k]);
      k++;
      if (!newpar) {
        return err(
          "no-map-entry",
          `${ipar.path}: interrupt-map parent phandle 0x${imap[k - 1].toString(16)} not found`,
        );
      }
      const ni = readCellProperty(newpar, "#interrupt-cells", strict);
      if (ni === undefined) {
        return err("no-interrupt-cells", `${newpar.path} lacks #interrupt-cells`);
      }
      const na = readCellProperty(newpar, "#address-cells", strict) ?? 0;
      if (imap.length - k < na + ni) {
        if (strict) throw new InputError(ipar.path, "interrupt-map entry is truncated");
        return err("no-map-entry", `${ipar.path}: interrupt-map entry is truncated`);
      }
      if (match) {
        found = {
          par: newpar,
          unit: imap.slice(k, k + na),
          spec: imap.slice(k + na, k + na + ni),
          na,
          ni,
        };
      }
      k += na + ni;
    }
    if (!found) {
      return err(
        "no-map-entry",
        `${ipar.path}: no interrupt-map entry for <${
          want.map((c) => "0x" + c.toString(16)).join(" ")
        }>`,
      );
    }
    ipar = found.par;
    addrsize = found.na;
    intsize = found.ni;
    spec = found.spec;
    unit = found.unit;
  }
  return err("no-parent", `No interrupt controller found for ${parent.path}`);
}

/** Routing levels followed before declaring a loop (a dom0sim bound; real trees use < 5). */
const MAX_IRQ_HOPS = 64;

function regCells(node: Node): number[] | null {
  const r = node.prop("reg");
  return r ? cellsOf(r) : null;
}

/**
 * How many interrupts the node has. Xen (`dt_number_of_irq`): `interrupts-extended` entries,
 * else `interrupts` cells / the parent's `#interrupt-cells`, 0 when it cannot be told. Linux
 * (`of_irq_count`): how many consecutive indices resolve, stopping at the first that does not.
 */
export function numberOfIrq(node: Node, opts?: IrqOptions): number {
  if ((opts?.flavor ?? "xen") === "linux") {
    let n = 0;
    while (deviceGetRawIrq(node, n, opts).ok) n++;
    return n;
  }
  const strict = strictOf(opts);
  if (node.has("interrupts-extended")) {
    const n = countPhandleWithArgs(node, "interrupts-extended", "#interrupt-cells", opts);
    if (typeof n === "number") return n;
  }
  const ip = node.prop("interrupts");
  if (!ip) return 0;
  const p = irqFindParent(node, opts);
  if (!p) return 0;
  const size = readCellProperty(p, "#interrupt-cells", strict);
  if (!size) return 0;
  const len = ip.value.length >> 2;
  if (strict && (ip.value.length % 4 !== 0 || len % size !== 0)) {
    throw new InputError(
      node.path,
      `interrupts is ${ip.value.length} bytes, not a whole number of ${size}-cell specifiers ` +
        `(#interrupt-cells of ${p.path})`,
    );
  }
  return Math.floor(len / size);
}

/**
 * `dt_device_get_raw_irq` / `of_irq_parse_one`: interrupt `index` of the node
 * (`interrupts-extended` first, then `interrupts` with the interrupt parent), resolved through
 * any `interrupt-map` to its controller.
 */
export function deviceGetRawIrq(
  node: Node,
  index: number,
  opts?: IrqOptions,
): { ok: true; irq: RawIrq } | IrqError {
  const addr = regCells(node);
  if (node.has("interrupts-extended")) {
    const a = parsePhandleWithArgs(node, "interrupts-extended", "#interrupt-cells", index, opts);
    if (a.ok) return irqMapRaw(a.node, a.args, addr, opts);
  }
  const ip = node.prop("interrupts");
  if (!ip) return err("no-interrupt", `${node.path} has no interrupt ${index}`);
  const p = irqFindParent(node, opts);
  if (!p) return err("no-parent", `No interrupt parent found for ${node.path}`);
  const size = readCellProperty(p, "#interrupt-cells", strictOf(opts));
  if (size === undefined) return err("no-interrupt-cells", `${p.path} lacks #interrupt-cells`);
  const cells = cellsOf(ip);
  if (strictOf(opts) && size > 0 && (ip.value.length % 4 !== 0 || cells.length % size !== 0)) {
    throw new InputError(
      node.path,
      `interrupts is ${ip.value.length} bytes, not a whole number of ${size}-cell specifiers ` +
        `(#interrupt-cells of ${p.path})`,
    );
  }
  if ((index + 1) * size > cells.length) {
    return err("no-interrupt", `${node.path} has no interrupt ${index}`);
  }
  return irqMapRaw(p, cells.slice(index * size, (index + 1) * size), addr, opts);
}

/** Every interrupt of the node, each resolved (or the reason it is not). */
export function deviceRawIrqs(
  node: Node,
  opts?: IrqOptions,
): ({ ok: true; irq: RawIrq } | IrqError)[] {
  const n = numberOfIrq(node, opts);
  const out: ({ ok: true; irq: RawIrq } | IrqError)[] = [];
  for (let i = 0; i < n; i++) out.push(deviceGetRawIrq(node, i, opts));
  return out;
}

/**
 * `dt_for_each_irq_map`: the interrupts of a nexus node's `interrupt-map` (a PCI host bridge)
 * that go to `controller` (Xen's primary GIC), in map order; entries for other controllers
 * are skipped as Xen skips them. Returns [] when there is no map.
 */
export function irqMapEntries(
  node: Node,
  controller: Node,
  opts?: IrqOptions,
): RawIrq[] | IrqError {
  const strict = strictOf(opts);
  let ipar: Node | null = node;
  let intsize = 1;
  do {
    const c = readCellProperty(ipar, "#interrupt-cells", strict);
    if (c !== undefined) {
      intsize = c;
      break;
    }
    ipar = irqFindParent(ipar, opts);
  } while (ipar);
  if (!ipar) return err("no-parent", `No interrupt parent found for ${node.path}`);
  if (intsize > DT_MAX_IRQ_SPEC) {
    return err("bad-specifier", `${ipar.path}: #interrupt-cells ${intsize} is too large`);
  }
  let addrsize = 2;
  for (let old: Node | null = ipar; old; old = old.parent) {
    const a = readCellProperty(old, "#address-cells", strict);
    if (a !== undefined) {
      addrsize = a;
      break;
    }
  }
  const mp = node.prop("interrupt-map");
  if (!mp) return [];
  const imap = cellsOf(mp);
  const out: RawIrq[] = [];
  let k = 0;
  while (imap.length - k > addrsize + intsize + 1) {
    k += addrsize + intsize;
    const p = findNodeByPhandle(node, imap[k]);
    k++;
    if (!p) {
      return err(
        "no-map-entry",
        `${node.path}: interrupt-map parent phandle 0x${imap[k - 1].toString(16)} not found`,
      );
    }
    const pint = readCellProperty(p, "#interrupt-cells", strict);
    if (pint === undefined) return err("no-interrupt-cells", `${p.path} lacks #interrupt-cells`);
    const padd = readCellProperty(p, "#address-cells", strict) ?? 0;
    if (pint > DT_MAX_IRQ_SPEC) {
      return err("bad-specifier", `${p.path}: #interrupt-cells ${pint} is too large`);
    }
    if (imap.length - k < padd + pint) {
      return err("no-map-entry", `${node.path}: interrupt-map entry is truncated`);
    }
    k += padd;
    if (p === controller) out.push({ controller: p, specifier: imap.slice(k, k + pint) });
    k += pint;
  }
  return out;
}

/** A GIC interrupt decoded from its three-cell specifier. */
export interface GicIrq {
  /** Discriminant. */
  ok: true;
  /** The GIC interrupt ID (INTID): SPI n → 32 + n, PPI n → 16 + n. */
  irq: number;
  /** Trigger type (`IRQ_TYPE_*`, third cell & `IRQ_TYPE_SENSE_MASK`). */
  type: number;
  /** For PPIs on GICv2: the CPU mask in bits 15:8 of the third cell. */
  cpuMask: number;
}

/**
 * Translate a GIC specifier `<type number flags>` to an interrupt ID.
 * Xen (`gic_irq_xlate`): a first cell of 0 is an SPI, anything else a PPI. Linux
 * (`gic_irq_domain_translate`): 0 SPI, 1 PPI, 2 ESPI (4096 + n), 3 EPPI (1056 + n), else an
 * error. Fewer than 3 cells is an error in both.
 */
export function gicIrqXlate(
  spec: readonly number[],
  flavor: Flavor = "xen",
): GicIrq | { ok: false; message: string } {
  if (spec.length < 3) {
    return { ok: false, message: `GIC specifier needs 3 cells, has ${spec.length}` };
  }
  const [kind, n, flags] = spec;
  let irq: number;
  if (flavor === "xen") {
    irq = n + GIC_PPI_BASE + (kind === 0 ? 16 : 0);
  } else {
    switch (kind) {
      case GIC_SPI:
        irq = n + GIC_SPI_BASE;
        break;
      case GIC_PPI:
        irq = n + GIC_PPI_BASE;
        break;
      case GIC_ESPI:
        irq = n + GIC_ESPI_BASE;
        break;
      case GIC_EPPI:
        irq = n + GIC_EPPI_BASE;
        break;
      default:
        return { ok: false, message: `Unknown GIC interrupt type ${kind}` };
    }
  }
  return {
    ok: true,
    irq: irq >>> 0,
    type: flags & IRQ_TYPE_SENSE_MASK,
    cpuMask: (flags >>> 8) & 0xff,
  };
}

/** Build a GIC specifier for an interrupt ID (16–31 → PPI, ≥ 32 → SPI) with `flags`. */
export function gicSpecifier(intid: number, flags: number): [number, number, number] {
  if (intid >= GIC_SPI_BASE) return [GIC_SPI, intid - GIC_SPI_BASE, flags];
  if (intid >= GIC_PPI_BASE) return [GIC_PPI, intid - GIC_PPI_BASE, flags];
  throw new RangeError(`interrupt ID ${intid} is an SGI and has no DT specifier`);
}
