/**
 * The cost model: for every access the CPU performs, the transactions and bytes it puts on the
 * bus, by memory type, counted per device and per counter domain (host/EL2 or a VMID), and
 * turned into cycles by ONE latency table the user can override.
 *
 * How each memory type reaches the bus:
 * - Device-nGnRnE / nGnRE / nGRE: every access is one transaction of its own size (nG: no
 *   gathering, DDI 0487 B2.7.2).
 * - Device-GRE: adjacent writes to the same device are gathered into one transaction up to
 *   `gatherBytes` (G: gathering permitted); reads are one transaction each.
 * - Normal Non-cacheable: writes go through a write-combining buffer of one 64-byte block
 *   (writes within the open block merge; a write elsewhere, or an NC/Device read, drains it);
 *   reads are one transaction each.
 * - Normal Write-Through: reads as Write-Back; every write is also a bus write (no allocate).
 * - Normal Write-Back: through a per-CPU L1 (default 32 KiB, 2-way, Cortex-A57) and a shared L2
 *   (default 1 MiB, 16-way) with 64-byte lines: hits, line fills (a 64-byte read burst from the
 *   device) and write-backs of dirty victims (a 64-byte write burst), write-allocate when the
 *   stage-1 attribute has the Write-Allocate hint. Outer Non-cacheable memory bypasses the L2.
 *
 * Cycles are computed when a snapshot is taken (see {@link LatencyTable}); nothing on the access
 * path multiplies or allocates.
 *
 * @module
 */

import { SetAssocCache } from "./cache_model.ts";

/**
 * Latencies in CPU cycles. Cycles of a counter row =
 * `accesses·issue + l1Hits·l1Hit + l2Hits·l2Hit + lineFills·lineFill + writeBacks·writeBack
 * + readTransactions·read[type] + writeTransactions·write[type] + walkReads·walkRead
 * + cacheMaintenance·cacheMaintenance + dcZva·dcZva`. Defaults are round numbers in the range published for
 * Cortex-A57-class cores with an on-chip interconnect: a user comparing policies should look at
 * ratios, and may override any entry (the object is plain JSON).
 */
export interface LatencyTable {
  /** Issue cost of any access. */
  issue: number;
  /** L1 data-cache hit. */
  l1Hit: number;
  /** L2 hit (after an L1 miss). */
  l2Hit: number;
  /** 64-byte line fill from the device (after an L2 miss). */
  lineFill: number;
  /** 64-byte write-back of a dirty line. */
  writeBack: number;
  /** Descriptor read of a translation table walk. */
  walkRead: number;
  /** One DC CIVAC/CVAC/IVAC/CVAU/CVAP. */
  cacheMaintenance: number;
  /** One DC ZVA block zeroed (in the cache for Normal WB, plus the bus write otherwise). */
  dcZva: number;
  /** Per non-cacheable read transaction, by memory type name. */
  read: Record<string, number>;
  /** Per non-cacheable write transaction, by memory type name (E: early ack is cheaper). */
  write: Record<string, number>;
}

/** The default latency table (see {@link LatencyTable}). */
export const DEFAULT_LATENCIES: LatencyTable = {
  issue: 1,
  l1Hit: 4,
  l2Hit: 20,
  lineFill: 150,
  writeBack: 60,
  walkRead: 30,
  cacheMaintenance: 40,
  dcZva: 4,
  read: {
    "Device-nGnRnE": 150,
    "Device-nGnRE": 150,
    "Device-nGRE": 140,
    "Device-GRE": 130,
    "Normal-NC": 120,
    "Normal-WT": 120,
    "Normal-WB": 120,
  },
  write: {
    "Device-nGnRnE": 150,
    "Device-nGnRE": 50,
    "Device-nGRE": 45,
    "Device-GRE": 40,
    "Normal-NC": 30,
    "Normal-WT": 30,
    "Normal-WB": 30,
  },
};

/** Memory class names, index = class number (arch/arm64 memory_type.ts `memClass`). */
export const CLASS_NAMES: readonly string[] = [
  "Device-nGnRnE",
  "Device-nGnRE",
  "Device-nGRE",
  "Device-GRE",
  "Normal-NC",
  "Normal-WT",
  "Normal-WB",
];
const NCLASS = 7;

