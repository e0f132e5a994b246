/**
 * A whole boot, end to end: the board's tree → the firmware's job (boot modules and the host DTB
 * placed in RAM, as QEMU's guest-loader or ImageBuilder would) → Xen 4.17 (`hyp/`) builds dom0 →
 * dom0 Linux (`dom0/`) boots from the DTB bytes Xen wrote, on CPUs (`arch/arm64/`) whose every
 * access crosses the bus (`drivers/`) → one {@link BootRun} holding both consoles, every mapping
 * of both stages, the faults and the cost counters.
 *
 * This layer is the observer: it may look at both sides (that is how it explains a fault), but
 * `hyp/` and `dom0/` only ever meet through the DTB bytes, hypercalls and the CPU/bus.
 *
 * @module
 */

import { Cpu, type CpuEvent } from "../arch/arm64/cpu.ts";
import { XEN_GUEST_HCR } from "../arch/arm64/system_registers.ts";
import { type CpuModel, cpuModelFor, DEFAULT_CPU_MODEL } from "../arch/arm64/cpu_models.ts";
import { childAddrCells, childSizeCells } from "../dt/address.ts";
import { loadDeviceTree } from "../dt/compile.ts";
import type { CheckMessage } from "../dt/checks.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { type DeviceTree, Node, Property, stringsBytes, u32Bytes } from "../dt/tree.ts";
import { InputError } from "../errors.ts";
import { bootLinux, type Dom0Result, encodeInitrd, makeImageHeader } from "../dom0/mod.ts";
import type { Scenario } from "../dom0/workload.ts";
import type { LatencyTable } from "../drivers/cost.ts";
import type { ModelOptions } from "../drivers/registry.ts";
import type { PolicyName } from "../hyp/policy.ts";
import { bootXen, type XenInstance } from "../hyp/xen.ts";
import { buildMachine, type Machine } from "./machine.ts";
import { fixupMemory } from "./memory_fixup.ts";

const MB = 0x100000;

/** The Linux 6.1 arm64 Image of the recorded runs (module size 0x1f6dfc0, text_offset 0). */
export const DEFAULT_KERNEL_SIZE = 0x1f6dfc0;
/**
 * What the recorded Image's header adds to its file size in `image_size` (BSS and alignment):
 * Debian's 6.1.0 arm64 Image has `image_size` 0x2010000 for a 0x1f6dfc0-byte file.
 */
export const KERNEL_BSS_AND_PADDING = 0xa2040;

/** `image_size` for a synthesized Image of `fileSize` bytes (64 KiB-aligned, as Linux links it). */
export function imageSizeFor(fileSize: number): number {
  return Math.ceil((fileSize + KERNEL_BSS_AND_PADDING) / 0x10000) * 0x10000;
}
/** dom0's command line when the board gives none (the recorded runs' bootargs). */
export const DEFAULT_DOM0_BOOTARGS = "console=hvc0 earlycon=xen rdinit=/init";
/** Where default modules go, as offsets from the first RAM bank (the recorded guest-loader's). */
export const DEFAULT_KERNEL_OFFSET = 0x09000000;
/** Offset of the default initramfs module from the first RAM bank. */
export const DEFAULT_INITRD_OFFSET = 0x0d000000;

/** Options of {@link bootBoard}. */
export interface BootBoardOptions {
  /** Attribute policy name (default `xen-4.17`). */
  policy?: string;
  /** Options appended to Xen's command line (`--xen-args`). */
  xenArgs?: string;
  /** dom0's memory (`dom0_mem=`), appended to Xen's command line. */
  dom0Mem?: string;
  /** The workload: a built-in name or a scenario (default `boot`). */
  workload?: string | Scenario;
  /** Include directories for DTS sources (`-I`). */
  includeDirs?: string[];
  /** cpp `-D` definitions for DTS sources. */
  defines?: string[];
  /** Reads included files (the CLI passes a filesystem reader; library callers may omit it). */
  readFile?: (path: string) => Uint8Array | undefined;
  /** Device-model options (e.g. SRAM that refuses exclusives) and per-path overrides. */
  models?: ModelOptions;
  /** Cost-model latency overrides. */
  latencies?: Partial<LatencyTable>;
  /** An edit applied to the board's tree before anything uses it (what-if runs). */
  editTree?: (tree: DeviceTree) => void;
  /**
   * Called once Xen has built dom0, before dom0 runs (observers such as the isolation checks of
   * `sim/invariants.ts`).
   */
  onXen?: (xen: XenInstance) => void;
}

