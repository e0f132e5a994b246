/**
 * Linux 6.1's generic on-chip SRAM driver (drivers/misc/sram.c, sram-exec.c), same order, same
 * decisions, same messages:
 *
 * - probe: `no-memory-wc` → `devm_ioremap_resource` (Device-nGnRE) else
 *   `devm_ioremap_resource_wc` (Normal-NC) of the whole region, unless the compatible's config is
 *   `map_only_reserved` (Tegra SYSRAM: only the children are mapped, no main pool); failure →
 *   "could not map SRAM registers". A main genalloc pool of 32-byte granules
 *   (`SRAM_GRANULARITY`).
 * - `sram_reserve_regions`: each available child needs a translatable `reg` ("could not get
 *   address for node %pOF") inside the region ("reserved block %pOF outside the sram area");
 *   `export`, `pool`, `protect-exec` make a partition (label from `label`, else the node name);
 *   blocks sorted by start, overlap → "block at 0x%x starts after current offset 0x%lx"; gaps go
 *   to the main pool.
 * - partitions: `pool` → own gen_pool; `export` → sysfs file `<phys>.sram` (0600) whose read and
 *   write are `memcpy_fromio`/`memcpy_toio` on the partition; `protect-exec` must be
 *   page-aligned ("SRAM pool marked with 'protect-exec' is not page aligned and will not be
 *   created.") and becomes a pool.
 * - compatibles: `mmio-sram`, `atmel,sama5d2-securam` (init waits for the secumod),
 *   `nvidia,tegra186/194/234-sysram` (map_only_reserved).
 *
 * @module
 */

import type { PA, VA } from "../../arch/arm64/port.ts";
import { deviceGetAddress } from "../../dt/address.ts";
import type { Node } from "../../dt/tree.ts";
import { devm_ioremap_resource, devm_ioremap_resource_wc, type IomemOrErr } from "../devm.ts";
import { GenPool } from "../genalloc.ts";
import { memcpy_fromio, memcpy_toio } from "../io.ts";
import type { Kernel } from "../kernel.ts";
import { PAGE_SIZE } from "../memory_layout.ts";
import { dev_err, type Device, type Driver, EINVAL, ENODEV, ENOMEM } from "../platform.ts";
import { Resource } from "../resource.ts";

/** `SRAM_GRANULARITY`. */
export const SRAM_GRANULARITY = 32;

/** `struct sram_config`. */
interface SramConfig {
  init?: (kern: Kernel) => number;
  mapOnlyReserved?: boolean;
}

const TEGRA_SYSRAM: SramConfig = { mapOnlyReserved: true };
const ATMEL_SECURAM: SramConfig = {
  // atmel_securam_wait: the syscon of "atmel,sama5d2-secumod" must exist.
  init: () => ENODEV,
};

const SRAM_DT_IDS: [string, SramConfig | null][] = [
  ["mmio-sram", null],
  ["atmel,sama5d2-securam", ATMEL_SECURAM],
  ["nvidia,tegra186-sysram", TEGRA_SYSRAM],
  ["nvidia,tegra194-sysram", TEGRA_SYSRAM],
  ["nvidia,tegra234-sysram", TEGRA_SYSRAM],
];

/** `struct sram_partition`. */
export interface SramPartition {
  /** `part->base` (VA). */
  base: VA;
  /** Physical start. */
  start: PA;
  /** Size in bytes. */
  size: number;
  /** The partition's label. */
  label: string;
  /** Its gen_pool (`pool`/`protect-exec`). */
  pool: GenPool | null;
  /** The sysfs file path when exported. */
  exportPath: string | null;
  /** Marked `protect-exec`. */
  exec: boolean;
  /** The child node. */
  node: Node;
}

/** `struct sram_dev`. */
export interface SramDev {
  /** The device. */
  dev: Device;
  /** `virt_base` (0 with map_only_reserved). */
  virtBase: VA;
  /** The main pool (null with map_only_reserved). */
  pool: GenPool | null;
  /** Partitions. */
  partitions: SramPartition[];
  /** `no-memory-wc`. */
  noMemoryWc: boolean;
  /** The mapping API used for the region. */
  mapping: "ioremap" | "ioremap_wc";
}

