/**
 * Early boot information from the host tree, as Xen 4.17's xen/arch/arm/bootfdt.c collects it
 * (`boot_fdt_info`, `early_scan_node`): RAM banks from every node named `memory`/`memory@…` at
 * any depth, `/reserved-memory` children (no-map or not) into `reserved_mem`, boot modules under
 * `/chosen` (`multiboot,module` / `xen,multiboot-module`, kind by compatible, the first two
 * unknown ones guessed as kernel then ramdisk), module `bootargs`, the legacy
 * `linux,initrd-start/end`, `xen,static-heap`, and Xen's own command line choice
 * (`boot_fdt_cmdline`). Trees Xen could not boot from are refused with an {@link InputError}.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { DeviceTree, Node } from "../dt/tree.ts";
import { dtIsCompatible, readCells, strcaseeq } from "./device_tree.ts";

/** `enum membank_type` (asm/setup.h). */
export type MemBankType = "default" | "static_domain" | "static_heap";

/** A physical memory range (`struct membank`). */
export interface MemBank {
  /** Start address. */
  start: number;
  /** Size in bytes. */
  size: number;
  /** Bank type. */
  type: MemBankType;
  /** The node the range came from (for messages). */
  node?: string;
}

/** `bootmodule_kind` (asm/setup.h). */
export type BootModuleKind = "xen" | "fdt" | "kernel" | "ramdisk" | "xsm" | "guest_dtb" | "unknown";

/** `struct bootmodule`. */
export interface BootModule {
  /** What the module is. */
  kind: BootModuleKind;
  /** Physical start. */
  start: number;
  /** Size in bytes. */
  size: number;
  /** Belongs to a dom0less domU (`xen,domain` parent). */
  domU: boolean;
  /** The DT node it was declared by (none for Xen and the FDT). */
  node?: string;
}

/** `struct bootcmdline`. */
export interface BootCmdline {
  /** Name of the module's parent node (`chosen`, or a domU node). */
  dtName: string;
  /** The command line. */
  cmdline: string;
  /** Kind of the module it belongs to. */
  kind: BootModuleKind;
  /** Module start. */
  start: number;
  /** Belongs to a domU. */
  domU: boolean;
}

/** `struct bootinfo` plus the host `/memreserve/` entries. */
export interface BootInfo {
  /** RAM banks, sorted by address. */
  mem: MemBank[];
  /** `/reserved-memory` ranges, static memory and static heap. */
  reservedMem: MemBank[];
  /** Boot modules in registration order (Xen first, then the FDT, then the tree's). */
  modules: BootModule[];
  /** Module command lines. */
  cmdlines: BootCmdline[];
  /** `xen,static-heap` present. */
  staticHeap: boolean;
  /** The host DTB's `/memreserve/` entries (`fdt_get_mem_rsv`). */
  memreserve: { start: number; size: number }[];
}

/** `NR_MEM_BANKS` (asm/setup.h, arm64 4.17). */
export const NR_MEM_BANKS = 256;
/** `MAX_MODULES` (asm/setup.h). */
export const MAX_MODULES = 32;
/** `DEVICE_TREE_MAX_DEPTH`. */
const DEVICE_TREE_MAX_DEPTH = 16;

/** Where Xen and the host DTB sit (known to the boot loader, not to the tree). */
export interface BootImage {
  /** Xen's load address (`_start`). */
  xenStart: number;
  /** `_end - _start`. */
  xenSize: number;
  /** Physical address of the host DTB. */
  fdtStart: number;
  /** `fdt_totalsize` of the host DTB. */
  fdtSize: number;
}

function nodeMatches(node: Node, match: string): boolean {
  const name = node.name;
  return name.startsWith(match) && (name.length === match.length || name[match.length] === "@");
}

/** libfdt `fdt_node_check_compatible` (case-sensitive). */
function fdtCompatible(node: Node, c: string): boolean {
  return node.compatible().includes(c);
}

