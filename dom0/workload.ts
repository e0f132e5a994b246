/**
 * Workloads: what dom0's user space does once the kernel has booted. A workload is a
 * {@link Scenario}: a list of operations on device-tree targets, each through a named path
 * (the Linux sram driver's export file or pool, the raw driver, or a direct kernel mapping API),
 * run by one process. The schema is documented in `dom0/WORKLOADS.md`.
 *
 * Every operation issues the exact Linux access sequence of the routine it names through the CPU
 * port; a fault is handled by the kernel as Linux would (oops → the process is killed, or a
 * panic when the process is init), and the operation records it.
 *
 * @module
 */

import { GuestException, type VA } from "../arch/arm64/port.ts";
import type { DeviceTree, Node } from "../dt/tree.ts";
import { InputError } from "../errors.ts";
import type { InsnClass, RoutineStats } from "./access.ts";
import { atomic_add, RAW_MAPPINGS, type RawMapping, rawSramAttach } from "./drivers/raw_sram.ts";
import type { SramDev } from "./drivers/sram.ts";
import { type FaultRecord, handleGuestException } from "./fault.ts";
import * as io from "./io.ts";
import {
  ioremap,
  ioremap_cache,
  ioremap_np,
  ioremap_wc,
  ioremap_wt,
  type MapOwner,
  memremap,
} from "./ioremap.ts";
import type { Kernel } from "./kernel.ts";
import { memcpy, memmove } from "./memcpy.ts";
import { memset } from "./memset.ts";
import type { PlatformBus } from "./platform.ts";
import { mmapAnon, mmapDevMem, runAtEl0, UserMm } from "./devmem.ts";
import { deviceGetAddress } from "../dt/address.ts";

/** Operation names (string literals keep Linux's spelling where one exists). */
export type OpName =
  | "write"
  | "read"
  | "memset"
  | "memcpy"
  | "memmove"
  | "memcpy_toio"
  | "memcpy_fromio"
  | "memset_io"
  | "atomic"
  | "ldxr-stxr"
  | "cas"
  | "swp"
  | "ldadd"
  | "dc-zva"
  | "dc-civac"
  | "load"
  | "store"
  | "readb"
  | "readw"
  | "readl"
  | "readq"
  | "writeb"
  | "writew"
  | "writel"
  | "writeq"
  | "readl_relaxed"
  | "writel_relaxed"
  | "unbind"
  | "bind"
  | "probe";

/** How an operation reaches the memory. */
export type Via =
  | "sram-export"
  | "sram-pool"
  | "raw-sram"
  | "ioremap"
  | "ioremap_np"
  | "ioremap_wc"
  | "ioremap_wt"
  | "ioremap_cache"
  | "memremap_wb"
  | "memremap_wc"
  | "memremap_wt"
  | "devmem";

/** One operation of a scenario. */
export interface ScenarioOp {
  /** What to do. */
  op: OpName;
  /**
   * The device-tree target: a node path (`/sram@bff00000/export@0`), a `label` property value
   * (`xsram`), a node name (`sram@bff00000`) or a Linux device name (`bff00000.sram`).
   * Required except for `unbind`/`bind` given a device name.
   */
  target?: string;
  /** The path to the memory (default: `sram-export` for write/read, else `raw-sram`). */
  via?: Via;
  /** For `via: "raw-sram"`: `wb` (default), `cache`, `wc`, `device`, `device-np`. */
  mapping?: RawMapping;
  /** Byte offset into the target region / partition / pool buffer (default 0). */
  offset?: number;
  /** Length in bytes (default: `data`'s length, else 4096 capped at the region). */
  length?: number;
  /** Fill byte (memset), operand (atomics), register value (write*, store). */
  value?: number;
  /** Bytes to write, as a string (UTF-8), for `write`/`memcpy`/`memcpy_toio`. */
  data?: string;
  /** For `memcpy`/`memmove` inside the region: source offset (else the source is RAM). */
  srcOffset?: number;
  /** Access size for `load`/`store`/`atomic`/`ldxr-stxr`/LSE ops (1, 2, 4 or 8; default 4/8). */
  size?: 1 | 2 | 4 | 8;
  /** For `read`: print what was read on the console, as `cat` would. */
  print?: boolean;
  /** A line the process echoes to the console before the operation. */
  echo?: string;
}

/** A workload. */
export interface Scenario {
  /** Name shown in results. */
  name: string;
  /** What it demonstrates. */
  description?: string;
  /** Who runs it: `init` (PID 1: an oops panics the kernel) or `child` (default: killed alone). */
  process?: "init" | "child";
  /** The operations, in order. */
  ops: ScenarioOp[];
}

/** The result of one operation. */
export interface OpResult {
  /** Index in the scenario. */
  index: number;
  /** The operation. */
  op: OpName;
  /** Its target as written. */
  target?: string;
  /** Resolved node path. */
  node?: string;
  /** The path used. */
  via?: Via;
  /** Completed without fault or error. */
  ok: boolean;
  /** Error text (errno or reason) when not ok. */
  error?: string;
  /** Data read (hex for loads/reads, or the value for register reads). */
  data?: string;
  /** The fault the operation took. */
  fault?: FaultRecord;
  /** Did not run because the process had died. */
  skipped?: boolean;
  /** Accesses the operation issued, per kernel routine (only routines it used). */
  accessCounts?: RoutineStats[];
}