interface Block {
  start: number;
  size: number;
  export: boolean;
  pool: boolean;
  protectExec: boolean;
  label: string;
  res: Resource;
  node: Node | null;
}

function configOf(node: Node): SramConfig | null {
  for (const c of node.compatible()) {
    const hit = SRAM_DT_IDS.find(([id]) => id === c);
    if (hit) return hit[1];
  }
  return null;
}

/** `sram_read` (the bin attribute read): `memcpy_fromio(buf, part->base + pos, count)`. */
function sramRead(part: SramPartition) {
  return (kern: Kernel, buf: VA, pos: number, count: number): number => {
    const k = kern.cpu;
    k.enter("sram_read");
    memcpy_fromio(k, buf, part.base + pos, count);
    k.leave();
    return count;
  };
}

/** `sram_write`: `memcpy_toio(part->base + pos, buf, count)`. */
function sramWrite(part: SramPartition) {
  return (kern: Kernel, buf: VA, pos: number, count: number): number => {
    const k = kern.cpu;
    k.enter("sram_write");
    memcpy_toio(k, part.base + pos, buf, count);
    k.leave();
    return count;
  };
}

function addPartition(kern: Kernel, sram: SramDev, block: Block, start: PA): number {
  const dev = sram.dev;
  let base: VA;
  if (configOf(dev.node)?.mapOnlyReserved) {
    const r = sram.noMemoryWc
      ? devm_ioremap_resource(kern, dev, block.res)
      : devm_ioremap_resource_wc(kern, dev, block.res);
    if (!r.ok) {
      dev_err(kern, dev, `could not map SRAM at ${block.res}`);
      return r.err;
    }
    base = r.va;
  } else {
    base = sram.virtBase + block.start;
  }
  const part: SramPartition = {
    base,
    start,
    size: block.size,
    label: block.label,
    pool: null,
    exportPath: null,
    exec: false,
    node: block.node!,
  };
  const addPool = (): number => {
    part.pool = new GenPool(Math.log2(SRAM_GRANULARITY), block.label);
    return part.pool.addVirt(part.base, start, block.size);
  };
  if (block.pool) {
    const ret = addPool();
    if (ret < 0) {
      dev_err(kern, dev, `failed to register subpool: ${ret}`);
      return ret;
    }
  }
  if (block.export) {
    // sram_add_export: "%llx.sram", mode 0600, size = block size.
    const name = `${start.toString(16)}.sram`;
    const path = `/sys/bus/platform/devices/${dev.name}/${name}`;
    kern.sysfs.set(path, {
      name,
      path,
      size: block.size,
      mode: 0o600,
      read: sramRead(part),
      write: sramWrite(part),
    });
    part.exportPath = path;
  }
  if (block.protectExec) {
    // sram_check_protect_exec
    const end = part.base + block.size;
    if (part.base % PAGE_SIZE !== 0 || end % PAGE_SIZE !== 0) {
      dev_err(
        kern,
        dev,
        "SRAM pool marked with 'protect-exec' is not page aligned and will not be created.",
      );
      return ENOMEM;
    }
    const ret = addPool();
    if (ret < 0) {
      dev_err(kern, dev, `failed to register subpool: ${ret}`);
      return ret;
    }
    part.exec = true; // sram_add_protect_exec: joins exec_pool_list
  }
  sram.partitions.push(part);
  return 0;
}

function freePartitions(kern: Kernel, sram: SramDev): void {
  for (let i = sram.partitions.length - 1; i >= 0; i--) {
    const part = sram.partitions[i];
    if (part.exportPath) kern.sysfs.delete(part.exportPath);
    if (part.pool && part.pool.avail() < part.pool.size()) {
      dev_err(kern, sram.dev, "removed pool while SRAM allocated");
    }
  }
  sram.partitions.length = 0;
}