/**
 * Collect Xen's boot information from the host tree (`boot_fdt_info`).
 *
 * @throws {InputError} for trees Xen cannot boot from: no RAM, overlapping banks, a module
 *   without `reg`, a malformed initrd range, a module outside RAM.
 */
export function bootFdtInfo(
  tree: DeviceTree,
  img: BootImage | ((mem: MemBank[], bi: BootInfo) => BootImage),
  file = "host.dtb",
): BootInfo {
  const bi: BootInfo = {
    mem: [],
    reservedMem: [],
    modules: [],
    cmdlines: [],
    staticHeap: false,
    memreserve: [],
  };
  for (const r of tree.reserves) {
    bi.memreserve.push({ start: Number(r.address), size: Number(r.size) });
  }

  let kindGuess = 0;

  const getMeminfo = (
    node: Node,
    propName: string,
    ac: number,
    sc: number,
    into: MemBank[],
    type: MemBankType,
  ): void => {
    if (ac < 1 || sc < 1) {
      throw new InputError(
        node.path,
        `Property '${propName}' has invalid #address-cells or #size-cells`,
      );
    }
    const p = node.prop(propName);
    if (!p) return;
    const one = ac + sc;
    const banks = Math.floor(p.length / (one * 4));
    for (let i = 0; i < banks; i++) {
      if (into.length >= NR_MEM_BANKS) {
        throw new InputError(node.path, "Max number of supported memory regions reached");
      }
      const start = readCells(p.value, i * one, ac);
      const size = readCells(p.value, i * one + ac, sc);
      if (!size) continue;
      if (into === bi.mem) {
        // No arm64 descriptor without FEAT_LPA holds an output address past 48 bits, so no RAM
        // there can get a directmap or a p2m entry. Xen 4.17 does not check the banks; it fails
        // later while mapping or allocating for them (its frametable spans every bank).
        // dt_read_number keeps the low 64 bits of the cells.
        const s64 = BigInt.asUintN(64, p.cellsAt(i * one, ac));
        const e64 = s64 + BigInt.asUintN(64, p.cellsAt(i * one + ac, sc));
        if (e64 > 1n << 48n) {
          throw new InputError(
            node.path,
            `RAM bank 0x${s64.toString(16)}-0x${e64.toString(16)} ends beyond the 48-bit ` +
              "physical address space: no arm64 translation table (4 KiB granule, no FEAT_LPA) " +
              "can map it, so Xen cannot set up its directmap and frametable for it (Xen 4.17 " +
              "does not check the banks and fails in setup_mm)",
          );
        }
      }
      into.push({ start, size, type, node: node.path });
    }
  };

  const processMultiboot = (node: Node, ac: number, sc: number): void => {
    if (!node.path.startsWith("/chosen")) return;
    const reg = node.prop("reg");
    if (!reg) throw new InputError(node.path, `Module node ${node.name} has no 'reg' property`);
    if (reg.length < (ac + sc) * 4) {
      throw new InputError(
        node.path,
        `Module node ${node.name}: 'reg' property length is too short`,
      );
    }
    const start = readCells(reg.value, 0, ac);
    const size = readCells(reg.value, ac, sc);
    let kind: BootModuleKind;
    if (fdtCompatible(node, "xen,linux-zimage") || fdtCompatible(node, "multiboot,kernel")) {
      kind = "kernel";
    } else if (
      fdtCompatible(node, "xen,linux-initrd") || fdtCompatible(node, "multiboot,ramdisk")
    ) kind = "ramdisk";
    else if (fdtCompatible(node, "xen,xsm-policy")) kind = "xsm";
    else if (fdtCompatible(node, "multiboot,device-tree")) kind = "guest_dtb";
    else kind = "unknown";
    if (kind === "unknown") {
      const g = kindGuess++;
      if (g === 0) kind = "kernel";
      else if (g === 1) kind = "ramdisk";
    }
    const parent = node.parent!;
    const domU = fdtCompatible(parent, "xen,domain");
    addBootModule(bi, kind, start, size, domU, node.path);
    const ba = node.prop("bootargs");
    if (!ba) return;
    bi.cmdlines.push({ dtName: parent.name, cmdline: ba.str(), kind, start, domU });
  };

  const processChosen = (node: Node, ac: number, sc: number): void => {
    if (node.has("xen,static-heap")) {
      getMeminfo(node, "xen,static-heap", ac, sc, bi.reservedMem, "static_heap");
      bi.staticHeap = true;
    }
    const s = node.prop("linux,initrd-start");
    if (!s) return;
    if (s.length !== 4 && s.length !== 8) {
      throw new InputError(node.path, `linux,initrd-start property has invalid length ${s.length}`);
    }
    const start = readCells(s.value, 0, s.length / 4);
    const e = node.prop("linux,initrd-end");
    if (!e) throw new InputError(node.path, "linux,initrd-end not present but -start was");
    if (e.length !== 4 && e.length !== 8) {
      throw new InputError(node.path, `linux,initrd-end property has invalid length ${e.length}`);
    }
    const end = readCells(e.value, 0, e.length / 4);
    if (start >= end) {
      throw new InputError(
        node.path,
        `linux,initrd limits invalid: 0x${start.toString(16)} >= 0x${end.toString(16)}`,
      );
    }
    addBootModule(bi, "ramdisk", start, end - start, false, node.path);
  };

  // device_tree_for_each_node(fdt, 0, early_scan_node): depth-first, children of the root first.
  const rootAc = cellsOr(tree.root, "#address-cells", 2);
  const rootSc = cellsOr(tree.root, "#size-cells", 1);
  const visit = (node: Node, depth: number, ac: number, sc: number): void => {
    if (depth >= DEVICE_TREE_MAX_DEPTH) return;
    const myAc = cellsOr(node, "#address-cells", ac);
    const mySc = cellsOr(node, "#size-cells", sc);
    // early_scan_node
    if (nodeMatches(node, "memory")) getMeminfo(node, "reg", ac, sc, bi.mem, "default");
    else if (depth === 1 && strcaseeq(node.name, "reserved-memory")) {
      const sub = (n: Node, d: number, a: number, s: number): void => {
        if (d >= DEVICE_TREE_MAX_DEPTH) return;
        const na = cellsOr(n, "#address-cells", a);
        const ns = cellsOr(n, "#size-cells", s);
        if (d > 0) getMeminfo(n, "reg", a, s, bi.reservedMem, "default");
        for (const c of n.children) sub(c, d + 1, na, ns);
      };
      sub(node, 0, ac, sc);
    } else if (
      depth <= 3 &&
      (dtIsCompatible(node, "xen,multiboot-module") || dtIsCompatible(node, "multiboot,module"))
    ) processMultiboot(node, ac, sc);
    else if (depth === 1 && nodeMatches(node, "chosen")) processChosen(node, ac, sc);
    for (const c of node.children) visit(c, depth + 1, myAc, mySc);
  };
  for (const c of tree.root.children) visit(c, 1, rootAc, rootSc);

  if (bi.mem.length === 0) {
    throw new InputError(file, "No memory bank: the tree has no /memory node with a usable 'reg'");
  }
  // boot_fdt_info sorts the banks with Xen's heapsort and cmp_memory_node, which assumes they do
  // not overlap; setup_mm then maps each bank into the directmap in that order.
  xenSort(bi.mem, cmpMemoryNode);
  setupDirectmapCheck(bi.mem, file);
  // Xen registers its own image first and the DTB second (start_xen, boot_fdt_info), before the
  // tree's modules: put them in front, in that order.
  const treeModules = bi.modules;
  bi.modules = [];
  const im = typeof img === "function" ? img(bi.mem, bi) : img;
  addBootModule(bi, "xen", im.xenStart, im.xenSize, false);
  addBootModule(bi, "fdt", im.fdtStart, im.fdtSize, false);
  for (const m of treeModules) addBootModule(bi, m.kind, m.start, m.size, m.domU, m.node);
  for (const m of bi.modules) {
    if (m.kind === "xen" || m.size === 0) continue;
    if (!inRam(bi, m.start, m.size)) {
      throw new InputError(
        m.node ?? file,
        `Boot module (${m.kind}) at 0x${m.start.toString(16)}-0x${
          (m.start + m.size).toString(16)
        } ` +
          "is outside RAM",
      );
    }
  }
  return bi;
}

