// Real boards (tests/fixtures/boards/: a sample of Debian's linux-image-6.1.0-56-arm64 DTBs, see
// its README): each boots to its expected outcome class — clean, a fault the model explains, or
// one clear error line naming the reason — with the isolation invariants checked after every
// hypercall, and round-trips DTB → DTS → DTB byte for byte. The whole set (577 boards) is
// checked by scripts/boards_check.ts.
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { compileDts, loadDeviceTree } from "../dt/compile.ts";
import { printDts } from "../dt/dts_print.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { InputError } from "../errors.ts";
import { describe } from "../sim/invariants.ts";
import { bootChecked } from "../sim/invariants.ts";
import { summarize } from "../sim/summary.ts";

const DIR = new URL("./fixtures/boards/", import.meta.url);

function board(f: string): Uint8Array {
  return Deno.readFileSync(new URL(f, DIR));
}

type Expect =
  | { clean: true }
  | { fault: RegExp }
  | { error: RegExp };

function outcome(
  f: string,
  opts: { policy?: string; workload?: string } = {},
): { kind: "clean" | "fault" | "error"; detail: string } {
  try {
    const c = bootChecked(f, board(f), opts);
    deepStrictEqual(c.violations.map(describe), [], `${f}: isolation`);
    const s = summarize(c.run, { events: c.run.events });
    if (s.outcome === "ok" && s.faults.length === 0) return { kind: "clean", detail: "" };
    for (const x of s.faults) {
      ok(x.origin !== "unknown" && x.cause !== "", `${f}: unexplained fault ${x.message}`);
    }
    const x = s.faults[0];
    return {
      kind: "fault",
      detail: x
        ? `${x.routine} ${x.insn} ${x.origin} ${x.architectural?.name ?? x.fscName}`
        : `${s.outcome} ${s.reason}`,
    };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    ok(!e.line().includes("\n"), `${f}: the error is one line`);
    return { kind: "error", detail: e.line() };
  }
}

const CASES: [string, Expect, string][] = [
  [
    "allwinner/sun50i-a64-pine64.dtb",
    { clean: true },
    "GIC-400, no memory node (firmware adds RAM)",
  ],
  ["amd/amd-overdrive-rev-b0.dtb", { clean: true }, "SPIs above 288 size the GIC"],
  [
    "amlogic/meson-gxbb-odroidc2.dtb",
    { clean: true },
    "RAM from 0 with a no-map ROM region: Xen loads after it",
  ],
  ["apm/apm-merlin.dtb", { clean: true }, "16 GICv2m frames get disjoint MSI windows"],
  [
    "arm/fvp-base-revc.dtb",
    { clean: true },
    "GICv3; /reserved-memory VRAM outside RAM mapped as Xen 4.17 does",
  ],
  ["arm/juno.dtb", { clean: true }, "GICv2m frames above the wired SPIs"],
  ["cavium/thunder-88xx.dtb", { clean: true }, "GIC at 0x8010_0000_0000 needs a 48-bit PARange"],
  ["freescale/imx8mq-evk.dtb", { clean: true }, "GICv3"],
  [
    "hisilicon/hi3660-hikey960.dtb",
    { clean: true },
    "a reserved RAM run ends where a syscon page starts",
  ],
  ["marvell/armada-8040-mcbin.dtb", { clean: true }, "GIC-400 with v2m frames"],
  ["nvidia/tegra210-p3450-0000.dtb", { clean: true }, "GIC-400"],
  ["qcom/sdm845-db845c.dtb", { clean: true }, "GICv3, RAM base given without a size"],
  ["rockchip/rk3399-rockpro64.dtb", { clean: true }, "GICv3 with ITS and PPI partitions"],
  ["xilinx/zynqmp-zcu102-rev1.0.dtb", { clean: true }, "GIC-400, Cadence UART"],
  [
    "amlogic/meson-gxl-s805x-libretech-ac.dtb",
    { error: /Failed to allocate requested dom0 memory.*ask for less with dom0_mem/ },
    "512 MiB board, 512 MiB dom0",
  ],
  [
    "broadcom/bcm2837-rpi-3-b.dtb",
    { error: /Unable to find compatible GIC.*brcm,bcm2836-armctrl-ic/ },
    "no GIC",
  ],
  [
    "hisilicon/hi3798cv200-poplar.dtb",
    {
      error:
        /Xen panic: GICv2: Cannot find a valid address for the hypervisor: the GIC node's reg has 2 entries/,
    },
    "GIC-400 described without GICH/GICV",
  ],
  [
    "qcom/apq8016-sbc.dtb",
    { error: /Unable to find compatible GIC.*qcom,msm-qgic2/ },
    "a GIC compatible Xen 4.17 does not list",
  ],
  [
    "rockchip/rk3568-rock-3a.dtb",
    {
      error:
        /Unable to get irq 0 for \/pcie@fe260000\/legacy-interrupt-controller.*IRQ104 is edge-rising here but level-high/,
    },
    "one SPI with two trigger types",
  ],
  [
    "ti/k3-am625-sk.dtb",
    {
      error:
        /Unable to retrieve address 0 for \/bus@f0000\/interrupt-controller@a00000.*No ranges entry/,
    },
    "a reg no bus range covers",
  ],
];