/** The result of a workload. */
export interface WorkloadResult {
  /** Scenario name. */
  name: string;
  /** Every operation completed. */
  ok: boolean;
  /** Per-operation results. */
  ops: OpResult[];
  /** The process was killed by an oops. */
  killed: boolean;
}

const OPS = new Set<string>([
  "write",
  "read",
  "memset",
  "memcpy",
  "memmove",
  "memcpy_toio",
  "memcpy_fromio",
  "memset_io",
  "atomic",
  "ldxr-stxr",
  "cas",
  "swp",
  "ldadd",
  "dc-zva",
  "dc-civac",
  "load",
  "store",
  "readb",
  "readw",
  "readl",
  "readq",
  "writeb",
  "writew",
  "writel",
  "writeq",
  "readl_relaxed",
  "writel_relaxed",
  "unbind",
  "bind",
  "probe",
]);
const VIAS = new Set<string>([
  "sram-export",
  "sram-pool",
  "raw-sram",
  "ioremap",
  "ioremap_np",
  "ioremap_wc",
  "ioremap_wt",
  "ioremap_cache",
  "memremap_wb",
  "memremap_wc",
  "memremap_wt",
  "devmem",
]);

/** Validate a parsed JSON value as a {@link Scenario}; throws InputError naming the field. */
export function parseScenario(json: unknown, file = "workload"): Scenario {
  const fail = (where: string, msg: string): never => {
    throw new InputError(where ? `${file}: ${where}` : file, msg);
  };
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    fail("", 'a workload must be a JSON object with "name" and "ops"');
  }
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["name", "description", "process", "ops"].includes(k)) fail(k, `unknown field "${k}"`);
  }
  if (typeof o.name !== "string" || !o.name) fail("name", '"name" must be a non-empty string');
  if (o.description !== undefined && typeof o.description !== "string") {
    fail("description", '"description" must be a string');
  }
  if (o.process !== undefined && o.process !== "init" && o.process !== "child") {
    fail("process", '"process" must be "init" or "child"');
  }
  if (!Array.isArray(o.ops) || o.ops.length === 0) fail("ops", '"ops" must be a non-empty array');
  const ops = (o.ops as unknown[]).map((x, i) => {
    const w = `ops[${i}]`;
    if (!x || typeof x !== "object" || Array.isArray(x)) fail(w, "an operation must be an object");
    const op = x as Record<string, unknown>;
    const allowed = [
      "op",
      "target",
      "via",
      "mapping",
      "offset",
      "length",
      "value",
      "data",
      "srcOffset",
      "size",
      "print",
      "echo",
    ];
    for (const k of Object.keys(op)) {
      if (!allowed.includes(k)) fail(`${w}.${k}`, `unknown field "${k}"`);
    }
    if (typeof op.op !== "string" || !OPS.has(op.op)) {
      fail(
        `${w}.op`,
        `unknown operation ${JSON.stringify(op.op)}; expected one of ${[...OPS].join(", ")}`,
      );
    }
    if (op.target !== undefined && (typeof op.target !== "string" || !op.target)) {
      fail(`${w}.target`, '"target" must be a non-empty string');
    }
    if (op.target === undefined) fail(`${w}.target`, '"target" is required');
    if (op.via !== undefined && (typeof op.via !== "string" || !VIAS.has(op.via))) {
      fail(
        `${w}.via`,
        `unknown path ${JSON.stringify(op.via)}; expected one of ${[...VIAS].join(", ")}`,
      );
    }
    if (
      op.mapping !== undefined &&
      (typeof op.mapping !== "string" || !RAW_MAPPINGS.includes(op.mapping as RawMapping))
    ) {
      fail(
        `${w}.mapping`,
        `unknown mapping ${JSON.stringify(op.mapping)}; expected one of ${RAW_MAPPINGS.join(", ")}`,
      );
    }
    for (const k of ["offset", "length", "srcOffset"]) {
      const v = op[k];
      if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 0)) {
        fail(`${w}.${k}`, `"${k}" must be a non-negative integer`);
      }
    }
    if (op.value !== undefined && (!Number.isSafeInteger(op.value))) {
      fail(`${w}.value`, '"value" must be an integer');
    }
    if (op.size !== undefined && ![1, 2, 4, 8].includes(op.size as number)) {
      fail(`${w}.size`, '"size" must be 1, 2, 4 or 8');
    }
    if (op.data !== undefined && typeof op.data !== "string") {
      fail(`${w}.data`, '"data" must be a string');
    }
    if (op.print !== undefined && typeof op.print !== "boolean") {
      fail(`${w}.print`, '"print" must be a boolean');
    }
    if (op.echo !== undefined && typeof op.echo !== "string") {
      fail(`${w}.echo`, '"echo" must be a string');
    }
    return op as unknown as ScenarioOp;
  });
  return {
    name: o.name as string,
    description: o.description as string | undefined,
    process: o.process as "init" | "child" | undefined,
    ops,
  };
}