// Field offsets within one class block of a counter row.
const ACC = 0;
const BYTES = 1;
const RTX = 2;
const WTX = 3;
const BUSB = 4;
const L1H = 5;
const L2H = 6;
const FILL = 7;
const WB = 8;
const MERGED = 9;
const WALK = 10;
const CMO = 11;
const ZVA = 12;
const NF = 13;
const ROW = NCLASS * NF;
/** Offset of the Normal-WB accesses counter in a row. */
const HIT_ACC = 6 * NF;
/** Offset of the Normal-WB bytes counter in a row. */
const HIT_BYTES = 6 * NF + BYTES;
/** Counter domains per device row (slot 0 = host/EL2, slot n = VMID n − 1). */
export const MAX_DOMAINS = 64;

/** Counters of one row (or a sum of rows), with cycles. */
export interface CostCounters {
  /** Accesses made by instructions. */
  accesses: number;
  /** Bytes the instructions asked for. */
  bytes: number;
  /** Read transactions on the bus (non-cacheable). */
  readTransactions: number;
  /** Write transactions on the bus (non-cacheable, after gathering/combining). */
  writeTransactions: number;
  /** Bytes moved on the bus (transactions, line fills, write-backs). */
  busBytes: number;
  /** L1 hits. */
  l1Hits: number;
  /** L2 hits. */
  l2Hits: number;
  /** Line fills from the device. */
  lineFills: number;
  /** Write-backs to the device. */
  writeBacks: number;
  /** Writes merged into a previous transaction (gathering or write combining). */
  merged: number;
  /** Translation table descriptor reads served by the device. */
  walkReads: number;
  /** Cache maintenance operations by VA. */
  cacheMaintenance: number;
  /** DC ZVA blocks. */
  dcZva: number;
  /** Cycles from the latency table. */
  cycles: number;
}

/** A JSON-able snapshot of the counters. */
export interface CostSnapshot {
  /** The latency table used. */
  latencies: LatencyTable;
  /** All devices and domains. */
  total: CostCounters;
  /** By memory type. */
  byType: Record<string, CostCounters>;
  /** By device (only devices with activity). */
  devices: {
    id: number;
    name: string;
    model: string;
    total: CostCounters;
    byType: Record<string, CostCounters>;
  }[];
  /** By counter domain (only domains with activity). */
  domains: { domain: string; total: CostCounters; byType: Record<string, CostCounters> }[];
}

/** Options of the cost model. */
export interface CostOptions {
  /** Latency overrides (merged over {@link DEFAULT_LATENCIES}). */
  latencies?: Partial<LatencyTable>;
  /** L1 data cache size in bytes (default 32 KiB). */
  l1Bytes?: number;
  /** L1 ways (default 2). */
  l1Ways?: number;
  /** L2 size in bytes (default 1 MiB). */
  l2Bytes?: number;
  /** L2 ways (default 16). */
  l2Ways?: number;
  /** Largest gathered Device-GRE write in bytes (default 16, a 128-bit bus beat). */
  gatherBytes?: number;
}

/**
 * What an access is charged to: the TLB entry caches its counter row, device, domain, memory
 * class and attribute byte so the access path does no lookups.
 */
export interface CostTarget {
  /** Counter row of (device, domain), from {@link CostModel.row}. */
  costRow: Float64Array;
  /** Device id on the bus. */
  devId: number;
  /** Counter domain slot. */
  domain: number;
  /** Memory class 0..6. */
  memClass: number;
  /** Attribute byte (allocation hints, outer cacheability). */
  attr: number;
}

/** Device names for a snapshot (the bus provides them). */
export interface DeviceNamer {
  /** Name and model of device `id`. */
  describe(id: number): { name: string; model: string };
}

/** Counters shared by every CPU, the shared L2 and the latency table. */
export class CostModel {
  /** Effective latency table. */
  readonly latencies: LatencyTable;
  /** Options in effect. */
  readonly options: Required<Omit<CostOptions, "latencies">>;
  /** The shared L2. */
  readonly l2: SetAssocCache;
  /** Counter rows, index = device · MAX_DOMAINS + domain. */
  rows: (Float64Array | undefined)[] = [];
  private readonly cpus: CpuCost[] = [];
  /** The rows that exist, densely (for sums). */
  private readonly rowList: Float64Array[] = [];
  /** Cycles per unit of each counter of a row (the latency table laid out like a row). */
  private readonly weights = new Float64Array(ROW);

