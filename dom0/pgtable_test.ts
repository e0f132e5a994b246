// Descriptor values follow arch/arm64/include/asm/pgtable-prot.h (6.1); the ioremap PTE matches
// the one a 5.x kernel printed on xen-devel (pte=006800009c090f13, minus KPTI's nG bit 0x800).
import assert from "node:assert/strict";
import { KernelCpu } from "./access.ts";
import { SimClock } from "./clock.ts";
import { Kernel } from "./kernel.ts";
import { pgIndex } from "./memory_layout.ts";
import { PAGE_KERNEL, PROT_DEVICE_nGnRE, PROT_NORMAL_NC, PTE_CONT } from "./pgtable_prot.ts";
import { Printk } from "./printk.ts";
import { FakePort } from "../tests/fixtures/dom0/fake_port.ts";

function setup() {
  const p = new FakePort();
  p.flat = true;
  p.addRegion(0x100000, 0x100000); // table pages
  const k = new KernelCpu(p);
  const clock = new SimClock([k]);
  const kern = new Kernel([k], clock, new Printk(clock));
  let next = 0x101000;
  kern.pt.mode = "phys";
  kern.pt.allocTable = () => {
    const a = next;
    next += 0x1000;
    return a;
  };
  return { p, kern, pgd: 0x100000 };
}

const h = (d: bigint) => "0x" + d.toString(16).padStart(16, "0");

Deno.test("PageTables.map() uses 2 MiB blocks for an aligned range (PAGE_KERNEL bits, no table bit)", () => {
  const { kern, pgd } = setup();
  const va = -0x1000000000000; // PAGE_OFFSET
  kern.pt.map(pgd, va, 0x60000000, 0x400000, PAGE_KERNEL);
  const d = kern.pt.walk(pgd, va + 0x200000);
  assert.equal(d.length, 3); // pgd, pud, pmd (block)
  assert.equal(h(d[2]), "0x0068000060200701");
  assert.equal(kern.pt.tablePages.length, 2);
});

Deno.test("PageTables.map() sets PTE_CONT on 32 MiB-aligned block runs and 64 KiB page runs", () => {
  const { kern, pgd } = setup();
  const va = -0x1000000000000;
  kern.pt.map(pgd, va, 0x60000000, 0x2000000, PAGE_KERNEL);
  assert.equal(kern.pt.walk(pgd, va)[2] & PTE_CONT, PTE_CONT);
  kern.pt.map(pgd, va + 0x4010000, 0x70010000, 0x10000, PAGE_KERNEL);
  const pte = kern.pt.walk(pgd, va + 0x4010000);
  assert.equal(pte.length, 4);
  assert.equal(h(pte[3]), "0x0078000070010703");
});

Deno.test("PageTables.map() maps an unaligned range with pages and keeps the page offset", () => {
  const { kern, pgd } = setup();
  const va = -0x7ffff5000000;
  kern.pt.map(pgd, va + 0x123, 0xbff00123, 0x5000, PROT_NORMAL_NC);
  const t = kern.pt.translate(pgd, va + 0x4abc);
  assert.ok(t);
  assert.equal(t[0], 0xbff04abc);
  assert.equal(h(t[1]), "0x00680000bff0470b"); // AttrIndx 2 (MT_NORMAL_NC)
  assert.equal(kern.pt.translate(pgd, va + 0x6000), null);
});

Deno.test("PageTables.map() writes ioremap's Device-nGnRE page as Linux does", () => {
  const { kern, pgd } = setup();
  kern.pt.map(pgd, -0x7ffff5000000, 0x9c090000, 0x1000, PROT_DEVICE_nGnRE, { noCont: true });
  assert.equal(h(kern.pt.walk(pgd, -0x7ffff5000000)[3]), "0x006800009c090713");
});

Deno.test("PageTables.map() writes descriptors with aligned 64-bit stores only (safe with the MMU off)", () => {
  const { p, kern, pgd } = setup();
  kern.pt.map(pgd, 0x40000000, 0x40000000, 0x200000, PAGE_KERNEL);
  const stores = p.trace.filter((t) => t.op === "str" || t.op === "stp");
  assert.ok(stores.length > 0);
  assert.ok(stores.every((t) => t.va % 8 === 0 && (t.size === 8 || t.size === 16)));
});

Deno.test("PageTables.unmap() clears the leaves and invalidates each page's TLB entry", () => {
  const { p, kern, pgd } = setup();
  const va = -0x7ffff5000000;
  kern.pt.map(pgd, va, 0xbff00000, 0x3000, PROT_DEVICE_nGnRE, { noCont: true });
  p.trace.length = 0;
  kern.pt.unmap(pgd, va, 0x3000);
  assert.equal(kern.pt.translate(pgd, va + 0x1000), null);
  assert.deepEqual(p.trace.filter((t) => t.op === "tlbi").map((t) => t.va - va), [
    0,
    0x1000,
    0x2000,
  ]);
});

Deno.test("pgIndex() indexes upper-half VAs exactly", () => {
  assert.equal(pgIndex(-0x1000000000000, 0), 0); // PAGE_OFFSET
  assert.equal(pgIndex(-0x800000000000, 0), 256); // ffff800000000000
  assert.equal(pgIndex(-0x7ffff8000000, 2), 64); // ffff800008000000
  assert.equal(pgIndex(-1, 3), 511);
});