/** The built-in workloads (`boot` is generated from the booted system, see {@link bootWorkload}). */
export const BUILTIN_WORKLOADS: Record<string, Scenario> = {
  "sram-export-write": {
    name: "sram-export-write",
    description:
      "The Linux sram driver's export path: echo hello-sram > <addr>.sram, read it back " +
      "(sram_write/sram_read → memcpy_toio/memcpy_fromio: aligned 1- and 8-byte accesses only)",
    process: "init",
    ops: [
      { op: "write", target: "sram", via: "sram-export", data: "hello-sram\n" },
      { op: "read", target: "sram", via: "sram-export", length: 11, print: true },
    ],
  },
  "sram-memset": {
    name: "sram-memset",
    description: "The seed's raw driver: memset(region, 0, 4096) on a memremap(MEMREMAP_WB) " +
      "mapping (DC ZVA per 64-byte block when DCZID allows)",
    process: "child",
    ops: [{ op: "memset", target: "sram", via: "raw-sram", mapping: "wb", length: 4096, value: 0 }],
  },
  "sram-memcpy-unaligned": {
    name: "sram-memcpy-unaligned",
    description: "The seed's raw driver: memcpy of 1000 bytes from RAM to region+3 " +
      "(unaligned overlapping ldp/stp)",
    process: "child",
    ops: [{
      op: "memcpy",
      target: "sram",
      via: "raw-sram",
      mapping: "wb",
      offset: 3,
      length: 1000,
    }],
  },
  "sram-atomic": {
    name: "sram-atomic",
    description: "The seed's raw driver: atomic_add on a counter in SRAM (LL/SC ldxr/stxr on " +
      "CPUs without LSE, stadd with LSE)",
    process: "child",
    ops: [{ op: "atomic", target: "sram", via: "raw-sram", mapping: "wb", value: 1, size: 4 }],
  },
};

/** Names accepted by `--workload` besides a JSON file. */
export const WORKLOAD_NAMES: string[] = ["boot", ...Object.keys(BUILTIN_WORKLOADS)];

/** The default workload: what the golden dom0's init does with every sram export file. */
export function bootWorkload(kern: Kernel, bus: PlatformBus): Scenario {
  const ops: ScenarioOp[] = [];
  const exports = [...kern.sysfs.values()].filter((a) => a.name.endsWith(".sram"));
  for (const a of exports) {
    ops.push({
      op: "write",
      target: a.path,
      via: "sram-export",
      data: "hello-sram\n",
      echo: `SRAMFILE ${a.path}`,
    });
    ops.push({ op: "read", target: a.path, via: "sram-export", length: 11, print: true });
  }
  for (const d of bus.devices) {
    if (d.driver?.name === "sram") ops.push({ op: "unbind", target: d.name });
  }
  const probe = kern.cmdline.match(/(?:^|\s)probe=(0x[0-9a-fA-F]+)(?:\s|$)/);
  if (probe) {
    ops.push({ op: "probe", target: probe[1] });
    ops.push({ op: "probe", target: probe[1], via: "devmem" });
  }
  return {
    name: "boot",
    description: "What Linux's init does in the golden run: write and read back every sram " +
      "export file, unbind the sram driver, then run the probe on RAM and on /dev/mem at the " +
      "probe= address of the command line",
    process: "init",
    ops,
  };
}

/** Resolve a target to a node: path, label property, node name, device name, or "sram". */
export function resolveTarget(tree: DeviceTree, bus: PlatformBus, target: string): Node | null {
  if (target.startsWith("/sys/")) {
    // an export file path: /sys/bus/platform/devices/<dev>/<addr>.sram
    const m = target.match(/^\/sys\/bus\/platform\/devices\/([^/]+)\/([0-9a-f]+)\.sram$/);
    if (!m) return null;
    const dev = bus.find(m[1]);
    if (!dev) return null;
    const addr = parseInt(m[2], 16);
    for (const c of dev.node.children) {
      const r = deviceGetAddress(c, 0, { flavor: "linux", strict: false });
      if (r.ok && Number(r.address) === addr && c.has("export")) return c;
    }
    return null;
  }
  if (target.startsWith("/")) return tree.lookup(target) ?? null;
  const all = [...tree.root.walk()];
  const byLabel = all.find((n) => n.prop("label")?.str() === target);
  if (byLabel) return byLabel;
  const byName = all.find((n) => n.name === target);
  if (byName) return byName;
  const dev = bus.find(target);
  if (dev) return dev.node;
  if (target === "sram") {
    return all.find((n) => n.isCompatible("mmio-sram") && n.isAvailable()) ?? null;
  }
  return all.find((n) => n.baseName === target) ?? null;
}