/** `cmp_memory_node` (bootfdt.c): "this function assumes that memory regions are not overlapped". */
function cmpMemoryNode(a: MemBank, b: MemBank): number {
  if (a.start < b.start) return -1;
  if (a.start >= b.start + b.size) return 1;
  return 0;
}

/**
 * `sort()` of xen/include/xen/sort.h: an in-place heapsort. With a comparison that is not a total
 * order (overlapping banks compare equal one way and less the other) the result depends on the
 * algorithm, so this follows Xen's: heapify from the middle, then move the root to the end.
 */
export function xenSort<T>(a: T[], cmp: (x: T, y: T) => number): void {
  const n = a.length;
  const swap = (i: number, j: number) => {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  };
  const sift = (root: number, end: number) => {
    for (let r = root; r * 2 + 1 < end;) {
      let c = r * 2 + 1;
      if (c < end - 1 && cmp(a[c], a[c + 1]) < 0) c++;
      if (cmp(a[r], a[c]) >= 0) break;
      swap(r, c);
      r = c;
    }
  };
  for (let i = Math.floor(n / 2); i > 0;) sift(--i, n);
  for (let i = n; i > 0;) {
    i--;
    swap(0, i);
    sift(0, i);
  }
}

/** arm64 4 KiB pages (`PAGE_SIZE`). */
const PAGE_SIZE_4K = 4096;

