// domU passthrough: the xl.cfg subset, the toolstack's domctls with Xen's checks, stage-2
// attributes of passthrough mappings, failures that leave nothing behind, isolation.
import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import { InputError } from "../errors.ts";
import { createDomU, destroyDomain, parseDomUConfig } from "../hyp/domu.ts";
import { checkIsolation } from "../hyp/isolation.ts";
import { bootDir, GOLDEN } from "./hyp_helpers.ts";

const EXTRA = new URL("./fixtures/hyp/virt-extra", import.meta.url).pathname;
const GICV2 = new URL("./fixtures/hyp/virt-gicv2", import.meta.url).pathname;

function badConfig(name: string, text: string, re: RegExp) {
  Deno.test(`parseDomUConfig() rejects ${name}`, () => {
    throws(
      () => parseDomUConfig(text, "g.cfg"),
      (e: unknown) => e instanceof InputError && re.test(e.message) && /g\.cfg:\d+/.test(e.message),
    );
  });
}

badConfig("a line without '='", 'name = "g"\nmemory 64\n', /key = value/);
badConfig("an unknown key", "colour = 3\n", /Unknown key 'colour'/);
badConfig("a non-list iomem", 'iomem = "9300,1"\n', /must be a list/);
badConfig("a malformed iomem entry", 'iomem = [ "zz" ]\n', /Bad iomem entry/);
badConfig("zero vCPUs", "vcpus = 0\n", /at least 1/);
badConfig("a negative memory size", "memory = -4\n", /non-negative integer/);

Deno.test("parseDomUConfig() reads the documented subset, comments and defaults", () => {
  const c = parseDomUConfig(
    [
      "# a passthrough guest",
      'name = "io"',
      "memory = 96   # MiB",
      "vcpus = 2",
      'iomem = [ "9300,1", "9301,2@10000" ]',
      "irqs = [ 112 ]",
      'dtdev = [ "/passdev@9300000" ]',
    ].join("\n"),
  );
  equal(c.name, "io");
  equal(c.memory, 96);
  equal(c.vcpus, 2);
  deepStrictEqual(c.iomem, [{ mfn: 0x9300, nr: 1, gfn: 0x9300 }, {
    mfn: 0x9301,
    nr: 2,
    gfn: 0x10000,
  }]);
  deepStrictEqual(c.irqs, [112]);
  deepStrictEqual(c.dtdev, ["/passdev@9300000"]);
});

Deno.test("createDomU() with dtdev maps the xen,passthrough node Device-nGnRE and routes its SPI", () => {
  const { xen } = bootDir(EXTRA);
  const u = createDomU(
    xen,
    parseDomUConfig('name = "io"\nmemory = 64\ndtdev = [ "/passdev@9300000" ]\n'),
  );
  const d = u.domain;
  deepStrictEqual(u.banks, [{ start: 0x40000000, size: 64 * 2 ** 20 }]);
  const l = d.p2m.lookup(0x9300);
  equal(l.type, "p2m_mmio_direct_dev");
  equal(l.mfn, 0x9300);
  equal(l.entry!.memAttr, 0x1); // Device-nGnRE
  ok(l.entry!.xn);
  ok(d.routedIrqs.has(0x50 + 32));
  equal(xen.lookup(0x9300000, d.domid).memAttrName, "Device-nGnRE");
  ok(u.steps.every((s) => s.rc === 0));
  deepStrictEqual(checkIsolation(xen.core).filter((v) => !v.known), []);
});

Deno.test("createDomU() RAM comes from Xen's heap, never from dom0's banks", () => {
  const { xen } = bootDir(EXTRA);
  const u = createDomU(xen, parseDomUConfig('name = "g"\nmemory = 128\n'));
  for (const r of u.domain.ownedPages.ranges()) {
    for (const b of xen.dom0.banks) {
      const s = r.s * 4096, e = (r.e + 1) * 4096;
      ok(e <= b.start || s >= b.start + b.size, `domU RAM ${s.toString(16)} inside a dom0 bank`);
    }
  }
  equal(xen.lookup(0x40000000, u.domain.domid).type, "p2m_ram_rw");
});