const SYSCALL_FRAMES = [
  "el0t_64_sync",
  "el0t_64_sync_handler",
  "el0_svc",
  "do_el0_svc",
  "el0_svc_common.constprop.0",
  "invoke_syscall",
];

interface Region {
  va: VA;
  size: number;
}

/** Runs a scenario on a booted kernel. */
export class WorkloadRunner {
  private readonly kern: Kernel;
  private readonly bus: PlatformBus;
  private readonly tree: DeviceTree;
  private readonly maps = new Map<string, Region>();
  private readonly scratch = new Uint8Array(8);
  private mm: UserMm | null = null;
  private nextPid = 102;

  /** A runner over `kern`'s devices. */
  constructor(kern: Kernel, bus: PlatformBus, tree: DeviceTree) {
    this.kern = kern;
    this.bus = bus;
    this.tree = tree;
  }

  /** Run `sc`; a panic propagates as `KernelPanic`. */
  run(sc: Scenario): WorkloadResult {
    const kern = this.kern;
    const res: WorkloadResult = { name: sc.name, ok: true, ops: [], killed: false };
    kern.task = sc.process === "init"
      ? { comm: "init", pid: 1 }
      : { comm: sc.name.slice(0, 15), pid: 101 };
    let dead = false;
    sc.ops.forEach((op, index) => {
      const r: OpResult = { index, op: op.op, target: op.target, via: op.via, ok: false };
      res.ops.push(r);
      if (dead) {
        r.ok = false;
        r.skipped = true;
        r.error = "not run: the process was killed";
        return;
      }
      if (op.echo !== undefined) kern.log.user(op.echo);
      const k = kern.cpu;
      const depth = k.stack.length;
      const before = new Map([...k.stats].map(([n, st]) => [n, { ...st }]));
      try {
        this.exec(op, r, index);
      } catch (e) {
        if (!(e instanceof GuestException)) throw e;
        const stack = [...k.stack];
        const insn: InsnClass = k.lastInsn;
        k.unwindTo(depth);
        r.ok = false;
        r.fault = handleGuestException(kern, e, stack, insn); // panics for init
        r.error = r.fault.outcome === "signal" ? r.fault.detail : "oops: process killed";
        dead = true;
        res.killed = true;
        if (sc.process !== "init") kern.log.user(SHELL_SIGNAL[r.fault.outcome] ?? "Killed");
      } finally {
        r.accessCounts = statsDelta(before, k.stats);
      }
      if (!r.ok) res.ok = false;
    });
    kern.kfreeAll();
    return res;
  }

  private node(op: ScenarioOp, index: number): Node {
    const n = resolveTarget(this.tree, this.bus, op.target!);
    if (!n) {
      throw new InputError(
        `workload: ops[${index}].target`,
        `no device-tree node matches ${JSON.stringify(op.target)}`,
      );
    }
    return n;
  }

  private nodeRegion(n: Node, index: number): { phys: number; size: number } {
    const r = deviceGetAddress(n, 0, { flavor: "linux", strict: false });
    if (!r.ok) {
      throw new InputError(`workload: ops[${index}].target`, `${n.path} has no usable reg`);
    }
    return { phys: Number(r.address), size: Number(r.size) };
  }

  /** The process's address space (created on first use). */
  private userMm(): UserMm {
    this.mm ??= new UserMm(this.kern);
    return this.mm;
  }

  /** The region an op works on, mapped through its `via`. */
  private region(op: ScenarioOp, via: Via, index: number, r: OpResult): Region | null {
    if (via === "devmem") {
      const addr = /^0x[0-9a-f]+$/i.test(op.target!) ? parseInt(op.target!, 16) : null;
      const n = addr === null ? this.node(op, index) : null;
      const { phys, size } = n ? this.nodeRegion(n, index) : { phys: addr!, size: 8192 };
      if (n) r.node = n.path;
      const key = `devmem|${phys}`;
      const have = this.maps.get(key);
      if (have) return have;
      const len = Math.min(size, Math.max(op.length ?? 8192, 8192));
      const va = mmapDevMem(this.kern, this.userMm(), phys, len, true, n?.path);
      if (va < 0 && va > -4096) {
        r.error = "mmap: Operation not permitted";
        this.kern.log.user("mmap: Operation not permitted");
        return null;
      }
      const reg = { va, size: len };
      this.maps.set(key, reg);
      return reg;
    }
    const n = this.node(op, index);
    r.node = n.path;
    const key = `${n.path}|${via}|${op.mapping ?? ""}`;
    const have = this.maps.get(key);
    if (have) return have;
    const kern = this.kern;
    let reg: Region | null = null;
    if (via === "raw-sram") {
      const a = rawSramAttach(kern, n, op.mapping ?? "wb", deviceName(this.bus, n));
      if (typeof a === "number") {
        r.error = `raw-sram: mapping failed (${a})`;
        return null;
      }
      reg = { va: a.va, size: a.size };
    } else if (via === "sram-pool") {
      const sram = this.sramOf(n);
      if (!sram) {
        r.error = `no sram device bound for ${n.path}`;
        return null;
      }
      const part = sram.partitions.find((p) => p.node === n && p.pool);
      const pool = part?.pool ?? sram.pool;
      const size = op.length ?? 4096;
      const va = pool ? pool.alloc(size + (op.offset ?? 0)) : 0;
      if (!va) {
        r.error = "gen_pool_alloc failed";
        return null;
      }
      reg = { va, size: size + (op.offset ?? 0) };
    } else {
      const { phys, size } = this.nodeRegion(n, index);
      const owner: MapOwner = {
        driver: "dom0sim-test",
        node: n.path,
        device: deviceName(this.bus, n),
      };
      let va = 0;
      switch (via) {
        case "ioremap":
          va = ioremap(kern, phys, size, owner);
          break;
        case "ioremap_np":
          va = ioremap_np(kern, phys, size, owner);
          break;
        case "ioremap_wc":
          va = ioremap_wc(kern, phys, size, owner);
          break;
        case "ioremap_wt":
          va = ioremap_wt(kern, phys, size, owner);
          break;
        case "ioremap_cache":
          va = ioremap_cache(kern, phys, size, owner);
          break;
        case "memremap_wb":
          va = memremap(kern, phys, size, "MEMREMAP_WB", owner);
          break;
        case "memremap_wc":
          va = memremap(kern, phys, size, "MEMREMAP_WC", owner);
          break;
        case "memremap_wt":
          va = memremap(kern, phys, size, "MEMREMAP_WT", owner);
          break;
      }
      if (!va) {
        r.error = `${via} failed`;
        return null;
      }
      reg = { va, size };
    }
    this.maps.set(key, reg);
    return reg;
  }