  /** Make a cost model. */
  constructor(opts: CostOptions = {}) {
    const l = opts.latencies ?? {};
    this.latencies = {
      ...DEFAULT_LATENCIES,
      ...l,
      read: { ...DEFAULT_LATENCIES.read, ...(l.read ?? {}) },
      write: { ...DEFAULT_LATENCIES.write, ...(l.write ?? {}) },
    };
    this.options = {
      l1Bytes: opts.l1Bytes ?? 32 * 1024,
      l1Ways: opts.l1Ways ?? 2,
      l2Bytes: opts.l2Bytes ?? 1024 * 1024,
      l2Ways: opts.l2Ways ?? 16,
      gatherBytes: opts.gatherBytes ?? 16,
    };
    this.l2 = new SetAssocCache(this.options.l2Bytes, this.options.l2Ways);
    const L = this.latencies;
    for (let k = 0; k < NCLASS; k++) {
      const b = k * NF;
      const w = this.weights;
      w[b + ACC] = L.issue;
      w[b + L1H] = L.l1Hit;
      w[b + L2H] = L.l2Hit;
      w[b + FILL] = L.lineFill;
      w[b + WB] = L.writeBack;
      w[b + WALK] = L.walkRead;
      w[b + CMO] = L.cacheMaintenance;
      w[b + ZVA] = L.dcZva;
      w[b + RTX] = L.read[CLASS_NAMES[k]] ?? 0;
      w[b + WTX] = L.write[CLASS_NAMES[k]] ?? 0;
    }
  }

  /**
   * Cycles charged so far over every device and domain (the snapshot's `total.cycles`), without
   * building a snapshot or closing any buffer. Never decreases (until {@link reset}).
   */
  totalCycles(): number {
    for (const c of this.cpus) c?.foldHits();
    const w = this.weights;
    const rows = this.rowList;
    let t = 0;
    for (let j = 0; j < rows.length; j++) {
      const r = rows[j];
      for (let i = 0; i < ROW; i++) t += r[i] * w[i];
    }
    return t;
  }

  /** The per-CPU part (L1, write buffers) for CPU `index`. */
  forCpu(index: number): CpuCost {
    let c = this.cpus[index];
    if (c === undefined) {
      c = new CpuCost(this, index);
      this.cpus[index] = c;
    }
    return c;
  }

  /** The counter row of (device, domain), created on first use. */
  row(dev: number, domain: number): Float64Array {
    const k = dev * MAX_DOMAINS + domain;
    let r = this.rows[k];
    if (r === undefined) {
      r = new Float64Array(ROW);
      this.rows[k] = r;
      this.rowList.push(r);
    }
    return r;
  }

  /** Zero every counter (rows stay shared with TLB entries) and empty caches and buffers. */
  reset(): void {
    for (const r of this.rows) r?.fill(0);
    this.l2.reset();
    for (const c of this.cpus) c?.resetState();
  }

  /** Counters of a class block turned into a {@link CostCounters} with cycles. */
  private counters(rows: Float64Array[], cls: number | -1): CostCounters {
    const c: CostCounters = {
      accesses: 0,
      bytes: 0,
      readTransactions: 0,
      writeTransactions: 0,
      busBytes: 0,
      l1Hits: 0,
      l2Hits: 0,
      lineFills: 0,
      writeBacks: 0,
      merged: 0,
      walkReads: 0,
      cacheMaintenance: 0,
      dcZva: 0,
      cycles: 0,
    };
    const L = this.latencies;
    for (const r of rows) {
      for (let k = 0; k < NCLASS; k++) {
        if (cls !== -1 && k !== cls) continue;
        const b = k * NF;
        const name = CLASS_NAMES[k];
        c.accesses += r[b + ACC];
        c.bytes += r[b + BYTES];
        c.readTransactions += r[b + RTX];
        c.writeTransactions += r[b + WTX];
        c.busBytes += r[b + BUSB];
        c.l1Hits += r[b + L1H];
        c.l2Hits += r[b + L2H];
        c.lineFills += r[b + FILL];
        c.writeBacks += r[b + WB];
        c.merged += r[b + MERGED];
        c.walkReads += r[b + WALK];
        c.cacheMaintenance += r[b + CMO];
        c.dcZva += r[b + ZVA];
        c.cycles += r[b + ACC] * L.issue + r[b + L1H] * L.l1Hit + r[b + L2H] * L.l2Hit +
          r[b + FILL] * L.lineFill + r[b + WB] * L.writeBack + r[b + WALK] * L.walkRead +
          r[b + CMO] * L.cacheMaintenance + r[b + ZVA] * L.dcZva +
          r[b + RTX] * (L.read[name] ?? 0) +
          r[b + WTX] * (L.write[name] ?? 0);
      }
    }
    return c;
  }

