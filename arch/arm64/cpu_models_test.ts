import assert from "node:assert/strict";
import { boardPfr0, CPU_MODELS, cpuModelFor, DEFAULT_CPU_MODEL } from "./cpu_models.ts";
import { hasLse, ID_AA64ISAR0_A57, ID_AA64PFR0_VIRT_A57 } from "./system_registers.ts";

Deno.test("cpuModelFor() finds the core of a /cpus compatible, first match of a list", () => {
  assert.equal(cpuModelFor("arm,cortex-a53")?.midr, 0x410fd034n);
  assert.equal(cpuModelFor(["arm,armv8", "arm,cortex-a72"])?.name, "cortex-a72");
  assert.equal(cpuModelFor("ARM,Cortex-A55")?.name, "cortex-a55");
  assert.equal(cpuModelFor("arm,armv8"), undefined);
  assert.equal(cpuModelFor("arm,cortex-a510"), undefined);
  assert.equal(DEFAULT_CPU_MODEL.midr, 0x411fd070n);
});

Deno.test("CPU_MODELS: PA size, VMID width and LSE per core (TRM values)", () => {
  const t = Object.values(CPU_MODELS).map((m) =>
    `${m.name} ${m.midr.toString(16)} ${m.paBits} ${m.vmidBits} ${m.lse ? "lse" : "-"}`
  );
  assert.deepEqual(t, [
    "cortex-a53 410fd034 40 8 -",
    "cortex-a55 412fd050 40 16 lse",
    "cortex-a57 411fd070 44 8 -",
    "cortex-a72 410fd083 44 8 -",
    "cortex-a76 414fd0b0 40 16 lse",
  ]);
  for (const m of Object.values(CPU_MODELS)) {
    assert.equal(m.compatible, `arm,${m.name}`);
    assert.equal(hasLse(m.isar0), m.lse);
    assert.equal(m.dczidBs, 4);
  }
});

Deno.test("boardPfr0() gives Xen's 'Processor Features: 0000000001000222' for A57 on QEMU virt", () => {
  assert.equal(boardPfr0(CPU_MODELS["cortex-a57"], { el3: false, gicv3: true }), 0x1000222n);
  assert.equal(ID_AA64PFR0_VIRT_A57, 0x1000222n);
  assert.equal(CPU_MODELS["cortex-a57"].isar0, ID_AA64ISAR0_A57);
  assert.equal(boardPfr0(CPU_MODELS["cortex-a53"], { el3: true, gicv3: false }), 0x2222n);
  // A76: EL3 cleared, GIC set, the other fields kept.
  assert.equal(
    boardPfr0(CPU_MODELS["cortex-a76"], { el3: false, gicv3: true }),
    0x1100000011110112n,
  );
});
