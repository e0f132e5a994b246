// DTB read/write and DTS print throughput on a large synthetic tree (about 6 MB of DTB):
// deno bench --allow-read dt/dtb_bench.ts — MB/s = blob size / time per iteration.
import { readDtb } from "./dtb_read.ts";
import { writeDtb } from "./dtb_write.ts";
import { printDts } from "./dts_print.ts";
import { DeviceTree, Node, Property, stringsBytes, u32Bytes } from "./tree.ts";
import {
  fdt_begin_node,
  fdt_create,
  fdt_end_node,
  fdt_finish,
  fdt_finish_reservemap,
  fdt_property,
} from "./fdt_sw.ts";

/** A board-like tree: `buses` simple-buses of `perBus` devices with typical properties. */
function synthetic(buses: number, perBus: number): DeviceTree {
  const t = new DeviceTree();
  t.root.props.push(
    new Property("#address-cells", u32Bytes([2])),
    new Property("#size-cells", u32Bytes([2])),
    new Property("compatible", stringsBytes(["dom0sim,bench"])),
  );
  for (let b = 0; b < buses; b++) {
    const bus = t.root.addChild(new Node(`bus@${(b * 0x1000000).toString(16)}`));
    bus.props.push(
      new Property("compatible", stringsBytes(["simple-bus"])),
      new Property("#address-cells", u32Bytes([1])),
      new Property("#size-cells", u32Bytes([1])),
      new Property("ranges", u32Bytes([0, 0, b * 0x1000000, 0x1000000])),
    );
    for (let d = 0; d < perBus; d++) {
      const dev = bus.addChild(new Node(`device@${(d * 0x1000).toString(16)}`));
      dev.props.push(
        new Property("compatible", stringsBytes([`vendor,dev${d % 17}`, "vendor,generic"])),
        new Property("reg", u32Bytes([d * 0x1000, 0x1000])),
        new Property("interrupts", u32Bytes([0, (b * perBus + d) % 988, 4])),
        new Property("clocks", u32Bytes([1, d % 8, 1, 9])),
        new Property("clock-names", stringsBytes(["apb", "core"])),
        new Property(`vendor,prop-${d % 64}`, new Uint8Array(24).fill(d & 0xff)),
        new Property("status", stringsBytes(["okay"])),
      );
    }
  }
  return t;
}

const tree = synthetic(100, 400);
const blob = writeDtb(tree);
const text = printDts(tree);
const mb = blob.length / 1e6;
console.log(
  `synthetic tree: ${tree.root.children.length * 400} devices, DTB ${mb.toFixed(2)} MB, ` +
    `DTS ${(text.length / 1e6).toFixed(2)} MB (MB/s = ${mb.toFixed(2)} / seconds per iteration)`,
);

function replay(): Uint8Array {
  const buf = new Uint8Array(blob.length + 4096);
  fdt_create(buf);
  fdt_finish_reservemap(buf);
  const walk = (n: Node) => {
    fdt_begin_node(buf, n.name);
    for (const p of n.props) fdt_property(buf, p.name, p.value);
    for (const c of n.children) walk(c);
    fdt_end_node(buf);
  };
  walk(tree.root);
  fdt_finish(buf);
  return buf;
}

Deno.bench({ name: `readDtb() ${mb.toFixed(1)} MB`, group: "dtb", baseline: true }, () => {
  readDtb(blob, "bench.dtb");
});

Deno.bench({ name: `writeDtb() ${mb.toFixed(1)} MB`, group: "dtb" }, () => {
  writeDtb(tree);
});

Deno.bench({ name: `printDts() ${mb.toFixed(1)} MB of DTB`, group: "dtb" }, () => {
  printDts(tree);
});

Deno.bench({ name: `fdt_sw replay ${mb.toFixed(1)} MB`, group: "dtb" }, () => {
  replay();
});