  /** Counters by type for a set of rows (types with no activity are left out). */
  private byType(rows: Float64Array[]): Record<string, CostCounters> {
    const out: Record<string, CostCounters> = {};
    for (let k = 0; k < NCLASS; k++) {
      const c = this.counters(rows, k);
      if (c.accesses + c.walkReads + c.writeBacks + c.busBytes > 0) out[CLASS_NAMES[k]] = c;
    }
    return out;
  }

  /**
   * A JSON-able snapshot. Open write-combining/gathering buffers are counted as drained.
   * `domainName` maps a domain slot to a label (default: slot 0 "host", slot n "vmid n−1").
   */
  snapshot(namer?: DeviceNamer, domainName?: (slot: number) => string): CostSnapshot {
    for (const c of this.cpus) c?.drain();
    const all: Float64Array[] = [];
    const perDev = new Map<number, Float64Array[]>();
    const perDom = new Map<number, Float64Array[]>();
    this.rows.forEach((r, k) => {
      if (r === undefined || r.every((x) => x === 0)) return;
      all.push(r);
      const dev = Math.floor(k / MAX_DOMAINS);
      const dom = k % MAX_DOMAINS;
      if (!perDev.has(dev)) perDev.set(dev, []);
      perDev.get(dev)!.push(r);
      if (!perDom.has(dom)) perDom.set(dom, []);
      perDom.get(dom)!.push(r);
    });
    const dn = domainName ?? ((s: number) => (s === 0 ? "host" : `vmid ${s - 1}`));
    return {
      latencies: this.latencies,
      total: this.counters(all, -1),
      byType: this.byType(all),
      devices: [...perDev.entries()].sort((a, b) => a[0] - b[0]).map(([id, rows]) => ({
        id,
        ...(namer ? namer.describe(id) : { name: `device ${id}`, model: "" }),
        total: this.counters(rows, -1),
        byType: this.byType(rows),
      })),
      domains: [...perDom.entries()].sort((a, b) => a[0] - b[0]).map(([slot, rows]) => ({
        domain: dn(slot),
        total: this.counters(rows, -1),
        byType: this.byType(rows),
      })),
    };
  }
}

/** The per-CPU part of the cost model: its L1 and its write buffers. */
export class CpuCost {
  /** The L1 data cache. */
  readonly l1: SetAssocCache;
  private lastLine = -1;
  private lastSlot = -1;
  // The last-line shortcut. Public so that the CPU's access fast path can test and count a hit
  // inline (a function call per access is measurable); everything else goes through access().
  /** Base address of the last Write-Back line touched (the shortcut key), −1 for none. */
  lastBase: number = -1;
  /** Counter row the shortcut hits belong to. */
  hitRow: Float64Array | null = null;
  /** Shortcut hits not yet folded into {@link hitRow}. */
  hits = 0;
  /** Bytes of those hits. */
  hitBytes = 0;
  /** A shortcut hit was a write (the line becomes dirty when folded). */
  hitDirty = false;
  // Write-combining buffer (Normal NC): open 64-byte block.
  private wcBlock = -1;
  private wcDev = -1;
  // Gathering (Device-GRE): end of the open transaction and its size.
  private gEnd = -1;
  private gDev = -1;
  private gBytes = 0;

  /** Make the per-CPU part for `model`. */
  constructor(readonly model: CostModel, readonly index: number) {
    this.l1 = new SetAssocCache(model.options.l1Bytes, model.options.l1Ways);
  }

  /** Forget cache and buffer state. */
  resetState(): void {
    this.hits = 0;
    this.hitBytes = 0;
    this.hitDirty = false;
    this.l1.reset();
    this.lastLine = -1;
    this.lastSlot = -1;
    this.lastBase = -1;
    this.hitRow = null;
    this.drain();
  }

  /** Close the open write-combining and gathering buffers. */
  drain(): void {
    this.foldHits();
    this.wcBlock = -1;
    this.wcDev = -1;
    this.gEnd = -1;
    this.gDev = -1;
    this.gBytes = 0;
  }

