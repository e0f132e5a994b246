// Boot scenarios: host trees Xen rejects (one InputError), policies deciding the stage-2 type of
// each node, the dom0 tree's space limit, and the console model.
import { equal, ok, throws } from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { InputError } from "../errors.ts";
import { readDtb } from "../dt/dtb_read.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { Node, Property, u32Bytes } from "../dt/tree.ts";
import type { DeviceTree } from "../dt/tree.ts";
import { checkIsolation } from "../hyp/isolation.ts";
import { SparseMemory } from "../hyp/machine.ts";
import { describePolicies, POLICIES } from "../hyp/policy.ts";
import { bootXen, type XenBootOptions } from "../hyp/xen.ts";
import { qemuDtbOpen } from "../sim/boot.ts";
import { bootDir, GOLDEN, kernelImageHeader } from "./hyp_helpers.ts";

const BASE = `${GOLDEN}/virt-gicv3`;
const SRAM = `${GOLDEN}/virt-gicv3-sram`;
const GICV2 = new URL("./fixtures/hyp/virt-gicv2", import.meta.url).pathname;
const EXTRA = new URL("./fixtures/hyp/virt-extra", import.meta.url).pathname;

function golden(): DeviceTree {
  return readDtb(new Uint8Array(readFileSync(`${BASE}/xen-input.dtb`)), "xen-input.dtb");
}

function boot(tree: DeviceTree, o: Partial<XenBootOptions> = {}, kernel = true) {
  const mem = new SparseMemory();
  if (kernel) mem.write(0x49000000, kernelImageHeader(0));
  return bootXen({ mem }, { hostDtb: writeDtb(tree), hostDtbFile: "host.dtb", ...o });
}

function rejects(
  name: string,
  edit: (t: DeviceTree) => void,
  re: RegExp,
  o: Partial<XenBootOptions> = {},
  kernel = true,
) {
  Deno.test(`bootXen() rejects ${name} with one InputError`, () => {
    const t = golden();
    edit(t);
    throws(() => boot(t, o, kernel), (e: unknown) => e instanceof InputError && re.test(e.message));
  });
}

rejects("a tree without memory", (t) => {
  t.root.children = t.root.children.filter((c) => !c.name.startsWith("memory"));
}, /No memory bank/);

rejects("overlapping memory banks", (t) => {
  const m = new Node("memory@80000000");
  m.props.push(new Property("device_type", new TextEncoder().encode("memory\0")));
  m.props.push(new Property("reg", u32Bytes([0, 0x80000000, 0, 0x10000000])));
  t.root.addChild(m);
}, /: error: Xen panic: Unable to setup the directmap mappings\.: .*describes the same RAM twice/);

/** A `/reserved-memory` with one child named `memory@…` (as Qualcomm boards have), `no-map`. */
function reservedMemoryChild(t: DeviceTree, start: number, size: number): void {
  const rm = new Node("reserved-memory");
  rm.props.push(new Property("#address-cells", u32Bytes([2])));
  rm.props.push(new Property("#size-cells", u32Bytes([2])));
  rm.props.push(new Property("ranges", new Uint8Array()));
  const c = new Node(`memory@${start.toString(16)}`);
  c.props.push(new Property("reg", u32Bytes([0, start, 0, size])));
  c.props.push(new Property("no-map", new Uint8Array()));
  rm.addChild(c);
  t.root.addChild(rm);
}

// Xen 4.17's early_scan_node takes every node named memory for RAM, a /reserved-memory child
// too: the bank overlaps the real one, and setup_mm's second directmap mapping of the same
// pages fails (map_pages_to_xen refuses to replace a valid entry), so Xen panics there.
rejects(
  "a /reserved-memory/memory@… child inside RAM (Xen's panic text first)",
  (t) => reservedMemoryChild(t, 0x50000000, 0x600000),
  /: error: Xen panic: Unable to setup the directmap mappings\.: setup_mm maps RAM bank 0x50000000-0x50600000 \(\/reserved-memory\/memory@50000000\) over 0x40000000-0xc0000000 .*named 'memory'.*47d4d3cdc5/,
);

Deno.test("bootXen() boots with a /reserved-memory/memory@… child outside RAM (an extra bank, kept reserved)", () => {
  const t = golden();
  reservedMemoryChild(t, 0xc0000000, 0x200000);
  const x = boot(t);
  ok(x.core.bi.mem.some((b) => b.start === 0xc0000000 && b.size === 0x200000));
  ok(x.core.bi.reservedMem.some((b) => b.start === 0xc0000000));
});