Deno.test("createDomU() refuses iomem dom0 may not delegate (GICD page 2) and leaves nothing", () => {
  const { xen } = bootDir(EXTRA);
  const free = xen.core.alloc.avail.reduce((a, b) => a + b, 0);
  const ndom = xen.core.domains.size;
  throws(
    () => createDomU(xen, parseDomUConfig('name = "g"\nmemory = 16\niomem = [ "8001,1" ]\n')),
    (e: unknown) => e instanceof InputError && /iomem_permission.*EPERM/.test(e.message),
  );
  equal(xen.core.domains.size, ndom);
  equal(xen.core.alloc.avail.reduce((a, b) => a + b, 0), free);
});

Deno.test("Xen 4.17's iomem off-by-one lets dom0 hand the first GICD page to a domU; the fix refuses", () => {
  const cfg = parseDomUConfig('name = "g"\nmemory = 16\niomem = [ "8000,1" ]\n');
  const { xen } = bootDir(EXTRA);
  const u = createDomU(xen, cfg);
  equal(u.domain.p2m.lookup(0x8000).type, "p2m_mmio_direct_dev");
  const v = checkIsolation(xen.core).filter((x) => x.domid === u.domain.domid);
  equal(v.length, 1);
  equal(v[0].invariant, 2);
  ok(/9568ceb287/.test(v[0].known ?? ""));

  const fixed = bootDir(EXTRA, { fixIomemOffByOne: true }).xen;
  throws(
    () => createDomU(fixed, cfg),
    (e: unknown) => e instanceof InputError && /EPERM/.test(e.message),
  );
});

Deno.test("createDomU() refuses a dtdev node without xen,passthrough (dom0 owns it)", () => {
  const { xen } = bootDir(EXTRA);
  const free = xen.core.alloc.avail.reduce((a, b) => a + b, 0);
  throws(
    () =>
      createDomU(xen, parseDomUConfig('name = "g"\nmemory = 16\ndtdev = [ "/pl031@9010000" ]\n')),
    (e: unknown) => e instanceof InputError && /xen,passthrough/.test(e.message),
  );
  equal(xen.core.alloc.avail.reduce((a, b) => a + b, 0), free);
});

Deno.test("createDomU() fails with ENOMEM when the heap cannot hold the guest's RAM", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  const free = xen.core.alloc.avail.reduce((a, b) => a + b, 0);
  throws(
    () => createDomU(xen, parseDomUConfig('name = "big"\nmemory = 4096\n')),
    (e: unknown) => e instanceof InputError && /ENOMEM/.test(e.message),
  );
  equal(xen.core.alloc.avail.reduce((a, b) => a + b, 0), free);
});

Deno.test("a GICv2 domU gets GICV behind GUEST_GICC_BASE (8 KiB), dom0 the whole GICC", () => {
  const { xen } = bootDir(GICV2);
  const g = xen.core.host.gic;
  if (g.version !== 2) throw new Error("expected GICv2");
  const u = createDomU(xen, parseDomUConfig('name = "g"\nmemory = 16\n'));
  const a = u.domain.p2m.lookup(0x03002000 / 4096);
  equal(a.type, "p2m_mmio_direct_dev");
  equal(a.mfn, g.vbase / 4096);
  equal(u.domain.p2m.lookup(0x03003000 / 4096).mfn, g.vbase / 4096 + 1);
  equal(u.domain.p2m.lookup(0x03004000 / 4096).type, "p2m_invalid");
  equal(xen.dom0.p2m.lookup(g.cbase / 4096).mfn, g.vbase / 4096);
  deepStrictEqual(checkIsolation(xen.core).filter((v) => !v.known), []);
});

Deno.test("destroyDomain() returns the domU's RAM and tables to the heap", () => {
  const { xen } = bootDir(EXTRA);
  const free = xen.core.alloc.avail.reduce((a, b) => a + b, 0);
  const u = createDomU(
    xen,
    parseDomUConfig('name = "g"\nmemory = 32\ndtdev = [ "/passdev@9300000" ]\n'),
  );
  ok(xen.core.alloc.avail.reduce((a, b) => a + b, 0) < free);
  destroyDomain(xen, u.domain);
  equal(xen.core.alloc.avail.reduce((a, b) => a + b, 0), free);
  ok(!xen.core.domains.has(u.domain.domid));
  throws(() => destroyDomain(xen, xen.dom0), RangeError);
});
