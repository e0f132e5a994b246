/**
 * Linux's resource tree (kernel/resource.c) for `iomem_resource`, printed as `/proc/iomem`:
 * `request_resource` (insert as a child of a parent, failing on conflict), `__request_region`
 * (`request_mem_region`: descend into the deepest non-busy resource that contains the range and
 * mark the new one busy; conflict with a busy one fails), `insert_resource`, and
 * `reserve_region_with_split` (fill the gaps of a range with "reserved" entries, as
 * `reserve_memblock_reserved_regions` does for memblock's reserved list).
 *
 * @module
 */

/** `IORESOURCE_MEM`. */
export const IORESOURCE_MEM = 0x00000200;
/** `IORESOURCE_BUSY`: claimed by a driver (request_mem_region). */
export const IORESOURCE_BUSY = 0x80000000;
/** `IORESOURCE_SYSTEM_RAM` (`IORESOURCE_MEM | IORESOURCE_SYSRAM`). */
export const IORESOURCE_SYSTEM_RAM = 0x01000200;

/** One `struct resource`. `end` is inclusive, as in Linux. */
export class Resource {
  /** Name shown in /proc/iomem. */
  name: string;
  /** First address. */
  start: number;
  /** Last address (inclusive). */
  end: number;
  /** IORESOURCE_* flags. */
  flags: number;
  /** Parent, null for the root. */
  parent: Resource | null = null;
  /** Children sorted by start. */
  children: Resource[] = [];

  /** Make a resource [start, end] named `name`. */
  constructor(name: string, start: number, end: number, flags = IORESOURCE_MEM) {
    this.name = name;
    this.start = start;
    this.end = end;
    this.flags = flags;
  }

  /** `resource_size`. */
  get size(): number {
    return this.end - this.start + 1;
  }

  /** `%pR` for a memory resource: `[mem 0xbff00000-0xbfffffff]`. */
  toString(): string {
    return `[mem ${hex8(this.start)}-${hex8(this.end)}]`;
  }
}

function hex8(v: number): string {
  return "0x" + v.toString(16).padStart(8, "0");
}

/** `iomem_resource` and the operations on it. */
export class ResourceTree {
  /** The root, "PCI mem", [0, 2^64-1]. */
  readonly root = new Resource("PCI mem", 0, Number.MAX_SAFE_INTEGER);

  /** `request_resource(parent, new)`: 0 on success, or the conflicting resource. */
  request(parent: Resource, r: Resource): Resource | null {
    if (r.start > r.end || r.start < parent.start || r.end > parent.end) return parent;
    for (const c of parent.children) {
      if (c.start <= r.end && c.end >= r.start) return c;
    }
    r.parent = parent;
    parent.children.push(r);
    parent.children.sort((a, b) => a.start - b.start);
    return null;
  }

  /**
   * `__request_region(&iomem_resource, start, n, name, 0)` (`request_mem_region`): returns the new
   * busy resource, or null on conflict.
   */
  requestRegion(start: number, n: number, name: string): Resource | null {
    const r = new Resource(name, start, start + n - 1, IORESOURCE_MEM | IORESOURCE_BUSY);
    let parent = this.root;
    for (;;) {
      const conflict = this.request(parent, r);
      if (!conflict) return r;
      if (conflict === parent) return null;
      // Descend into a non-busy resource that fully contains the range.
      if (
        (conflict.flags & IORESOURCE_BUSY) === 0 && conflict.start <= r.start &&
        conflict.end >= r.end
      ) {
        parent = conflict;
        continue;
      }
      return null;
    }
  }

  /** `release_resource`. */
  release(r: Resource): void {
    const p = r.parent;
    if (!p) return;
    p.children = p.children.filter((c) => c !== r);
    r.parent = null;
  }

  /**
   * `insert_resource(parent, new)`: like request, but existing resources that fit entirely inside
   * `new` become its children. Returns null on success or the conflicting resource.
   */
  insert(parent: Resource, r: Resource): Resource | null {
    for (;;) {
      const inside = parent.children.find((c) => c.start <= r.start && c.end >= r.end && c !== r);
      if (inside) {
        parent = inside;
        continue;
      }
      break;
    }
    const covered: Resource[] = [];
    for (const c of parent.children) {
      if (c.end < r.start || c.start > r.end) continue;
      if (c.start >= r.start && c.end <= r.end) covered.push(c);
      else return c;
    }
    parent.children = parent.children.filter((c) => !covered.includes(c));
    for (const c of covered) c.parent = r;
    r.children.push(...covered);
    r.children.sort((a, b) => a.start - b.start);
    r.parent = parent;
    parent.children.push(r);
    parent.children.sort((a, b) => a.start - b.start);
    return null;
  }

  /**
   * `reserve_region_with_split(root, start, end, name)`: insert `name` entries covering the parts
   * of [start, end] not already occupied by children of the resource that contains it.
   */
  reserveWithSplit(start: number, end: number, name: string): void {
    let parent = this.root;
    for (;;) {
      const c = parent.children.find((x) => x.start <= start && x.end >= end);
      if (!c) break;
      parent = c;
    }
    let cur = start;
    const occupied = parent.children.filter((c) => c.end >= start && c.start <= end);
    for (const o of occupied) {
      if (o.start > cur) this.request(parent, new Resource(name, cur, o.start - 1));
      cur = Math.max(cur, o.end + 1);
    }
    if (cur <= end) this.request(parent, new Resource(name, cur, end));
  }

  /** Find a resource by name, depth-first. */
  find(name: string): Resource | undefined {
    const walk = (r: Resource): Resource | undefined => {
      if (r.name === name) return r;
      for (const c of r.children) {
        const f = walk(c);
        if (f) return f;
      }
      return undefined;
    };
    return walk(this.root);
  }

  /** Whether [start, end] intersects a busy resource (`iomem_is_exclusive` with IO_STRICT_DEVMEM). */
  isBusy(start: number, end: number): boolean {
    const walk = (r: Resource): boolean => {
      for (const c of r.children) {
        if (c.end < start || c.start > end) continue;
        if (c.flags & IORESOURCE_BUSY) return true;
        if (walk(c)) return true;
      }
      return false;
    };
    return walk(this.root);
  }

  /** `/proc/iomem` text (`r_show`: width 8, two spaces per nesting level). */
  procIomem(): string {
    const lines: string[] = [];
    const walk = (r: Resource, depth: number) => {
      for (const c of r.children) {
        lines.push(
          `${"  ".repeat(depth)}${c.start.toString(16).padStart(8, "0")}-${
            c.end.toString(16).padStart(8, "0")
          } : ${c.name}`,
        );
        walk(c, depth + 1);
      }
    };
    walk(this.root, 0);
    return lines.join("\n") + (lines.length ? "\n" : "");
  }
}