/** What the firmware stage did before Xen ran. */
export interface FirmwareInfo {
  /** Where the host DTB was placed. */
  dtbAddress: number;
  /** Its size. */
  dtbSize: number;
  /** Boot modules: what, where, how big, and whether dom0sim added the node. */
  modules: {
    kind: "kernel" | "ramdisk";
    path: string;
    address: number;
    size: number;
    added: boolean;
  }[];
  /** Notes about what was added or adjusted (documented defaults). */
  notes: string[];
}

/** Everything one boot produced. */
export interface BootRun {
  /** The board file name. */
  board: string;
  /** The host tree as Xen received it. */
  hostTree: DeviceTree;
  /** The DTB bytes Xen received. */
  hostDtb: Uint8Array;
  /** dtc-style warnings from compiling the board. */
  warnings: CheckMessage[];
  /** The machine (bus, devices, cost). */
  machine: Machine;
  /** The firmware stage. */
  firmware: FirmwareInfo;
  /** The booted hypervisor. */
  xen: XenInstance;
  /** dom0's vCPUs. */
  cpus: Cpu[];
  /** dom0's boot and workload. */
  dom0: Dom0Result;
  /**
   * The serial console as it would scroll by: Xen's `(XEN)` lines and dom0's hvc output
   * (including dom0sim's own `(XEN) [dom0sim]` debug lines; renderers may hide them).
   */
  serial: string[];
  /** Faults and external aborts the CPUs reported (the architectural view of each fault). */
  events: CpuEvent[];
  /** The policy used. */
  policy: string;
  /** The workload name. */
  workload: string;
}

function isModule(n: Node, kind: "kernel" | "ramdisk"): boolean {
  const c = n.compatible();
  if (!c.includes("multiboot,module") && !c.includes("xen,multiboot-module")) return false;
  if (kind === "kernel") return c.includes("multiboot,kernel") || c.includes("xen,linux-zimage");
  return c.includes("multiboot,ramdisk") || c.includes("xen,linux-initrd");
}

function encodeCells(v: number, count: number): number[] {
  const out: number[] = [];
  let x = BigInt(v);
  for (let i = 0; i < count; i++) {
    out.unshift(Number(x & 0xffffffffn));
    x >>= 32n;
  }
  return out;
}

/** Read a module node's first `reg` entry with `/chosen`'s cells. */
function moduleReg(chosen: Node, n: Node): { address: number; size: number } {
  const ac = childAddrCells(chosen);
  const sc = childSizeCells(chosen);
  const reg = n.prop("reg");
  if (!reg || reg.length < (ac + sc) * 4) {
    throw new InputError(n.path, "Boot module has no usable 'reg' property");
  }
  return { address: Number(reg.cellsAt(0, ac)), size: Number(reg.cellsAt(ac, sc)) };
}

function setModuleReg(chosen: Node, n: Node, address: number, size: number): void {
  const ac = childAddrCells(chosen);
  const sc = childSizeCells(chosen);
  n.setProp(new Property("reg", u32Bytes([...encodeCells(address, ac), ...encodeCells(size, sc)])));
}