/** `sram_reserve_regions`. */
function reserveRegions(kern: Kernel, sram: SramDev, res: Resource): number {
  const dev = sram.dev;
  const size = res.size;
  const blocks: Block[] = [];
  for (const child of dev.node.children) {
    if (!child.isAvailable()) continue;
    const a = deviceGetAddress(child, 0, { flavor: "linux", strict: false });
    if (!a.ok) {
      dev_err(kern, dev, `could not get address for node ${child.path}`);
      return EINVAL;
    }
    const cs = Number(a.address), ce = cs + Number(a.size) - 1;
    if (cs < res.start || ce > res.end) {
      dev_err(kern, dev, `reserved block ${child.path} outside the sram area`);
      return EINVAL;
    }
    const b: Block = {
      start: cs - res.start,
      size: Number(a.size),
      export: child.has("export"),
      pool: child.has("pool"),
      protectExec: child.has("protect-exec"),
      label: "",
      res: new Resource(child.name, cs, ce),
      node: child,
    };
    if ((b.export || b.pool || b.protectExec) && b.size) {
      const lp = child.prop("label");
      if (lp) {
        const v = lp.value;
        if (v.length === 0 || v[v.length - 1] !== 0) {
          dev_err(kern, dev, `${child.path} has invalid label name`);
          return EINVAL;
        }
        b.label = lp.str();
      } else {
        b.label = child.baseName; // 6.1: child->name
      }
    }
    blocks.push(b);
  }
  // the last chunk marks the end of the region
  blocks.push({
    start: size,
    size: 0,
    export: false,
    pool: false,
    protectExec: false,
    label: "",
    res: res,
    node: null,
  });
  blocks.sort((x, y) => x.start - y.start); // list_sort is stable
  let curStart = 0;
  for (const block of blocks) {
    if (block.start < curStart) {
      dev_err(
        kern,
        dev,
        `block at 0x${block.start.toString(16)} starts after current offset 0x${
          curStart.toString(16)
        }`,
      );
      freePartitions(kern, sram);
      return EINVAL;
    }
    if ((block.export || block.pool || block.protectExec) && block.size) {
      const ret = addPartition(kern, sram, block, res.start + block.start);
      if (ret) {
        freePartitions(kern, sram);
        return ret;
      }
    }
    if (block.start === curStart) {
      curStart = block.start + block.size;
      continue;
    }
    const curSize = block.start - curStart;
    if (sram.pool) sram.pool.addVirt(sram.virtBase + curStart, res.start + curStart, curSize);
    curStart = block.start + block.size;
  }
  return 0;
}

/** `sram_probe`. */
function sramProbe(kern: Kernel, dev: Device): number {
  const config = configOf(dev.node);
  const sram: SramDev = {
    dev,
    virtBase: 0,
    pool: null,
    partitions: [],
    noMemoryWc: dev.node.has("no-memory-wc"),
    mapping: "ioremap_wc",
  };
  const k = kern.cpu;
  k.enter("sram_probe");
  if (!config?.mapOnlyReserved) {
    const res = dev.resources[0];
    let r: IomemOrErr;
    if (sram.noMemoryWc) {
      sram.mapping = "ioremap";
      r = devm_ioremap_resource(kern, dev, res);
    } else {
      r = devm_ioremap_resource_wc(kern, dev, res);
    }
    if (!r.ok) {
      dev_err(kern, dev, "could not map SRAM registers");
      k.leave();
      return r.err;
    }
    sram.virtBase = r.va;
    sram.pool = new GenPool(Math.log2(SRAM_GRANULARITY));
  }
  const res = dev.resources[0];
  if (!res) {
    k.leave();
    return EINVAL;
  }
  let ret = reserveRegions(kern, sram, res);
  if (ret) {
    k.leave();
    return ret;
  }
  dev.drvdata = sram;
  if (config?.init) {
    ret = config.init(kern);
    if (ret) {
      freePartitions(kern, sram);
      k.leave();
      return ret;
    }
  }
  k.leave();
  return 0;
}

/** `sram_remove`. */
function sramRemove(kern: Kernel, dev: Device): void {
  const sram = dev.drvdata as SramDev | null;
  if (!sram) return;
  freePartitions(kern, sram);
  if (sram.pool && sram.pool.avail() < sram.pool.size()) {
    dev_err(kern, dev, "removed while SRAM allocated");
  }
}

/** The `sram` platform driver (postcore_initcall). */
export const sramDriver: Driver = {
  name: "sram",
  bus: "platform",
  compatible: SRAM_DT_IDS.map(([c]) => c),
  probe: sramProbe,
  remove: sramRemove,
};