  /**
   * Count one access of `size` bytes at `pa` for `t` (its counter row, device, domain, memory
   * class 0..6 and attribute byte for allocation hints and outer cacheability).
   */
  access(t: CostTarget, pa: number, size: number, write: boolean): void {
    const cls = t.memClass;
    if (cls === 6) {
      // Hits on the last line are tallied in plain fields and folded into the row later.
      const off = pa & 63;
      if (pa - off === this.lastBase && off + size <= 64 && t.costRow === this.hitRow) {
        this.hits++;
        this.hitBytes += size;
        if (write) this.hitDirty = true;
        return;
      }
      this.foldHits();
      const r = t.costRow;
      r[HIT_ACC]++;
      r[HIT_BYTES] += size;
      this.slowCached(r, HIT_ACC, t, pa, size, write);
      return;
    }
    const r = t.costRow;
    const b = cls * NF;
    r[b]++;
    r[b + BYTES] += size;
    this.uncached(r, b, t, cls, pa, size, write);
  }

  /** Fold the tallied last-line hits into their counter row. */
  foldHits(): void {
    const r = this.hitRow;
    if (r !== null && this.hits > 0) {
      r[HIT_ACC] += this.hits;
      r[HIT_BYTES] += this.hitBytes;
      r[HIT_ACC + L1H] += this.hits;
    }
    if (this.hitDirty && this.lastSlot >= 0) this.l1.setDirty(this.lastSlot);
    this.hits = 0;
    this.hitBytes = 0;
    this.hitDirty = false;
  }

  /** A Write-Back access that missed the last-line shortcut (may touch two lines). */
  private slowCached(
    r: Float64Array,
    b: number,
    t: CostTarget,
    pa: number,
    size: number,
    write: boolean,
  ): void {
    const line = Math.floor(pa / 64);
    this.cached(r, b, t.devId, t.domain, t.attr, line, write);
    const endLine = Math.floor((pa + size - 1) / 64);
    if (endLine !== line) this.cached(r, b, t.devId, t.domain, t.attr, endLine, write);
    // A Write-Through read does not enable the shortcut (its writes go to the bus).
    if (t.memClass === 6 && this.lastLine >= 0) {
      this.lastBase = this.lastLine * 64;
      this.hitRow = r;
    } else this.lastBase = -1;
  }

  /** Write-Through, Non-cacheable and Device accesses. */
  private uncached(
    r: Float64Array,
    b: number,
    t: CostTarget,
    cls: number,
    pa: number,
    size: number,
    write: boolean,
  ): void {
    const dev = t.devId;
    if (cls === 5) {
      if (!write) {
        this.slowCached(r, b, t, pa, size, false);
        return;
      }
      // Write-Through write: a bus write; the line (if present) is updated, not dirtied.
      r[b + WTX]++;
      r[b + BUSB] += size;
      return;
    }
    if (cls === 4) {
      if (write) {
        const block = Math.floor(pa / 64);
        if (block === this.wcBlock && dev === this.wcDev) r[b + MERGED]++;
        else {
          r[b + WTX]++;
          this.wcBlock = block;
          this.wcDev = dev;
        }
        r[b + BUSB] += size;
        return;
      }
      this.wcBlock = -1;
      r[b + RTX]++;
      r[b + BUSB] += size;
      return;
    }
    // Device memory.
    this.wcBlock = -1;
    if (write) {
      if (
        cls === 3 && dev === this.gDev && pa === this.gEnd &&
        this.gBytes + size <= this.model.options.gatherBytes
      ) {
        r[b + MERGED]++;
        this.gEnd += size;
        this.gBytes += size;
      } else {
        r[b + WTX]++;
        if (cls === 3) {
          this.gDev = dev;
          this.gEnd = pa + size;
          this.gBytes = size;
        } else this.gDev = -1;
      }
    } else {
      r[b + RTX]++;
      this.gDev = -1;
    }
    r[b + BUSB] += size;
  }

