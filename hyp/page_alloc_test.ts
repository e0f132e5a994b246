import { deepStrictEqual, equal } from "node:assert/strict";
import { getOrderFromBytes, mfnToZone, PageAllocator } from "./page_alloc.ts";

const MB = 2 ** 20;

function heap(
  ranges: [number, number][],
  ram = { start: 0x40000000, size: 0x80000000 },
): PageAllocator {
  const a = new PageAllocator([ram]);
  for (const [s, e] of ranges) a.initBootPages(s, e);
  a.endBootAllocator();
  return a;
}

Deno.test("mfnToZone() is flsl(mfn): zone 19 = [1 GiB, 2 GiB), zone 20 = [2 GiB, 4 GiB)", () => {
  equal(mfnToZone(0x40000), 19);
  equal(mfnToZone(0x7ffff), 19);
  equal(mfnToZone(0x80000), 20);
  equal(mfnToZone(0), 1);
});

Deno.test("endBootAllocator() frees maximal aligned power-of-two chunks, low to high within a region", () => {
  const a = heap([[0x4d13b000, 0x80000000]]);
  const chunks = a.freeChunks().map(([m, o]) => [m * 4096, o]);
  deepStrictEqual(chunks.slice(-3), [[0x4e000000, 13], [0x50000000, 16], [0x60000000, 17]]);
});

Deno.test("allocDomheapPages() returns the top half when it splits a chunk", () => {
  const a = heap([[0x50000000, 0x60000000]]);
  equal(a.allocDomheapPages(15, { bits: 31 }) * 4096, 0x58000000);
  equal(a.allocDomheapPages(15, { bits: 31 }) * 4096, 0x50000000);
});

Deno.test("get_free_buddy's first pass rotates dirty heads: the second of two order-18 chunks is returned", () => {
  // Two free 1 GiB chunks in zone 20, freed low to high, both dirty (bootscrub=idle).
  const a = heap([[0x80000000, 0x100000000]], { start: 0x40000000, size: 0x100000000 });
  deepStrictEqual(a.freeList(20, 18).map((m) => m * 4096), [0x80000000, 0xc0000000]);
  equal(a.allocDomheapPages(18, { bits: 32 }) * 4096, 0xc0000000);
});

Deno.test("a clean chunk in a lower zone wins over dirty chunks in a higher one (pass 1)", () => {
  const a = heap([[0x40000000, 0xc0000000]]);
  a.scrubBackground(0x40000); // zone 19's whole order-18 chunk (scrubbed tail first)
  // Zone 20 is dirty: pass 1 rotates its heads and takes zone 19's clean chunk.
  equal(mfnToZone(a.allocDomheapPages(16, { bits: 32 })), 19);
});

Deno.test("xenheap allocations (MEMF_no_scrub) take the head without rotating", () => {
  const a = heap([[0x80000000, 0x100000000]], { start: 0x40000000, size: 0x100000000 });
  equal(a.allocXenheapPages(18) * 4096, 0x80000000);
});

Deno.test("freeDomheapPages() merges buddies back", () => {
  const a = heap([[0x60000000, 0x80000000]]);
  const p = a.allocDomheapPages(0);
  a.freeDomheapPages(p, 0);
  deepStrictEqual(a.freeChunks().map(([m, o]) => [m * 4096, o]), [[0x60000000, 17]]);
});

Deno.test("allocBootPages() carves from the end of the last region with the alignment", () => {
  const a = new PageAllocator([{ start: 0x40000000, size: 0x80000000 }]);
  a.initBootPages(0x40000000, 0xc0000000);
  equal(a.allocBootPages(7168, 8192) * 4096, 0xbe000000); // a 28 MiB frametable, 32 MiB aligned
  deepStrictEqual(a.bootRegions().map((r) => [r.s * 4096, r.e * 4096]), [[0x40000000, 0xbe000000], [
    0xbfc00000,
    0xc0000000,
  ]]);
});

Deno.test("getOrderFromBytes() rounds up like Xen's get_order_from_bytes", () => {
  equal(getOrderFromBytes(4096), 0);
  equal(getOrderFromBytes(4097), 1);
  equal(getOrderFromBytes(512 * MB), 17);
  equal(getOrderFromBytes(512 * MB + 1), 18);
});