rejects("a boot module outside RAM", (t) => {
  const mod = t.lookup("/chosen/module@0x49000000")!;
  mod.setProp(new Property("reg", u32Bytes([0x2, 0, 0, 0x1000000])));
}, /outside RAM/);

rejects("a tree without a GIC", (t) => {
  t.root.children = t.root.children.filter((c) => !c.name.startsWith("intc"));
}, /Unable to find compatible GIC/);

Deno.test("bootXen() names what a GIC-400 described for Linux alone lacks (GICH, GICV), after Xen's panic text", () => {
  const dtb = new Uint8Array(readFileSync(`${GICV2}/xen-input.dtb`));
  const t = readDtb(dtb, "xen-input.dtb");
  const gic = t.lookup("/intc@8000000")!;
  gic.setProp(new Property("reg", gic.prop("reg")!.value.slice(0, 32)));
  throws(
    () => boot(t),
    (e: unknown) =>
      e instanceof InputError &&
      /\/intc@8000000: error: Xen panic: GICv2: Cannot find a valid address for the hypervisor: the GIC node's reg has 2 entries; Xen needs .*GICH.*GICV/
        .test(e.message),
  );
});

// init_xen_time sets the timer PPIs' trigger types (platform_get_irq → irq_local_set_type) before
// dom0 is built; a node giving PPI 14 another type is then not recognised as a PPI user (its
// platform_get_irq fails) and handle_device fails on it.
rejects(
  "a node giving a timer PPI another trigger type than Xen's timer",
  (t) => {
    const n = new Node("watchdog");
    n.props.push(new Property("compatible", new TextEncoder().encode("vendor,wdt\0")));
    n.props.push(new Property("interrupts", u32Bytes([1, 14, 1])));
    t.root.addChild(n);
  },
  /Unable to get irq 0 for \/watchdog\): IRQ30 is edge-rising here but level-high for \/timer \(Xen's timer\) earlier/,
);

// opt_console defaults to "dtuart" on Arm (OPT_CONSOLE_STR): without console= on the command
// line Xen 4.17 still takes the UART /chosen/stdout-path names, and keeps it from dom0.
Deno.test("without console= Xen takes the stdout-path UART (OPT_CONSOLE_STR is dtuart on Arm)", () => {
  const x = boot(golden(), { xenCmdline: "dom0_mem=512M" });
  equal(x.core.host.uart?.node.path, "/pl011@9000000");
  const dom0 = readDtb(x.build.dtb, "dom0.dtb");
  equal(dom0.lookup("/pl011@9000000"), undefined);
  ok(x.core.console.events.some((e) => e.text.startsWith("Taking dtuart configuration")));
});

// The console UART's SPI is Xen's (setup_irq in console_init_postirq): a dom0 node sharing it
// cannot have it routed (route_irq_to_guest: "IRQ 33 is already used by Xen"), so Xen panics.
rejects(
  "a node sharing the console UART's SPI (Xen keeps it; the line says why)",
  (t) => {
    const n = new Node("serial@9001000");
    n.props.push(new Property("compatible", new TextEncoder().encode("vendor,uart\0")));
    n.props.push(new Property("reg", u32Bytes([0, 0x9001000, 0, 0x1000])));
    n.props.push(new Property("interrupts", u32Bytes([0, 1, 4])));
    t.root.addChild(n);
  },
  /Unable to map IRQ33 to dom0\): IRQ33 is Xen's \(console UART \/pl011@9000000\) and \/serial@9001000 shares it/,
  {
    xenCmdline: "dom0_mem=512M",
  },
);

rejects("a tree without a timer", (t) => {
  t.root.children = t.root.children.filter((c) => c.name !== "timer");
}, /Unable to find a compatible timer/);

rejects("dom0_mem larger than RAM", () => {}, /Failed to allocate requested dom0 memory/, {
  xenCmdline: "dom0_mem=3G console=dtuart dtuart=/pl011@9000000",
});

rejects("a boot without a dom0 kernel module", (t) => {
  const chosen = t.lookup("/chosen")!;
  chosen.children = chosen.children.filter((c) => !c.name.startsWith("module@0x49"));
}, /Could not set up DOM0 guest OS/);

rejects(
  "a kernel module without an Image, uImage or zImage header",
  () => {},
  /Could not set up DOM0 guest OS/,
  {},
  false,
);