  /** A cacheable access to `line` that missed the last-line shortcut. */
  private cached(
    r: Float64Array,
    b: number,
    dev: number,
    dom: number,
    attr: number,
    line: number,
    write: boolean,
  ): void {
    const l1 = this.l1;
    const slot = l1.find(line);
    if (slot >= 0) {
      r[b + L1H]++;
      if (write) l1.setDirty(slot);
      this.lastLine = line;
      this.lastSlot = slot;
      return;
    }
    if (write && (attr & 1) === 0) {
      // Write-Back without Write-Allocate: the write goes to the bus.
      this.lastLine = -1;
      r[b + WTX]++;
      r[b + BUSB] += 64;
      return;
    }
    const m = this.model;
    const outerCacheable = (attr >> 4) !== 0b0100;
    if (outerCacheable) {
      const s2 = m.l2.find(line);
      if (s2 >= 0) r[b + L2H]++;
      else {
        r[b + FILL]++;
        r[b + BUSB] += 64;
        m.l2.insert(line, dev, dom, false);
        this.evictedFromL2();
      }
    } else {
      r[b + FILL]++;
      r[b + BUSB] += 64;
    }
    const ns = l1.insert(line, dev, dom, write);
    if (l1.evictedDirty) {
      // A dirty L1 victim goes to the L2 (or straight to memory without an L2 copy).
      const vl = l1.evictedLine;
      const s2 = m.l2.find(vl);
      if (s2 >= 0) m.l2.setDirty(s2);
      else {
        m.l2.insert(vl, l1.evictedOwner, l1.evictedDomain, true);
        this.evictedFromL2();
      }
    }
    this.lastLine = line;
    this.lastSlot = ns;
  }

  /** Charge a write-back when the L2's last insertion evicted a dirty line. */
  private evictedFromL2(): void {
    const l2 = this.model.l2;
    if (!l2.evictedDirty) return;
    const r = this.model.row(l2.evictedOwner, l2.evictedDomain);
    r[6 * NF + WB]++;
    r[6 * NF + BUSB] += 64;
  }

  /** Count one descriptor read of a table walk served by device `dev`. */
  walkRead(dev: number, dom: number): void {
    const r = this.model.row(dev, dom);
    r[6 * NF + WALK]++;
    r[6 * NF + BUSB] += 8;
  }

  /**
   * Count a DC CIVAC/CVAC/IVAC/CVAU/CVAP on `pa`: a dirty line is written back (clean ops to the
   * PoC), invalidating ops drop the line from L1 and L2.
   */
  cacheMaintenance(op: string, dev: number, dom: number, cls: number, pa: number): void {
    const m = this.model;
    const r = m.rows[dev * MAX_DOMAINS + dom] ?? m.row(dev, dom);
    r[cls * NF + CMO]++;
    const line = Math.floor(pa / 64);
    this.foldHits();
    this.lastLine = -1;
    this.lastBase = -1;
    const clean = op !== "ivac";
    const inval = op === "civac" || op === "ivac";
    const toPoC = op !== "cvau";
    for (const c of [this.l1, m.l2]) {
      const s = c.find(line);
      if (s < 0) continue;
      if (c.isDirty(s) && clean && toPoC) {
        const wr = m.row(c.ownerOf(s), c.domainOf(s));
        wr[6 * NF + WB]++;
        wr[6 * NF + BUSB] += 64;
        c.clean(s);
      }
      if (inval) c.drop(s);
    }
  }

  /**
   * Count a DC ZVA of `block` bytes at `pa`: cacheable memory allocates the lines dirty without a
   * fill; non-cacheable memory gets one write burst.
   */
  dcZva(dev: number, dom: number, cls: number, pa: number, block: number): void {
    const m = this.model;
    const r = m.rows[dev * MAX_DOMAINS + dom] ?? m.row(dev, dom);
    const b = cls * NF;
    r[b + ZVA]++;
    r[b + BYTES] += block;
    if (cls === 6) {
      this.foldHits();
      this.lastBase = -1;
      for (let a = pa; a < pa + block; a += 64) {
        const line = Math.floor(a / 64);
        const s = this.l1.find(line);
        if (s >= 0) this.l1.setDirty(s);
        else {
          this.l1.insert(line, dev, dom, true);
          if (this.l1.evictedDirty) {
            const vl = this.l1.evictedLine;
            const s2 = m.l2.find(vl);
            if (s2 >= 0) m.l2.setDirty(s2);
            else {
              m.l2.insert(vl, this.l1.evictedOwner, this.l1.evictedDomain, true);
              this.evictedFromL2();
            }
          }
        }
      }
      this.lastLine = -1;
      return;
    }
    r[b + WTX]++;
    r[b + BUSB] += block;
  }
}
