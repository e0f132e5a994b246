/**
 * The firmware's memory fix-up: what U-Boot's `fdt_fixup_memory_banks()` (common/fdt_support.c)
 * does before it starts Xen. Board trees shipped with Linux usually leave RAM to the bootloader:
 * no memory node at all, or `memory@BASE { device_type = "memory"; reg = <BASE 0>; }` with a size
 * of 0. U-Boot probes its DRAM and writes the banks into the first node named `memory`
 * (`memory@...` matches, as `fdt_path_offset(blob, "/memory")` does), creating `/memory` when
 * there is none. dom0sim has no DRAM controller to probe, so it stands in
 * {@link DEFAULT_FIXUP_RAM} (2 GiB):
 *
 * - a memory node with a base and size 0 → that base, 2 GiB, clipped below the first device
 *   above the base;
 * - no memory node → a new `/memory` in the first 1 GiB-aligned window of 2 GiB that no device,
 *   bus window (`ranges` of PCI host bridges) or CPU node overlaps — where DRAM sits on every
 *   common SoC (0 on Rockchip/Amlogic/Broadcom, 0x40000000 behind the low peripheral space on
 *   Allwinner/i.MX8/MediaTek, 0x80000000 on Tegra/Qualcomm/TI).
 *
 * Trees that describe RAM (any memory node with a non-zero size) are left alone. Every change
 * is reported as a note for the summary.
 *
 * @module
 */

import { busRanges, childAddrCells, childSizeCells, deviceAddresses } from "../dt/address.ts";
import { type DeviceTree, Node, Property, stringsBytes, u32Bytes } from "../dt/tree.ts";

/** RAM the firmware stage reports when the board leaves it to the bootloader (2 GiB). */
export const DEFAULT_FIXUP_RAM = 0x80000000;
/** Alignment of the window searched for RAM when the tree has no memory node (1 GiB). */
const WINDOW_ALIGN = 0x40000000;
/** Smallest RAM worth adding below a device (Xen + dom0's default 512 MiB + modules). */
const MIN_RAM = 0x30000000;
/** The search stops here (a 48-bit physical address space). */
const SEARCH_END = 2 ** 48;

function isMemoryNode(n: Node): boolean {
  return n.prop("device_type")?.str() === "memory";
}

/** Nodes whose `reg` is not hardware on the bus. */
function skipSubtree(n: Node): boolean {
  const p = n.path;
  return p === "/chosen" || p === "/cpus" || p === "/aliases" || p === "/reserved-memory" ||
    p === "/__symbols__" || p === "/__fixups__" || p === "/__local_fixups__" || isMemoryNode(n) ||
    (n.parent?.parent === null && n.baseName === "memory"); // the node U-Boot rewrites
}

/** Every physical range some device or bus window occupies, [start, end). */
function occupied(tree: DeviceTree): { s: number; e: number }[] {
  const out: { s: number; e: number }[] = [];
  const visit = (n: Node) => {
    if (n.parent && skipSubtree(n)) return;
    if (n.parent && n.has("reg")) {
      for (const r of deviceAddresses(n, { flavor: "linux" })) {
        if (!r.ok || r.size === 0n) continue;
        const s = Number(r.address);
        out.push({ s, e: s + Number(r.size) });
      }
    }
    if (n.parent && n.prop("device_type")?.str() === "pci" && n.has("ranges")) {
      const rs = busRanges(n, { flavor: "linux", strict: false });
      if (Array.isArray(rs)) {
        for (const r of rs) {
          if (!r.cpu.ok || r.size === 0n) continue;
          const s = Number(r.cpu.address);
          out.push({ s, e: s + Number(r.size) });
        }
      }
    }
    for (const c of n.children) visit(c);
  };
  visit(tree.root);
  return out.sort((a, b) => a.s - b.s);
}

function cellsOf(v: number, count: number): number[] {
  const out: number[] = [];
  let x = v;
  for (let i = 0; i < count; i++) {
    out.unshift(x % 0x100000000);
    x = Math.floor(x / 0x100000000);
  }
  return out;
}