rejects(
  "a dom0 tree that does not fit Xen's buffer (128 vCPUs)",
  () => {},
  /Could not set up DOM0 guest OS: Device tree generation failed \(-34\): 128 vCPUs need 128 GICv3 redistributors; the host's regions hold 123/,
  {
    extraXenArgs: "dom0_max_vcpus=128",
  },
);

Deno.test("Xen budgets dom0's tree from the host DTB's totalsize: QEMU's -dtb free space fits 16 vCPUs", () => {
  // A packed blob leaves DOM0_FDT_EXTRA_SIZE (144 bytes): 16 vCPUs' /cpus nodes do not fit...
  throws(
    () => boot(golden(), { extraXenArgs: "dom0_max_vcpus=16" }),
    (e: unknown) => e instanceof InputError && /FDT_ERR_NOSPACE/.test(e.message),
  );
  // ...the blob QEMU hands over for -dtb ((size + 10000) x 2 bytes) leaves room for them.
  const mem = new SparseMemory();
  mem.write(0x49000000, kernelImageHeader(0));
  const blob = qemuDtbOpen(writeDtb(golden()));
  const xen = bootXen({ mem }, {
    hostDtb: blob,
    hostDtbFile: "host.dtb",
    extraXenArgs: "dom0_max_vcpus=16",
  });
  equal(xen.dom0.vcpus.length, 16);
  equal(readDtb(xen.build.dtb, "dom0.dtb").lookup("/cpus")!.children.length, 16);
});

Deno.test("a Xen panic prints Xen's banner before the InputError", () => {
  const t = golden();
  let x: unknown;
  try {
    boot(t, { xenCmdline: "dom0_mem=3G loglvl=all" });
  } catch (e) {
    x = e;
  }
  ok(x instanceof InputError);
});

Deno.test("bootXen() uses 512 MiB and warns 'PLEASE SPECIFY dom0_mem' without dom0_mem", () => {
  const xen = boot(golden(), { xenCmdline: "console=dtuart dtuart=/pl011@9000000" });
  equal(xen.dom0.banks[0].size, 0x20000000);
  ok(
    xen.console.lines().some((l) =>
      l.includes("PLEASE SPECIFY dom0_mem PARAMETER - USING 512M FOR NOW")
    ),
  );
});

Deno.test("ext_regions=0 leaves /hypervisor with only the grant-table range", () => {
  const xen = boot(golden(), { extraXenArgs: "ext_regions=0" });
  equal(xen.build.kinfo.extRegions.length, 0);
});

function typeAt(xen: ReturnType<typeof bootDir>["xen"], pa: number) {
  const l = xen.dom0.p2m.lookup(pa / 4096);
  return { type: l.type, memAttr: l.entry?.memAttr, xn: l.entry?.xn };
}

Deno.test("policy xen-4.17 maps the mmio-sram like any device: p2m_mmio_direct_c, Normal WB, XN", () => {
  const { xen } = bootDir(SRAM);
  const t = typeAt(xen, 0xbff00000);
  equal(t.type, "p2m_mmio_direct_c");
  equal(t.memAttr, 0xf);
  equal(t.xn, true);
  const rec = xen.dom0.mappings.find((m) => m.source === "/sram@bff00000")!;
  ok(/prepare_dtb_hwdom default_p2mt/.test(rec.rule));
});

Deno.test("policy xen-4.8.0: mmio-sram Normal-NC through the device's .map, other MMIO Device-nGnRE", () => {
  const { xen } = bootDir(SRAM, { policy: "xen-4.8.0" });
  equal(typeAt(xen, 0xbff00000).type, "p2m_mmio_direct_nc");
  equal(typeAt(xen, 0xbff00000).memAttr, 0x5);
  equal(typeAt(xen, 0x9010000).type, "p2m_mmio_direct_dev");
  // The export@0 child inherits its parent's decision.
  equal(
    xen.dom0.mappings.find((m) => m.source === "/sram@bff00000/export@0")?.type,
    "p2m_mmio_direct_nc",
  );
});

Deno.test("policy xen-4.8.0: an mmio-sram with no-memory-wc is Device-nGnRE", () => {
  const { xen } = bootDir(EXTRA, { policy: "xen-4.8.0" });
  equal(typeAt(xen, 0x9200000).type, "p2m_mmio_direct_dev");
});

Deno.test("policy rfc-2016 maps the mmio-sram Normal WB and executable, marked proposed, accepted by the checker", () => {
  const { xen } = bootDir(SRAM, { policy: "rfc-2016" });
  const t = typeAt(xen, 0xbff00000);
  equal(t.memAttr, 0xf);
  equal(t.xn, false);
  const rec = xen.dom0.mappings.find((m) => m.source === "/sram@bff00000")!;
  ok(rec.proposed && /proposed, not in Xen/.test(rec.rule));
  equal(checkIsolation(xen.core).filter((v) => !v.known).length, 0);
});