function hex(v: number): string {
  return v.toString(16);
}

/**
 * arm64 `setup_mm` → `setup_directmap_mappings(PFN_DOWN(start), PFN_DOWN(size))` per bank, in
 * the order `boot_fdt_info` left them: the first call fixes the directmap start, a bank below it
 * panics ("cannot add directmap mapping at %lx below heap start %lx"), and a bank whose pages are
 * already mapped makes `map_pages_to_xen` fail (`xen_pt_check_entry` refuses to replace a valid
 * entry; its message is a debug-build `mm_printk`), so Xen panics "Unable to setup the directmap
 * mappings.". Xen 4.17 has no earlier overlap check (`check_reserved_regions_overlap` came later).
 *
 * @throws {InputError} with Xen's panic text first, then why the banks overlap.
 */
function setupDirectmapCheck(mem: MemBank[], file: string): void {
  let dmStart = -1;
  const mapped: { s: number; e: number; bank: MemBank }[] = [];
  const where = (b: MemBank) =>
    `0x${hex(b.start)}-0x${hex(b.start + b.size)}${b.node ? ` (${b.node})` : ""}`;
  const nested = (b: MemBank) => b.node !== undefined && b.node.split("/").length > 2;
  // Why two banks overlap: Xen 4.17's early_scan_node takes every node *named* memory for RAM, at
  // any depth (a `/reserved-memory/memory@...` child too); 47d4d3cdc5 (Xen 4.20) checks depth 1
  // and device_type.
  const why = (x: MemBank, y: MemBank) => {
    const n = [x, y].find(nested);
    return n
      ? `; Xen 4.17 takes ${n.node} for RAM because it is named 'memory' (Xen 4.20 reads ` +
        "only top-level memory nodes, 47d4d3cdc5)"
      : "; the host tree describes the same RAM twice";
  };
  const at = (x: MemBank, y: MemBank) => [x, y].find(nested)?.node ?? x.node ?? file;
  let heap: MemBank | undefined;
  for (const b of mem) {
    const base = Math.floor(b.start / PAGE_SIZE_4K);
    const nr = Math.floor(b.size / PAGE_SIZE_4K);
    if (!heap) {
      heap = b;
      dmStart = base;
    }
    if (base < dmStart) {
      throw new InputError(
        at(b, heap),
        `Xen panic: cannot add directmap mapping at ${hex(base)} below heap start ${
          hex(dmStart)
        }: ` +
          `setup_mm maps the RAM banks in the order boot_fdt_info's sort left them, and that sort ` +
          `assumes banks do not overlap; ${where(b)} came after ${where(heap)}${why(b, heap)}`,
      );
    }
    const hit = mapped.find((m) => base < m.e && m.s < base + nr);
    if (hit) {
      throw new InputError(
        at(b, hit.bank),
        `Xen panic: Unable to setup the directmap mappings.: setup_mm maps RAM bank ${where(b)} ` +
          `over ${where(hit.bank)}, which is already mapped${why(b, hit.bank)}`,
      );
    }
    const touch = mapped.find((m) =>
      b.start < m.bank.start + m.bank.size && m.bank.start < b.start + b.size
    );
    if (touch) {
      // Overlapping bytes but no common page: Xen maps both and boots on; the model's allocator
      // cannot hold a page twice.
      throw new InputError(
        at(b, touch.bank),
        `Memory bank ${where(b)} shares a page with ${where(touch.bank)}: dom0sim does not model ` +
          "RAM banks that overlap within a page",
      );
    }
    if (nr > 0) mapped.push({ s: base, e: base + nr, bank: b });
  }
}