  private sramOf(n: Node): SramDev | null {
    for (const d of this.bus.devices) {
      if (d.driver?.name !== "sram") continue;
      if (d.node === n || d.node === n.parent) return d.drvdata as SramDev;
    }
    return null;
  }

  /** A RAM buffer holding `len` bytes of `data` (or a pattern), written by `copy_from_user`. */
  private userBuffer(op: ScenarioOp, len: number): VA {
    const kern = this.kern, k = kern.cpu;
    const buf = kern.kmalloc(len + 16);
    if (!buf) throw new Error("dom0 kmalloc arena exhausted (raise heapSize)");
    const bytes = op.data !== undefined ? new TextEncoder().encode(op.data) : null;
    k.enter("copy_from_user");
    const b = this.scratch;
    for (let i = 0; i < len; i += 8) {
      for (let j = 0; j < 8; j++) {
        const at = i + j;
        b[j] = bytes ? (at < bytes.length ? bytes[at] : 0) : (at * 7 + 1) & 0xff;
      }
      k.str(buf + i, 8, b);
    }
    k.leave();
    return buf;
  }

  private readBuffer(buf: VA, len: number): Uint8Array {
    const k = this.kern.cpu;
    const out = new Uint8Array(Math.ceil(len / 8) * 8);
    k.enter("copy_to_user");
    for (let i = 0; i < len; i += 8) k.ldr(buf + i, 8, out, i);
    k.leave();
    return out.subarray(0, len);
  }

