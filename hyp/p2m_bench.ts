// Stage-2 build cost: 4 GiB of dom0 RAM mapped p2m_ram_rw the way guest_physmap_add_page does it
// (p2m_set_entry picks 1 GiB / 2 MiB / 4 KiB from the GFN/MFN alignment), into descriptor pages
// in machine memory. Target (issue 4): ≤ 5 ms for 4 GiB.
// (The heap and the root table are set up outside the timed part.)
// deno bench hyp/p2m_bench.ts
import { SparseMemory } from "./machine.ts";
import { P2m, setupVirtPaging } from "./p2m.ts";
import { PageAllocator } from "./page_alloc.ts";

const GiB = 2 ** 30;
const PAGES_4G = (4 * GiB) / 4096;

function fresh(): P2m {
  const alloc = new PageAllocator([{ start: 0x40000000, size: 8 * GiB }]);
  alloc.initBootPages(0x40000000, 0x40000000 + 8 * GiB);
  alloc.endBootAllocator();
  return new P2m(new SparseMemory(), alloc, setupVirtPaging(4, false), 1);
}

Deno.bench("p2m: 4 GiB dom0 RAM, 1 GiB-aligned (4 × 1 GiB blocks)", { group: "p2m" }, (b) => {
  const p = fresh();
  b.start();
  p.setEntry(0x40000, PAGES_4G, 0x40000, "p2m_ram_rw");
  b.end();
});

Deno.bench("p2m: 4 GiB dom0 RAM, 2 MiB-aligned (2048 × 2 MiB blocks)", { group: "p2m" }, (b) => {
  const p = fresh();
  b.start();
  p.setEntry(0x40200, PAGES_4G, 0x40200, "p2m_ram_rw");
  b.end();
});

Deno.bench("p2m: 4 GiB dom0 RAM as allocate_memory_11 hands it out (order-18 chunks)", {
  group: "p2m",
  baseline: true,
}, (b) => {
  const p = fresh();
  b.start();
  // allocate_memory_11 maps one buddy chunk per guest_physmap_add_page call.
  for (let i = 0; i < PAGES_4G; i += 2 ** 18) {
    p.setEntry(0x40000 + i, 2 ** 18, 0x40000 + i, "p2m_ram_rw");
  }
  b.end();
});

Deno.bench("p2m: 64 MiB of 4 KiB pages (GFN ≠ MFN alignment: 16384 level-3 leaves)", {
  group: "p2m-4k",
}, (b) => {
  const p = fresh();
  b.start();
  p.setEntry(0x80000, (64 * 2 ** 20) / 4096, 0x40001, "p2m_ram_rw");
  b.end();
});

Deno.bench("p2m: 4 GiB of 4 KiB pages (worst case: 1 Mi level-3 leaves)", {
  group: "p2m-4k",
}, (b) => {
  const p = fresh();
  b.start();
  p.setEntry(0x80000, PAGES_4G, 0x40001, "p2m_ram_rw");
  b.end();
});