/** The first RAM bank of the tree (a rough read; Xen's own parse is authoritative). */
function firstRam(m: Machine): { start: number; end: number } {
  if (m.ram.length === 0) {
    // A memory node whose reg cannot be placed (past the physical address space, untranslatable).
    const bad = m.nodes.find((n) => n.note !== undefined && /^\/memory(@|$)/.test(n.path));
    if (bad) throw new InputError(bad.path, `The board's RAM cannot be placed: ${bad.note}`);
    throw new InputError("/", 'The board has no memory node (device_type = "memory")');
  }
  // A loader puts the modules where they fit: the first bank with room for the default kernel
  // and ramdisk (HiKey's first bank, say, is 94 MiB), else the first bank.
  const need = DEFAULT_INITRD_OFFSET + 0x1000000;
  return m.ram.find((b) => b.end - b.start >= need) ?? m.ram[0];
}

/**
 * The firmware's job: make sure `/chosen` names a kernel and a ramdisk module (adding the
 * recorded run's defaults when the board has none, as ImageBuilder would), and give the ramdisk
 * the workload. Returns the module contents to place.
 */
function prepareModules(
  tree: DeviceTree,
  machine: Machine,
  initrd: Uint8Array,
): {
  fw: Omit<FirmwareInfo, "dtbAddress" | "dtbSize">;
  /** What the loader writes: `data` at `address`, in a module of `size` bytes (the rest zero). */
  blobs: { address: number; data: Uint8Array; size: number }[];
  changed: boolean;
} {
  let chosen = tree.root.child("chosen");
  const notes: string[] = [];
  let changed = false;
  if (!chosen) {
    chosen = tree.root.addChild(new Node("chosen"));
    changed = true;
  }
  const ram = firstRam(machine);
  const mods = chosen.children.filter((c) => isModule(c, "kernel") || isModule(c, "ramdisk"));
  // Xen takes the first unknown module as the kernel and the second as the ramdisk; so do we.
  let kernel = chosen.children.find((c) => isModule(c, "kernel")) ?? null;
  let ramdisk = chosen.children.find((c) => isModule(c, "ramdisk")) ?? null;
  const modules: FirmwareInfo["modules"] = [];
  const blobs: { address: number; data: Uint8Array; size: number }[] = [];
  void mods;

  if (!kernel) {
    if (!chosen.has("#address-cells")) {
      chosen.setProp(new Property("#address-cells", u32Bytes([2])));
      chosen.setProp(new Property("#size-cells", u32Bytes([2])));
    }
    const address = ram.start + DEFAULT_KERNEL_OFFSET;
    if (address + DEFAULT_KERNEL_SIZE > ram.end) {
      throw new InputError(
        "/chosen",
        "The board names no dom0 kernel module and its first RAM bank is too small for the default one (needs 224 MiB)",
      );
    }
    kernel = chosen.addChild(new Node(`module@${address.toString(16)}`));
    kernel.setProp(
      new Property("compatible", stringsBytes(["multiboot,kernel", "multiboot,module"])),
    );
    setModuleReg(chosen, kernel, address, DEFAULT_KERNEL_SIZE);
    if (!chosen.has("xen,dom0-bootargs")) {
      kernel.setProp(new Property("bootargs", stringsBytes([DEFAULT_DOM0_BOOTARGS])));
    }
    notes.push(
      `no dom0 kernel module in /chosen: added ${kernel.path} (a Linux 6.1 arm64 Image of ${DEFAULT_KERNEL_SIZE} bytes at 0x${
        address.toString(16)
      })`,
    );
    changed = true;
  }
  const k = moduleReg(chosen, kernel);
  modules.push({
    kind: "kernel",
    path: kernel.path,
    address: k.address,
    size: k.size,
    added: changed,
  });
  blobs.push({
    address: k.address,
    data: makeImageHeader({ textOffset: 0, imageSize: imageSizeFor(k.size) }),
    size: k.size,
  });

  let ramdiskAdded = false;
  if (!ramdisk) {
    const address = ram.start + DEFAULT_INITRD_OFFSET;
    ramdisk = chosen.addChild(new Node(`module@${address.toString(16)}`));
    ramdisk.setProp(
      new Property("compatible", stringsBytes(["multiboot,ramdisk", "multiboot,module"])),
    );
    setModuleReg(chosen, ramdisk, address, initrd.length);
    notes.push(`no ramdisk module in /chosen: added ${ramdisk.path} carrying the workload`);
    ramdiskAdded = true;
    changed = true;
  }
  const r = moduleReg(chosen, ramdisk);
  let size = r.size;
  if (initrd.length > size) {
    setModuleReg(chosen, ramdisk, r.address, initrd.length);
    notes.push(`${ramdisk.path}: grown to ${initrd.length} bytes to hold the workload`);
    size = initrd.length;
    changed = true;
  }
  modules.push({
    kind: "ramdisk",
    path: ramdisk.path,
    address: r.address,
    size,
    added: ramdiskAdded,
  });
  // The module's bytes past the workload stay zero (fresh memory): nothing to allocate for them.
  blobs.push({ address: r.address, data: initrd, size });
  return { fw: { modules, notes }, blobs, changed };
}