Deno.test("policy device-gre maps dom0 MMIO as Device-GRE (MemAttr 0b0011), proposed", () => {
  const { xen } = bootDir(BASE, { policy: "device-gre" });
  equal(typeAt(xen, 0x9010000).memAttr, 0x3);
  ok(xen.dom0.mappings.find((m) => m.source === "/pl031@9010000")!.proposed);
});

Deno.test("policy xen-4.7 maps every dom0 MMIO region Device-nGnRE", () => {
  const { xen } = bootDir(SRAM, { policy: "xen-4.7" });
  for (const m of xen.dom0.mappings.filter((m) => m.type.startsWith("p2m_mmio"))) {
    equal(m.memAttr, 0x1);
  }
});

Deno.test("the policy changes only the stage-2 attributes: dom0's DTB is the same for every preset", () => {
  const base = bootDir(SRAM).xen.build.dtb;
  for (const p of POLICIES) deepEqualBytes(bootDir(SRAM, { policy: p.name }).xen.build.dtb, base);
});

function deepEqualBytes(a: Uint8Array, b: Uint8Array) {
  equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`differs at byte ${i}`);
}

Deno.test("describePolicies() lists every preset and marks the proposals", () => {
  const d = describePolicies();
  equal(d.length, 5);
  ok(d.find((l) => l.startsWith("rfc-2016"))!.includes("proposed, not in Xen"));
  ok(d.find((l) => l.startsWith("device-gre"))!.includes("proposed, not in Xen"));
});

Deno.test("the extra node fixture: PPI user skipped, passthrough node disabled and unmapped, disabled node mapped", () => {
  const { xen } = bootDir(EXTRA);
  const out = (p: string) => xen.build.nodes.find((n) => n.path === p);
  ok(/PPI/.test(out("/ppidev@9100000")!.reason));
  equal(out("/passdev@9300000")!.action, "passthrough");
  equal(typeAt(xen, 0x9300000).type, "p2m_invalid");
  ok(xen.dom0.iomemCaps.contains(0x9300)); // permission granted all the same
  ok(xen.dom0.irqCaps.contains(0x50 + 32));
  equal(typeAt(xen, 0x9400000).type, "p2m_mmio_direct_c"); // status = "disabled" is not checked
});

Deno.test("the Mapping lines are dom0sim additions printed at debug log level only", () => {
  const { xen } = bootDir(BASE); // loglvl=all
  ok(
    xen.console.lines().some((l) =>
      l.startsWith("(XEN) [dom0sim] Mapping /pl031@9010000 0x9010000-0x9011000 p2m_mmio_direct_c")
    ),
  );
  const quiet = boot(golden(), {
    xenCmdline: "dom0_mem=512M console=dtuart dtuart=/pl011@9000000",
  });
  ok(!quiet.console.lines().some((l) => l.includes("[dom0sim] Mapping")));
  ok(quiet.console.events.some((e) => e.kind === "mapping" && !e.printed));
});

Deno.test("lookup()/explain(): RAM, a passthrough device, an emulated GIC page, a hole", () => {
  const { xen } = bootDir(BASE);
  const ram = xen.lookup(0x60001234);
  equal(ram.type, "p2m_ram_rw");
  equal(ram.pa, 0x60001234); // 1:1
  equal(ram.memAttrName, "Normal-WB");
  equal(ram.s2ap, "RW");
  equal(ram.xn, false);
  ok(xen.explain(0x60001234).startsWith("d0 IPA 0x60001234 → PA 0x60001234: p2m_ram_rw"));

  const rtc = xen.lookup(0x9010000);
  equal(rtc.type, "p2m_mmio_direct_c");
  equal(rtc.mapping?.source, "/pl031@9010000");
  ok(rtc.mapping?.rule);
  ok(xen.explain(0x9010000).includes("from /pl031@9010000 (rule: "));

  const gicd = xen.lookup(0x8000000);
  equal(gicd.pa, null);
  equal(gicd.emulatedBy, "vGICD");
  ok(xen.explain(0x8000000).includes("emulated by vGICD"));

  const hole = xen.lookup(0x3000_0000_00);
  equal(hole.pa, null);
  equal(hole.emulatedBy, undefined);
  ok(xen.explain(0x3000_0000_00).includes("injects a data abort"));
  throws(() => xen.lookup(0, 7), RangeError);
});