function cellsOr(n: Node, name: string, dflt: number): number {
  const p = n.prop(name);
  return p && p.length >= 4 ? p.u32(0) : dflt;
}

/** Whether [start, start+size) lies inside one RAM bank. */
export function inRam(bi: BootInfo, start: number, size: number): boolean {
  return bi.mem.some((b) => start >= b.start && start + size <= b.start + b.size);
}

/** `add_boot_module`: deduplicated by (kind, start); at most `MAX_MODULES`. */
export function addBootModule(
  bi: BootInfo,
  kind: BootModuleKind,
  start: number,
  size: number,
  domU: boolean,
  node?: string,
): BootModule | undefined {
  if (bi.modules.length >= MAX_MODULES) return undefined;
  for (const m of bi.modules) {
    if (m.kind === kind && m.start === start) {
      if (!domU) m.domU = false;
      return m;
    }
  }
  const m: BootModule = { kind, start, size, domU, node };
  bi.modules.push(m);
  return m;
}

/** `boot_module_find_by_kind` (dom0/Xen modules only). */
export function findModule(bi: BootInfo, kind: BootModuleKind): BootModule | undefined {
  return bi.modules.find((m) => m.kind === kind && !m.domU);
}

/** `boot_cmdline_find_by_kind`. */
export function findCmdline(bi: BootInfo, kind: BootModuleKind): BootCmdline | undefined {
  return bi.cmdlines.find((c) => c.kind === kind && !c.domU);
}

/**
 * `boot_fdt_cmdline`: Xen's command line is `/chosen/xen,xen-bootargs`; otherwise
 * `/chosen/bootargs`, but only when `xen,dom0-bootargs` or a non-empty dom0 kernel module
 * command line exists (else the bootargs are taken to be dom0's).
 */
export function bootFdtCmdline(tree: DeviceTree, bi: BootInfo): string | undefined {
  const chosen = tree.root.children.find((c) => c.name === "chosen");
  if (!chosen) return undefined;
  const xb = chosen.prop("xen,xen-bootargs");
  if (xb) return xb.str();
  const dom0 = findCmdline(bi, "kernel");
  if (chosen.has("xen,dom0-bootargs") || (dom0 && dom0.cmdline !== "")) {
    return chosen.prop("bootargs")?.str();
  }
  return undefined;
}