function hex(v: number): string {
  return "0x" + v.toString(16);
}

function mib(v: number): string {
  return v >= 0x40000000 && v % 0x40000000 === 0 ? `${v / 0x40000000} GiB` : `${v / 0x100000} MiB`;
}

/** Options of {@link fixupMemory}. */
export interface MemoryFixupOptions {
  /** RAM size to report (default {@link DEFAULT_FIXUP_RAM}). */
  size?: number;
}

/**
 * Fill in RAM the way the bootloader would when the tree leaves it out. Returns the notes
 * describing what changed (empty when the tree already describes RAM).
 */
export function fixupMemory(tree: DeviceTree, opts: MemoryFixupOptions = {}): string[] {
  const want = opts.size ?? DEFAULT_FIXUP_RAM;
  const root = tree.root;
  const mems = root.children.filter(isMemoryNode);
  for (const m of mems) {
    for (const r of deviceAddresses(m, { flavor: "linux" })) if (r.ok && r.size > 0n) return [];
  }
  const ac = childAddrCells(root, { flavor: "linux" });
  const sc = childSizeCells(root, { flavor: "linux" });
  // U-Boot reads them with libfdt's fdt_address_cells/fdt_size_cells, which refuse counts
  // above FDT_MAX_NCELLS (4) — and a size needs at least one cell: no fix-up then.
  if (ac < 1 || ac > 4 || sc < 1 || sc > 4) return [];
  const maxAddr = ac >= 2 ? SEARCH_END : 2 ** (32 * ac);
  const maxSize = sc >= 2 ? SEARCH_END : 2 ** (32 * sc) - 0x1000;
  const busy = occupied(tree);
  const firstAbove = (base: number) => {
    let end = Math.min(maxAddr, base + Math.min(want, maxSize));
    for (const o of busy) if (o.e > base && o.s < end) end = Math.max(base, Math.min(end, o.s));
    return end;
  };

  // U-Boot rewrites the first node named "memory" (with or without a unit address).
  const named = root.children.find((c) => c.name === "memory" || c.name.startsWith("memory@"));
  let node = named ?? mems[0];
  let base: number | undefined;
  if (node) {
    const r = deviceAddresses(node, { flavor: "linux" }).find((x) => x.ok);
    if (r && r.ok) base = Number(r.address);
    else if (node.unitAddress !== "") {
      const u = parseInt(node.unitAddress.split(",").pop() ?? "", 16);
      if (Number.isSafeInteger(u)) base = u;
    }
  }
  let why: string;
  if (base !== undefined && firstAbove(base) - base >= MIN_RAM) {
    why = `${node!.path} gives a base but no size`;
  } else {
    base = undefined;
    for (let b = 0; b + MIN_RAM <= maxAddr && b < SEARCH_END; b += WINDOW_ALIGN) {
      if (firstAbove(b) - b >= Math.min(want, maxSize)) {
        base = b;
        break;
      }
    }
    if (base === undefined) return [];
    why = node
      ? `${node.path} has no usable base and size; the first free 1 GiB-aligned window is at ${
        hex(base)
      }`
      : `the tree has no memory node; the first free 1 GiB-aligned window is at ${hex(base)}`;
  }
  const size = firstAbove(base) - base;
  if (!node) {
    node = new Node("memory");
    const at = root.children.findIndex((c) => c.name === "cpus" || c.name === "chosen");
    root.addChild(node);
    // Keep the new node near the top, where boards usually have theirs.
    if (at >= 0) {
      root.children.splice(root.children.indexOf(node), 1);
      root.children.splice(at + 1, 0, node);
    }
  }
  node.setProp(new Property("device_type", stringsBytes(["memory"])));
  node.setProp(new Property("reg", u32Bytes([...cellsOf(base, ac), ...cellsOf(size, sc)])));
  return [
    `RAM left to the bootloader (${why}): ${node.path} reg = ${hex(base)}+${mib(size)}, as ` +
    `U-Boot's fdt_fixup_memory_banks would write it (dom0sim's stand-in DRAM size)`,
  ];
}