/**
 * The board's core: the first `/cpus` child of `device_type = "cpu"` names it by `compatible`
 * (`arm,cortex-a53` → Cortex-A53 ID registers: MIDR, PARange, VMID bits, LSE); a core the
 * table does not know runs as the reference recordings' Cortex-A57.
 */
export function boardCpuModel(tree: DeviceTree): CpuModel {
  const cpu = tree.root.child("cpus")?.children.find((c) => c.prop("device_type")?.str() === "cpu");
  return (cpu && cpuModelFor(cpu.compatible())) ?? DEFAULT_CPU_MODEL;
}

/** QEMU's DTB placement for a `-kernel` boot: RAM base + min(RAM/2, 128 MiB), 2 MiB aligned. */
export function qemuDtbAddress(ram: { start: number; end: number }[]): number {
  const base = ram[0].start;
  const size = ram.reduce((t, b) => t + (b.end - b.start), 0);
  return Math.ceil((base + Math.min(Math.floor(size / 2), 128 * MB)) / (2 * MB)) * (2 * MB);
}

/**
 * The blob QEMU hands the kernel for `-dtb FILE` (device_tree.c `load_device_tree`): the file
 * opened into a buffer of (size + 10000) × 2 bytes "to give enough room for manipulation", so
 * `totalsize` counts that free space — which Xen's dom0 tree budget (host totalsize +
 * DOM0_FDT_EXTRA_SIZE) depends on. The blocks stay where dtc put them; the rest is zeros.
 */
export function qemuDtbOpen(blob: Uint8Array): Uint8Array {
  const size = (blob.length + 10000) * 2;
  const out = new Uint8Array(size);
  out.set(blob);
  new DataView(out.buffer).setUint32(4, size);
  return out;
}

function splitLines(bytes: number[]): string[] {
  const text = String.fromCharCode(...bytes);
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => l.replace(/\r$/, ""));
}

/**
 * Boot a board: Xen 4.17 builds dom0, dom0 boots and runs the workload.
 *
 * @throws {InputError} for a board, option or workload that is bad input (one line, exit 2).
 */
