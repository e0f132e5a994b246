// /dev/mem semantics of Linux 6.1 with STRICT_DEVMEM + IO_STRICT_DEVMEM (Debian's config).
import assert from "node:assert/strict";
import { bootLinux } from "./boot.ts";
import { fakeMachine } from "../tests/fixtures/dom0/fake_machine.ts";

function run(target: string, unbindFirst: boolean) {
  const m = fakeMachine();
  const ops = [
    ...(unbindFirst ? [{ op: "unbind" as const, target: "bff00000.sram" }] : []),
    { op: "load" as const, target, via: "devmem" as const, size: 8 as const },
  ];
  return bootLinux(m.ports, m.entry, { workload: { name: "t", ops } });
}

Deno.test("mmap of /dev/mem refuses System RAM (devmem_is_allowed: page_is_ram)", () => {
  const r = run("0x60000000", false);
  assert.equal(r.workload!.ops[0].error, "mmap: Operation not permitted");
});

Deno.test("mmap of /dev/mem refuses a region a driver claimed (iomem_is_exclusive), allows it once unbound", () => {
  assert.equal(
    run("0xbff00000", false).workload!.ops.at(-1)!.error,
    "mmap: Operation not permitted",
  );
  const r = run("0xbff00000", true);
  assert.equal(r.workload!.ok, true);
  const m = r.mappings.find((x) => x.api === "/dev/mem")!;
  assert.equal(m.s1Type, "Device-nGnRnE"); // no-map memory: pgprot_noncached
  assert.ok(m.va > 0 && m.va < 2 ** 48, "a user (TTBR0) address");
});