  private exec(op: ScenarioOp, r: OpResult, index: number): void {
    const kern = this.kern, k = kern.cpu;
    if (op.op === "probe") {
      this.probe(op, r, index);
      return;
    }
    if (op.op === "unbind" || op.op === "bind") {
      const dev = this.bus.find(op.target!) ??
        this.bus.devices.find((d) => d.node === resolveTarget(this.tree, this.bus, op.target!));
      if (!dev) {
        throw new InputError(
          `workload: ops[${index}].target`,
          `no device ${JSON.stringify(op.target)}`,
        );
      }
      r.node = dev.node.path;
      if (op.op === "unbind") this.bus.unbind(dev);
      else {
        const drv = this.bus.drivers.find((d) =>
          d.compatible?.some((c) => dev.node.compatible().includes(c))
        );
        if (drv && !dev.driver) this.bus.probe(drv, dev);
      }
      r.ok = true;
      return;
    }
    const via: Via = op.via ?? (op.op === "write" || op.op === "read" ? "sram-export" : "raw-sram");
    r.via = via;
    if (via === "sram-export") {
      this.exportOp(op, r, index);
      return;
    }
    const reg = this.region(op, via, index, r);
    if (!reg) {
      r.ok = false;
      return;
    }
    const off = op.offset ?? 0;
    const dataLen = op.data !== undefined ? new TextEncoder().encode(op.data).length : undefined;
    const len = op.length ?? dataLen ?? Math.min(4096, Math.max(0, reg.size - off));
    const va = reg.va + off;
    if (
      off +
          ([
              "load",
              "store",
              "readb",
              "writeb",
              "readw",
              "writew",
              "readl",
              "writel",
              "readq",
              "writeq",
              "readl_relaxed",
              "writel_relaxed",
              "atomic",
              "ldxr-stxr",
              "cas",
              "swp",
              "ldadd",
              "dc-zva",
              "dc-civac",
            ].includes(op.op)
            ? 1
            : len) > reg.size
    ) {
      r.ok = false;
      r.error = `offset+length beyond the ${reg.size}-byte region`;
      return;
    }
    if (via === "devmem") {
      this.userOp(op, r, va, len);
      return;
    }
    const depth = k.stack.length;
    for (const f of SYSCALL_FRAMES) k.enter(f);
    k.enter("__arm64_sys_ioctl");
    k.enter(via === "raw-sram" ? "raw_sram_ioctl" : "dom0sim_test_ioctl");
    const v = op.value ?? 0;
    const size = op.size;
    switch (op.op) {
      case "write":
      case "memcpy":
      case "memmove": {
        if (op.srcOffset !== undefined) {
          (op.op === "memmove" ? memmove : memcpy)(k, va, reg.va + op.srcOffset, len);
        } else {
          const buf = this.userBuffer(op, len);
          (op.op === "memmove" ? memmove : memcpy)(k, va, buf, len);
        }
        break;
      }
      case "read": {
        const buf = kern.kmalloc(len + 16);
        memcpy(k, buf, va, len);
        r.data = hex(this.readBuffer(buf, len));
        break;
      }
      case "memset":
        memset(k, va, v, len);
        break;
      case "memcpy_toio": {
        const buf = this.userBuffer(op, len);
        io.memcpy_toio(k, va, buf, len);
        break;
      }
      case "memcpy_fromio": {
        const buf = kern.kmalloc(len + 16);
        io.memcpy_fromio(k, buf, va, len);
        r.data = hex(this.readBuffer(buf, len));
        break;
      }
      case "memset_io":
        io.memset_io(k, va, v, len);
        break;
      case "atomic":
        r.data = "0x" + atomic_add(k, va, BigInt(v), size === 8 ? 8 : 4).toString(16);
        break;
      case "ldxr-stxr": {
        const s = size ?? 4;
        const b = this.scratch;
        k.enter("ldxr_stxr_loop");
        k.ldxr(va, s, b, 0);
        b[0] = (b[0] + (v || 1)) & 0xff;
        const st = k.stxr(va, s, b, 0);
        k.leave();
        r.data = `stxr status ${st}`;
        break;
      }
      case "cas":
      case "swp":
      case "ldadd": {
        k.enter("lse_" + op.op);
        const old = k.atomic(op.op, va, size ?? 4, BigInt(v), op.op === "cas" ? 0n : undefined);
        k.leave();
        r.data = "0x" + old.toString(16);
        break;
      }
      case "dc-zva":
        k.dcZva(va, 4 << Number(k.mrs("DCZID_EL0") & 0xfn));
        break;
      case "dc-civac":
        k.dc("civac", va);
        break;
      case "load": {
        const s = size ?? 8;
        const b = new Uint8Array(8);
        k.ldr(va, s, b, 0);
        r.data = hex(b.subarray(0, s));
        break;
      }
      case "store": {
        const s = size ?? 8;
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
        k.str(va, s, b, 0);
        break;
      }
      case "readb":
        r.data = "0x" + io.readb(k, va).toString(16);
        break;
      case "readw":
        r.data = "0x" + io.readw(k, va).toString(16);
        break;
      case "readl":
        r.data = "0x" + io.readl(k, va).toString(16);
        break;
      case "readq":
        r.data = "0x" + io.readq(k, va).toString(16);
        break;
      case "readl_relaxed":
        r.data = "0x" + io.readl_relaxed(k, va).toString(16);
        break;
      case "writeb":
        io.writeb(k, v, va);
        break;
      case "writew":
        io.writew(k, v, va);
        break;
      case "writel":
        io.writel(k, v, va);
        break;
      case "writeq":
        io.writeq(k, BigInt(v), va);
        break;
      case "writel_relaxed":
        io.writel_relaxed(k, v, va);
        break;
      default:
        break;
    }
    k.unwindTo(depth);
    r.ok = true;
  }

  /** A user buffer of `len` bytes holding `op.data` (or a pattern), written at EL0. */
  private userData(op: ScenarioOp, len: number): VA {
    const kern = this.kern, k = kern.cpu;
    const buf = mmapAnon(kern, this.userMm(), len + 16);
    const bytes = op.data !== undefined ? new TextEncoder().encode(op.data) : null;
    const b = this.scratch;
    runAtEl0(kern, this.userMm(), () => {
      for (let i = 0; i < len; i += 8) {
        for (let j = 0; j < 8; j++) {
          const at = i + j;
          b[j] = bytes ? (at < bytes.length ? bytes[at] : 0) : (at * 7 + 1) & 0xff;
        }
        k.str(buf + i, 8, b);
      }
    });
    return buf;
  }