for (const [f, want, why] of CASES) {
  const what = "clean" in want
    ? "boots clean"
    : "fault" in want
    ? "faults, explained"
    : "fails with one clear line";
  Deno.test(`bootBoard() on ${f} ${what} (${why})`, () => {
    const got = outcome(f);
    if ("clean" in want) equal(got.kind, "clean", got.detail);
    else if ("fault" in want) {
      equal(got.kind, "fault", got.detail);
      match(got.detail, want.fault);
    } else {
      equal(got.kind, "error", got.detail);
      match(got.detail, want.error);
    }
  });
}

const FAULTS: [string, string, string, RegExp][] = [
  ["allwinner/sun50i-a64-pine64.dtb", "xen-4.7", "sram-memset", /__memset dc zva stage2 alignment/],
  ["arm/juno.dtb", "xen-4.7", "sram-memset", /__memset dc zva stage2 alignment/],
  [
    "amlogic/meson-gxbb-odroidc2.dtb",
    "device-gre",
    "sram-memcpy-unaligned",
    /__memcpy stp stage2 alignment/,
  ],
];

for (const [f, policy, workload, want] of FAULTS) {
  Deno.test(`bootBoard() on ${f} with ${policy} + ${workload} takes an explained stage-2 alignment fault`, () => {
    const got = outcome(f, { policy, workload });
    equal(got.kind, "fault", got.detail);
    match(got.detail, want);
  });
}

/** dtc 1.6.1's own round trip of each fixture (`dtc -I dtb -O dts | dtc -I dts -O dtb`), recorded. */
const DTC: Record<string, { dtcRoundTripSha256: string; dtcRoundTripIsInput: boolean }> = JSON
  .parse(Deno.readTextFileSync(new URL("dtc_roundtrip.json", DIR)));

async function sha256(b: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(b)));
  return [...d].map((x) => x.toString(16).padStart(2, "0")).join("");
}

Deno.test("every board fixture round-trips DTB → DTS → DTB with dt/'s printer and parser exactly as dtc does", async () => {
  const files = Object.keys(DTC);
  equal(files.length, 20);
  for (const f of files) {
    const bytes = board(f);
    const text = printDts(loadDeviceTree(f, bytes).tree);
    const again = writeDtb(compileDts(f.replace(/\.dtb$/, ".dts"), text).tree);
    const same = again.length === bytes.length && again.every((b, i) => b === bytes[i]);
    equal(same, DTC[f].dtcRoundTripIsInput, `${f}: identical to the input where dtc's is`);
    equal(await sha256(again), DTC[f].dtcRoundTripSha256, `${f}: the bytes dtc writes`);
  }
});
