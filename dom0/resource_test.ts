import assert from "node:assert/strict";
import {
  IORESOURCE_BUSY,
  IORESOURCE_MEM,
  IORESOURCE_SYSTEM_RAM,
  Resource,
  ResourceTree,
} from "./resource.ts";
import { GenPool } from "./genalloc.ts";

Deno.test("ResourceTree.requestRegion() nests under a non-busy 'reserved' region and prints like /proc/iomem", () => {
  const t = new ResourceTree();
  t.request(t.root, new Resource("reserved", 0xbff00000, 0xbfffffff, IORESOURCE_MEM));
  t.request(t.root, new Resource("GICD", 0x08000000, 0x0800ffff));
  const r = t.requestRegion(0xbff00000, 0x100000, "bff00000.sram sram@bff00000");
  assert.ok(r);
  assert.notEqual(r.flags & IORESOURCE_BUSY, 0);
  assert.equal(
    t.procIomem(),
    "08000000-0800ffff : GICD\nbff00000-bfffffff : reserved\n  bff00000-bfffffff : bff00000.sram sram@bff00000\n",
  );
  assert.equal(t.isBusy(0xbff01000, 0xbff01fff), true);
});

Deno.test("ResourceTree.requestRegion() refuses a range inside busy System RAM", () => {
  const t = new ResourceTree();
  t.request(
    t.root,
    new Resource("System RAM", 0x60000000, 0x7fffffff, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY),
  );
  assert.equal(t.requestRegion(0x7ff00000, 0x1000, "x"), null);
  assert.ok(t.requestRegion(0x80000000, 0x1000, "y"));
});

Deno.test("ResourceTree.reserveWithSplit() fills only the gaps between existing children", () => {
  const t = new ResourceTree();
  const ram = new Resource(
    "System RAM",
    0x60000000,
    0x7fffffff,
    IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
  );
  t.request(t.root, ram);
  t.request(ram, new Resource("Kernel code", 0x60010000, 0x6165ffff));
  t.request(ram, new Resource("Kernel data", 0x61cb0000, 0x6200ffff));
  t.reserveWithSplit(0x60010000, 0x6200ffff, "reserved");
  assert.deepEqual(
    ram.children.map((c) => `${c.start.toString(16)}-${c.end.toString(16)} ${c.name}`),
    [
      "60010000-6165ffff Kernel code",
      "61660000-61caffff reserved",
      "61cb0000-6200ffff Kernel data",
    ],
  );
});

Deno.test("Resource.toString() formats %pR with at least 8 hex digits", () => {
  assert.equal(new Resource("x", 0xbff00000, 0xbfffffff).toString(), "[mem 0xbff00000-0xbfffffff]");
  assert.equal(
    new Resource("x", 0x4010000000, 0x401fffffff).toString(),
    "[mem 0x4010000000-0x401fffffff]",
  );
});

Deno.test("GenPool allocates first-fit in 32-byte granules and reports avail/size", () => {
  const p = new GenPool(5);
  p.addVirt(0x1000, 0xbff00000, 0x100);
  const a = p.alloc(1);
  const b = p.alloc(33);
  assert.equal(a, 0x1000);
  assert.equal(b, 0x1020);
  assert.equal(p.avail(), 0x100 - 32 - 64);
  assert.equal(p.virtToPhys(b), 0xbff00020);
  p.free(a, 1);
  assert.equal(p.alloc(32), 0x1000);
  assert.equal(p.alloc(0x1000), 0);
});