  /**
   * An operation by the process itself at EL0 on a `/dev/mem` mapping. Its C library routines are
   * modelled with the kernel's arm64 algorithms (glibc's aarch64 memset/memcpy also use DC ZVA
   * for large zero fills and unaligned LDP/STP).
   */
  private userOp(op: ScenarioOp, r: OpResult, va: VA, len: number): void {
    const kern = this.kern, k = kern.cpu;
    const src = ["write", "memcpy", "memmove"].includes(op.op) && op.srcOffset === undefined
      ? this.userData(op, len)
      : 0;
    const dst = ["read"].includes(op.op) ? mmapAnon(kern, this.userMm(), len + 16) : 0;
    const v = op.value ?? 0;
    runAtEl0(kern, this.userMm(), () => {
      const b = new Uint8Array(8);
      switch (op.op) {
        case "write":
        case "memcpy":
          memcpy(
            k,
            va,
            op.srcOffset !== undefined ? va - (op.offset ?? 0) + op.srcOffset : src,
            len,
          );
          break;
        case "memmove":
          memmove(
            k,
            va,
            op.srcOffset !== undefined ? va - (op.offset ?? 0) + op.srcOffset : src,
            len,
          );
          break;
        case "read": {
          memcpy(k, dst, va, len);
          const out = new Uint8Array(Math.ceil(len / 8) * 8);
          for (let i = 0; i < len; i += 8) k.ldr(dst + i, 8, out, i);
          r.data = hex(out.subarray(0, len));
          break;
        }
        case "memset":
          memset(k, va, v, len);
          break;
        case "atomic":
          r.data = "0x" + atomic_add(k, va, BigInt(v), op.size === 8 ? 8 : 4).toString(16);
          break;
        case "ldxr-stxr":
          k.ldxr(va, op.size ?? 8, b, 0);
          r.data = `stxr status ${k.stxr(va, op.size ?? 8, b, 0)}`;
          break;
        case "cas":
        case "swp":
        case "ldadd":
          r.data = "0x" +
            k.atomic(op.op, va, op.size ?? 4, BigInt(v), op.op === "cas" ? 0n : undefined)
              .toString(16);
          break;
        case "dc-zva":
          k.dcZva(va, 4 << Number(k.mrs("DCZID_EL0") & 0xfn));
          break;
        case "dc-civac":
          k.dc("civac", va);
          break;
        case "load":
        case "readb":
        case "readw":
        case "readl":
        case "readq":
        case "readl_relaxed": {
          const s = op.op === "load" ? (op.size ?? 8) : SIZE_OF[op.op];
          k.ldr(va, s, b, 0);
          r.data = hex(b.subarray(0, s));
          break;
        }
        default: {
          const s = op.op === "store" ? (op.size ?? 8) : SIZE_OF[op.op];
          if (!s) throw new InputError("workload", `${op.op} is not available through /dev/mem`);
          new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
          k.str(va, s, b, 0);
        }
      }
    });
    r.ok = true;
  }

  /**
   * The golden runs' `probe` program (shared/reference/xen-4.17/probe.c): ten accesses, each in a
   * forked child at EL0, on anonymous RAM or on a `/dev/mem` O_SYNC mapping, printing
   * `PROBE <kind> <test>: ok|SIGBUS|SIGSEGV|SIGNAL|BADVALUE`.
   */
  private probe(op: ScenarioOp, r: OpResult, index: number): void {
    const kern = this.kern, k = kern.cpu;
    const mm = this.userMm();
    let base: VA, kind: string;
    if (op.via === "devmem") {
      const reg = this.region(op, "devmem", index, r);
      if (!reg) {
        r.ok = false;
        return;
      }
      base = reg.va;
      kind = "devmem";
    } else {
      kern.log.user(`PROBE dczid_el0=0x${k.mrs("DCZID_EL0").toString(16)}`);
      base = mmapAnon(kern, mm, 8192);
      kind = "normal-ram";
    }
    const buf = mmapAnon(kern, mm, 8192);
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    const tests: [string, () => boolean][] = [
      ["aligned-64bit-store-load", () => {
        dv.setBigUint64(0, 0x1122334455667788n, true);
        k.str(base + 8, 8, b);
        k.ldr(base + 8, 8, b);
        return dv.getBigUint64(0, true) === 0x1122334455667788n;
      }],
      ["unaligned-64bit-load", () => (k.ldr(base + 1, 8, b), true)],
      ["unaligned-64bit-store", () => {
        dv.setBigUint64(0, 0xabcdn, true);
        k.str(base + 3, 8, b);
        return true;
      }],
      ["dc-zva", () => (k.dcZva(base + 256, 4 << Number(k.mrs("DCZID_EL0") & 0xfn)), true)],
      ["dc-civac", () => (k.dc("civac", base + 256), true)],
      ["ldxr-stxr", () => (k.ldxr(base + 64, 8, b), k.stxr(base + 64, 8, b), true)],
      ["memset-zero-4096", () => (memset(k, base, 0, 4096), true)],
      ["memset-0x5a-4096", () => (memset(k, base, 0x5a, 4096), true)],
      ["memcpy-aligned-4096", () => (memcpy(k, base, buf, 4096), true)],
      ["memcpy-unaligned-1000", () => (memcpy(k, base + 1, buf, 1000), true)],
    ];
    const saved = kern.task;
    const out: string[] = [];
    for (const [name, fn] of tests) {
      kern.task = { comm: "probe", pid: this.nextPid++ };
      const depth = k.stack.length;
      let res: string;
      try {
        res = runAtEl0(kern, mm, fn) ? "ok" : "BADVALUE";
      } catch (e) {
        if (!(e instanceof GuestException)) throw e;
        const stack = [...k.stack];
        k.unwindTo(depth);
        const rec = handleGuestException(kern, e, stack, k.lastInsn);
        const sig = rec.detail?.split(" ")[0];
        res = sig === "SIGBUS" || sig === "SIGSEGV" ? sig : "SIGNAL";
      }
      out.push(`${name}: ${res}`);
      kern.log.user(`PROBE ${kind} ${name}: ${res}`);
    }
    kern.task = saved;
    r.data = out.join("; ");
    r.ok = true;
  }