export function bootBoard(file: string, bytes: Uint8Array, opts: BootBoardOptions = {}): BootRun {
  const compiled = loadDeviceTree(file, bytes, {
    readFile: opts.readFile,
    includeDirs: opts.includeDirs,
    defines: opts.defines,
  });
  const tree = compiled.tree;
  if (opts.editTree) opts.editTree(tree);
  // The bootloader's /memory fix-up (trees that leave RAM to U-Boot; see memory_fixup.ts).
  const memNotes = fixupMemory(tree);
  const isDtb = bytes.length >= 4 && bytes[0] === 0xd0 && bytes[1] === 0x0d && bytes[2] === 0xfe &&
    bytes[3] === 0xed;
  const core = boardCpuModel(tree);
  const machine = buildMachine(tree, {
    models: opts.models,
    latencies: opts.latencies,
    minPaRange: Number(core.mmfr0 & 0xfn),
  });

  const workload = opts.workload ?? "boot";
  const initrd = encodeInitrd(workload);
  const mods = prepareModules(tree, machine, initrd);
  const hostDtb = qemuDtbOpen(
    isDtb && !mods.changed && !opts.editTree && memNotes.length === 0 ? bytes : writeDtb(tree),
  );
  const dtbAddress = qemuDtbAddress(machine.ram);
  const inRam = (a: number, n: number) => machine.ram.some((r) => a >= r.start && a + n <= r.end);
  if (!inRam(dtbAddress, hostDtb.length)) {
    throw new InputError(
      "/",
      `The host DTB's load address 0x${dtbAddress.toString(16)} is not in RAM`,
    );
  }
  machine.mem.write(dtbAddress, hostDtb);
  for (const [i, b] of mods.blobs.entries()) {
    const len = Math.max(b.size, b.data.length);
    if (!inRam(b.address, len)) {
      const m = mods.fw.modules[i];
      throw new InputError(
        m?.path ?? "/chosen",
        `Boot module (${m?.kind ?? "module"}) at 0x${b.address.toString(16)}-0x${
          (b.address + len).toString(16)
        } is not in RAM, so the bootloader cannot load it`,
      );
    }
    machine.mem.write(b.address, b.data);
  }

  const serialBytes: number[] = [];
  const cpus: Cpu[] = [];
  const extra = [opts.dom0Mem ? `dom0_mem=${opts.dom0Mem}` : "", opts.xenArgs ?? ""]
    .filter((s) => s !== "").join(" ");
  const xen = bootXen({
    mem: machine.mem,
    cpus: machine.cpus,
    cpu: { paRange: machine.paRange, vmid16: core.vmidBits === 16, midr: Number(core.midr) },
    tlbFlush: (vmid) => cpus.forEach((c) => c.tlbiStage2(vmid)),
    uart: (b) => {
      for (const x of b) serialBytes.push(x);
    },
  }, {
    hostDtb,
    hostDtbFile: file,
    hostDtbAddress: dtbAddress,
    policy: opts.policy as PolicyName | undefined,
    extraXenArgs: extra || undefined,
  });

  opts.onXen?.(xen);
  const dom0 = xen.dom0;
  for (let i = 0; i < dom0.vcpus.length; i++) {
    const cpu = new Cpu(machine.bus, {
      vcpuId: i,
      index: i,
      cost: machine.cost,
      el2: xen.el2Handler(0),
      model: core,
      mmfr0: (core.mmfr0 & ~0xfn) | BigInt(machine.paRange),
    });
    cpu.msr("VTCR_EL2", BigInt(xen.core.geo.vtcr));
    cpu.msr("VTTBR_EL2", dom0.p2m.vttbr);
    cpu.msr("HCR_EL2", XEN_GUEST_HCR);
    cpu.el = 1;
    cpus.push(cpu);
  }
  const v0 = dom0.vcpus[0];
  const events: CpuEvent[] = [];
  const observe = (e: CpuEvent) => {
    if (e.type === "fault" || e.type === "external-abort") events.push(e);
  };
  for (const c of cpus) c.observer = observe;
  // The workload reaches dom0 only through the initrd Xen loaded (dom0/WORKLOADS.md).
  const result = bootLinux(cpus, { pc: v0.pc, x0: v0.x[0] });
  for (const c of cpus) c.observer = null;

  return {
    board: file,
    hostTree: tree,
    hostDtb,
    warnings: compiled.warnings,
    machine,
    firmware: {
      dtbAddress,
      dtbSize: hostDtb.length,
      ...mods.fw,
      notes: [...memNotes, ...mods.fw.notes],
    },
    xen,
    cpus,
    dom0: result,
    serial: splitLines(serialBytes),
    events,
    policy: typeof opts.policy === "string" ? opts.policy : "xen-4.17",
    workload: typeof workload === "string" ? workload : workload.name,
  };
}
