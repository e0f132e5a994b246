import assert from "node:assert/strict";
import { CostModel, type CostTarget, DEFAULT_LATENCIES } from "./cost.ts";

function target(m: CostModel, dev: number, cls: number, attr: number, domain = 1): CostTarget {
  return { costRow: m.row(dev, domain), devId: dev, domain, memClass: cls, attr };
}

Deno.test("CpuCost counts Device-nGnRE accesses one transaction each (no gathering)", () => {
  const m = new CostModel();
  const c = m.forCpu(0);
  const t = target(m, 0, 1, 0x04);
  for (let i = 0; i < 8; i++) c.access(t, 0x1000 + i * 8, 8, true);
  const s = m.snapshot().byType["Device-nGnRE"];
  assert.equal(s.accesses, 8);
  assert.equal(s.writeTransactions, 8);
  assert.equal(s.merged, 0);
  assert.equal(s.busBytes, 64);
  assert.equal(s.cycles, 8 * (DEFAULT_LATENCIES.issue + DEFAULT_LATENCIES.write["Device-nGnRE"]));
});

Deno.test("CpuCost gathers adjacent Device-GRE writes up to a 16-byte beat", () => {
  const m = new CostModel();
  const c = m.forCpu(0);
  const t = target(m, 0, 3, 0x0c);
  for (let i = 0; i < 8; i++) c.access(t, 0x1000 + i * 4, 4, true);
  const s = m.snapshot().byType["Device-GRE"];
  assert.equal(s.writeTransactions, 2);
  assert.equal(s.merged, 6);
  c.access(t, 0x2000, 4, true);
  c.access(t, 0x1000, 4, true); // not adjacent: a new transaction
  assert.equal(m.snapshot().byType["Device-GRE"].writeTransactions, 4);
});

Deno.test("CpuCost write-combines Normal-NC writes within a 64-byte block", () => {
  const m = new CostModel();
  const c = m.forCpu(0);
  const t = target(m, 0, 4, 0x44);
  for (let i = 0; i < 16; i++) c.access(t, 0x1000 + i * 8, 8, true); // two blocks
  const s = m.snapshot().byType["Normal-NC"];
  assert.equal(s.writeTransactions, 2);
  assert.equal(s.merged, 14);
});

Deno.test("CpuCost sends Normal-WB through L1/L2 with line fills and write-backs", () => {
  const m = new CostModel({ l1Bytes: 1024, l1Ways: 2, l2Bytes: 4096, l2Ways: 4 });
  const c = m.forCpu(0);
  const t = target(m, 2, 6, 0xff);
  for (let i = 0; i < 64; i++) c.access(t, 0x1000 + i * 8, 8, false); // 8 lines
  let s = m.snapshot().byType["Normal-WB"];
  assert.equal(s.lineFills, 8);
  assert.equal(s.l1Hits, 56);
  for (let i = 0; i < 64; i++) c.access(t, 0x1000 + i * 8, 8, true); // all hits, now dirty
  s = m.snapshot().byType["Normal-WB"];
  assert.equal(s.lineFills, 8);
  // Stream 16 KiB to push the dirty lines out of L1 and L2.
  for (let a = 0x10000; a < 0x14000; a += 64) c.access(t, a, 8, false);
  s = m.snapshot().byType["Normal-WB"];
  assert.equal(s.writeBacks, 8);
  assert.equal(m.snapshot().devices[0].id, 2);
});

Deno.test("CpuCost.cacheMaintenance() writes back a dirty line on DC CIVAC and drops it", () => {
  const m = new CostModel();
  const c = m.forCpu(0);
  const t = target(m, 0, 6, 0xff);
  c.access(t, 0x1000, 8, true);
  c.cacheMaintenance("civac", 0, 1, 6, 0x1000);
  c.access(t, 0x1000, 8, false);
  const s = m.snapshot().byType["Normal-WB"];
  assert.equal(s.writeBacks, 1);
  assert.equal(s.lineFills, 2);
  assert.equal(s.cacheMaintenance, 1);
});

Deno.test("CostModel.snapshot() is JSON-able, names domains and honours latency overrides", () => {
  const m = new CostModel({ latencies: { write: { "Device-nGnRnE": 1000 } } });
  const c = m.forCpu(0);
  c.access(target(m, 0, 0, 0x00, 0), 0, 4, true);
  const s = m.snapshot(
    { describe: (id) => ({ name: `dev${id}`, model: "ram" }) },
    (d) => d === 0 ? "xen" : `d${d - 1}`,
  );
  assert.equal(s.total.cycles, 1001);
  assert.equal(s.devices[0].name, "dev0");
  assert.equal(s.domains[0].domain, "xen");
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  m.reset();
  assert.equal(m.snapshot().total.accesses, 0);
});