  /** write/read through the sram driver's sysfs file (vfs → kernfs → sysfs → sram_*). */
  private exportOp(op: ScenarioOp, r: OpResult, index: number): void {
    const kern = this.kern, k = kern.cpu;
    const n = this.node(op, index);
    r.node = n.path;
    const attr = [...kern.sysfs.values()].find((a) => {
      if (op.target === a.path) return true;
      const m = a.path.match(/\/([0-9a-f]+)\.sram$/);
      if (!m) return false;
      const dev = this.bus.devices.find((d) => a.path.includes(`/${d.name}/`));
      if (!dev) return false;
      if (dev.node === n) return true;
      const reg = deviceGetAddress(n, 0, { flavor: "linux", strict: false });
      return n.parent === dev.node && reg.ok && Number(reg.address) === parseInt(m[1], 16);
    });
    if (!attr) {
      r.ok = false;
      r.error = "No such file or directory";
      if (op.op === "write") {
        kern.log.user(`sh: can't create export file of ${n.path}: nonexistent directory`);
      }
      return;
    }
    const pos = op.offset ?? 0;
    const dataBytes = op.data !== undefined ? new TextEncoder().encode(op.data) : null;
    let count = op.length ?? dataBytes?.length ?? 11;
    const depth = k.stack.length;
    for (const f of SYSCALL_FRAMES) k.enter(f);
    if (op.op === "write") {
      const buf = this.userBuffer(op, count);
      k.enter("__arm64_sys_write");
      k.enter("ksys_write");
      k.enter("vfs_write");
      k.enter("kernfs_fop_write_iter");
      k.enter("sysfs_kf_bin_write");
      let ret: number;
      if (attr.size && pos >= attr.size) ret = -27; // -EFBIG
      else {
        if (attr.size) count = Math.min(count, attr.size - pos);
        ret = count ? attr.write!(kern, buf, pos, count) : 0;
      }
      k.unwindTo(depth);
      r.ok = ret >= 0;
      if (ret < 0) r.error = `write: errno ${-ret}`;
      return;
    }
    // read
    const buf = kern.kmalloc(count + 16);
    k.enter("__arm64_sys_read");
    k.enter("ksys_read");
    k.enter("vfs_read");
    k.enter("kernfs_fop_read_iter");
    k.enter("sysfs_kf_bin_read");
    let ret = 0;
    if (!(attr.size && pos >= attr.size)) {
      if (attr.size && pos + count > attr.size) count = attr.size - pos;
      ret = attr.read!(kern, buf, pos, count);
    }
    k.unwindTo(depth);
    const data = this.readBuffer(buf, ret);
    r.data = hex(data);
    r.ok = true;
    if (op.print) {
      let s = "";
      for (const b of data) if (b) s += String.fromCharCode(b);
      kern.log.user(s);
    }
  }
}

function statsDelta(
  before: Map<string, RoutineStats>,
  after: Map<string, RoutineStats>,
): RoutineStats[] {
  const out: RoutineStats[] = [];
  for (const [name, a] of after) {
    const b = before.get(name);
    const d = { ...a };
    let any = false;
    for (const key of Object.keys(a) as (keyof RoutineStats)[]) {
      if (key === "routine") continue;
      const v = (a[key] as number) - ((b?.[key] as number | undefined) ?? 0);
      (d as unknown as Record<string, number>)[key] = v;
      if (v) any = true;
    }
    if (any) out.push(d);
  }
  return out;
}

const SHELL_SIGNAL: Record<string, string> = {
  "task-killed": "Segmentation fault",
  "signal": "Bus error",
};

const SIZE_OF: Record<string, 1 | 2 | 4 | 8> = {
  readb: 1,
  writeb: 1,
  readw: 2,
  writew: 2,
  readl: 4,
  writel: 4,
  readl_relaxed: 4,
  writel_relaxed: 4,
  readq: 8,
  writeq: 8,
};

function deviceName(bus: PlatformBus, n: Node): string {
  return bus.devices.find((d) => d.node === n)?.name ??
    bus.devices.find((d) => d.node === n.parent)?.name ?? n.name;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