function withChosen(edit: (chosen: Node) => void): DeviceTree {
  const t = golden();
  edit(t.lookup("/chosen")!);
  return t;
}

Deno.test("xen,dom0-bootargs overrides the kernel module's bootargs in dom0's /chosen", () => {
  const t = withChosen((c) =>
    c.setProp(new Property("xen,dom0-bootargs", new TextEncoder().encode("console=hvc0 quiet\0")))
  );
  const xen = boot(t);
  const dom0 = readDtb(xen.build.dtb, "dom0.dtb");
  equal(dom0.lookup("/chosen")!.prop("bootargs")!.str(), "console=hvc0 quiet");
  ok(!dom0.lookup("/chosen")!.has("xen,dom0-bootargs"));
  // Xen's own command line is still /chosen/bootargs: dom0_mem=512M applies.
  equal(xen.dom0.banks[0].size, 0x20000000);
});

Deno.test("without module bootargs or xen,dom0-bootargs, /chosen/bootargs are dom0's, not Xen's", () => {
  const t = withChosen((c) => {
    const m = c.children.find((n) => n.name.startsWith("module@0x49"))!;
    m.props = m.props.filter((p) => p.name !== "bootargs");
    c.setProp(new Property("bootargs", new TextEncoder().encode("dom0_mem=128M root=/dev/vda\0")));
  });
  const xen = boot(t);
  // Xen saw no command line: default 512M with the warning, and dom0 gets the host bootargs.
  equal(xen.dom0.banks[0].size, 0x20000000);
  ok(xen.console.lines().some((l) => l.includes("PLEASE SPECIFY dom0_mem")));
  const dom0 = readDtb(xen.build.dtb, "dom0.dtb");
  equal(dom0.lookup("/chosen")!.prop("bootargs")!.str(), "dom0_mem=128M root=/dev/vda");
});

Deno.test("xen,xen-bootargs is Xen's command line when present", () => {
  const t = withChosen((c) =>
    c.setProp(
      new Property(
        "xen,xen-bootargs",
        new TextEncoder().encode("dom0_mem=256M console=dtuart dtuart=/pl011@9000000\0"),
      ),
    )
  );
  const xen = boot(t);
  equal(xen.dom0.banks.reduce((a, b) => a + b.size, 0), 0x10000000);
  const dom0 = readDtb(xen.build.dtb, "dom0.dtb");
  ok(!dom0.lookup("/chosen")!.has("xen,xen-bootargs"));
});

Deno.test("a gzip-compressed kernel module is inflated into Xen's heap before dom0 is built", () => {
  const image = new Uint8Array(0x30000);
  image.set(kernelImageHeader(0x80000, 0x30000));
  for (let i = 64; i < image.length; i++) image[i] = (i * 7) & 0xff;
  const gz = new Uint8Array(gzipSync(image));
  const t = withChosen((c) => {
    const m = c.children.find((n) => n.name.startsWith("module@0x49"))!;
    m.setProp(new Property("reg", u32Bytes([0, 0x49000000, 0, gz.length])));
  });
  const mem = new SparseMemory();
  mem.write(0x49000000, gz);
  const xen = bootXen({ mem }, { hostDtb: writeDtb(t), hostDtbFile: "host.dtb" });
  const k = xen.build.kinfo.kernel!;
  equal(k.size, image.length);
  ok(k.start !== 0x49000000);
  // kernel_probe prints the module address before kernel_decompress moves it; the copy then
  // starts from the inflated pages.
  ok(xen.console.lines().includes("(XEN) Loading d0 kernel from boot module @ 0000000049000000"));
  const line = xen.console.lines().find((l) => l.includes("Loading zImage from"));
  ok(line?.includes(k.start.toString(16).padStart(16, "0")), line);
  // The kernel in dom0's RAM is the inflated image (1:1, entry = bank0 + text_offset).
  const entry = xen.dom0.vcpus[0].pc;
  equal(entry, xen.dom0.banks[0].start + 0x80000);
  const loaded = mem.read(entry, image.length);
  ok(loaded.every((b, i) => b === image[i]));
});

Deno.test("a corrupt gzip kernel module is refused with an InputError", () => {
  const t = golden();
  const mem = new SparseMemory();
  mem.write(0x49000000, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]));
  throws(
    () => bootXen({ mem }, { hostDtb: writeDtb(t), hostDtbFile: "host.dtb" }),
    InputError,
  );
});
