/**
 * The state of the dom0 kernel: the Linux globals the other modules share (CPUs, memblock, the
 * linear map, `iomem_resource`, the log, the kernel image layout, the mapping records). One
 * {@link Kernel} per boot; every mechanism is a function or class taking it, as Linux's code
 * takes its globals.
 *
 * @module
 */

import type { PA, VA } from "../arch/arm64/port.ts";
import type { KernelCpu } from "./access.ts";
import type { FaultRecord } from "./fault.ts";
import type { SimClock } from "./clock.ts";
import { KIMAGE_VADDR, LinearMap } from "./memory_layout.ts";
import { Memblock } from "./memblock.ts";
import type { Printk } from "./printk.ts";
import { ResourceTree } from "./resource.ts";
import { PageTables } from "./pgtable.ts";
import { VmallocSpace } from "./vmalloc.ts";

/** `UTS_RELEASE` of the model kernel. */
export const UTS_RELEASE = "6.1.0-dom0sim";
/** `UTS_VERSION` (the `#1 SMP` part). */
export const UTS_VERSION = "#1 SMP";

/** How a mapping was made (the Linux API) — string literals keep Linux's spelling. */
export type MapApi =
  | "ioremap"
  | "ioremap_np"
  | "ioremap_wc"
  | "ioremap_wt"
  | "ioremap_cache"
  | "memremap(MEMREMAP_WB)"
  | "memremap(MEMREMAP_WT)"
  | "memremap(MEMREMAP_WC)"
  | "linear map"
  | "kernel image"
  | "fixmap"
  | "/dev/mem";

/** A stage-1 mapping dom0 made, as reported to the sim layer. */
export interface MappingRecord {
  /** First VA of the mapping (page-aligned start plus the in-page offset the API returned). */
  va: VA;
  /** The address dom0 believes is physical (an IPA under Xen). */
  ipa: PA;
  /** Size in bytes as requested. */
  size: number;
  /** The Linux API that made it. */
  api: MapApi;
  /** MAIR_EL1 index of the descriptors (`MT_*`). */
  mairIndex: number;
  /** Stage-1 memory type name (`Device-nGnRE`, `Normal-NC`, `Normal-WB`, ...). */
  s1Type: string;
  /** Whether the mapping is writable / executable at EL1 (for explanations). */
  writable: boolean;
  /** Executable at EL1. */
  executable: boolean;
  /** Driver that asked for it (`sram`, `raw-sram`, `gic-v3`, ...), or "kernel". */
  driver: string;
  /** Device-tree node path, when the mapping belongs to a node. */
  node?: string;
  /** Linux device name (`bff00000.sram`), when any. */
  device?: string;
  /** Still mapped (false after iounmap/memunmap). */
  live: boolean;
}

/** A sysfs binary attribute (`struct bin_attribute`): read/write copy at `pos` through `buf`. */
export interface BinAttribute {
  /** File name (`bff00000.sram`). */
  name: string;
  /** Full sysfs path. */
  path: string;
  /** `attr.size` (0 = unbounded). */
  size: number;
  /** Mode bits (0600 for sram exports). */
  mode: number;
  /** `.read(buf, pos, count)`: bytes read or a negative errno. */
  read?: (kern: Kernel, buf: VA, pos: number, count: number) => number;
  /** `.write(buf, pos, count)`: bytes written or a negative errno. */
  write?: (kern: Kernel, buf: VA, pos: number, count: number) => number;
}

/** The kernel image as laid out in dom0's RAM (physical addresses). */
export interface KernelImageLayout {
  /** `_text` = load address (the entry PC). */
  text: PA;
  /** `_stext`. */
  stext: PA;
  /** `__init_begin` (end of "Kernel code"). */
  initBegin: PA;
  /** `_sdata` (start of "Kernel data"). */
  sdata: PA;
  /** `_end`. */
  end: PA;
  /** `swapper_pg_dir` (the runtime kernel PGD). */
  swapperPgDir: PA;
  /** `reserved_pg_dir` (an empty table for TTBR0). */
  reservedPgDir: PA;
  /** `init_pg_dir` .. `init_pg_end` (head.S tables). */
  initPgDir: PA;
  /** `init_pg_end`. */
  initPgEnd: PA;
  /** Static fixmap tables `bm_pud`, `bm_pmd`, `bm_pte` (in .bss). */
  bmPud: PA;
  /** `bm_pmd`. */
  bmPmd: PA;
  /** `bm_pte`. */
  bmPte: PA;
  /** A page of .bss used as the console write buffer. */
  consoleBuf: PA;
}

/** The dom0 kernel's shared state. */
export class Kernel {
  /** Online CPUs (index = logical CPU number). */
  readonly cpus: KernelCpu[];
  /** The simulated clock. */
  readonly clock: SimClock;
  /** The log and console. */
  readonly log: Printk;
  /** memblock. */
  readonly memblock = new Memblock();
  /** `iomem_resource`. */
  readonly iomem = new ResourceTree();
  /** Every stage-1 mapping made on behalf of a device or API. */
  readonly mappings: MappingRecord[] = [];
  /** The linear map (set once memory is known). */
  lm: LinearMap = new LinearMap(0);
  /** Kernel image layout (set at entry). */
  image!: KernelImageLayout;
  /** PGD currently in TTBR1 (physical). */
  pgd: PA = 0;
  /** Whether the MMU is on. */
  mmuOn = false;
  /** The current task's name and PID (for oops and signal reports). */
  task = { comm: "swapper/0", pid: 0 };
  /** The kernel command line. */
  cmdline = "";
  /** The machine model string (`/model`). */
  model = "";
  /** The page-table editor. */
  readonly pt: PageTables;
  /** The vmalloc/ioremap address space. */
  readonly vm = new VmallocSpace();
  /** Taint flags set so far (Linux letters, e.g. "D" after an oops, "W" after a WARN). */
  taint = new Set<string>();
  /** sysfs binary attributes by path. */
  readonly sysfs = new Map<string, BinAttribute>();
  /** A simple kmalloc arena in the linear map: [start, end) physical, bump pointer. */
  heap = { start: 0, end: 0, next: 0 };
  /** Every exception dom0 handled, in order. */
  readonly faults: FaultRecord[] = [];
  /** `die_counter`. */
  dieCounter = 0;

  /** Make the state for `cpus`, with `clock` and `log`. */
  constructor(cpus: KernelCpu[], clock: SimClock, log: Printk) {
    this.cpus = cpus;
    this.clock = clock;
    this.log = log;
    this.pt = new PageTables(this);
  }

  /** The boot CPU. */
  get cpu(): KernelCpu {
    return this.cpus[0];
  }

  /**
   * `kmalloc(size)`: a 64-byte aligned buffer from the kernel arena, as a linear-map VA; 0 when
   * the arena is exhausted. Freed all at once with {@link kfreeAll} (the model has no slab).
   */
  kmalloc(size: number): VA {
    const h = this.heap;
    const at = Math.ceil(h.next / 64) * 64;
    if (at + size > h.end) return 0;
    h.next = at + size;
    return this.lm.va(at);
  }

  /** Release every kmalloc buffer. */
  kfreeAll(): void {
    this.heap.next = this.heap.start;
  }

  /** The kernel-image VA of a physical address inside the image (`__phys_to_kimg`). */
  kimgVa(pa: PA): VA {
    return pa - this.image.text + KIMAGE_VADDR;
  }
}
