import assert from "node:assert/strict";
import { labelOf, memTypeClass, renderMemorySvg, type SvgRegion } from "./report_html_svg.ts";

function region(ipa: number, size: number, type: string, row: number, pa = ipa): SvgRegion {
  return {
    ipa,
    pa,
    size,
    node: `/n@${ipa.toString(16)}`,
    type,
    stage2Only: false,
    trapped: false,
    tooltip: [`row ${row}`],
    row,
  };
}

function attrs(svg: string, tag: string, cls: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))]
    .map((m) =>
      Object.fromEntries([...m[1].matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]))
    )
    .filter((a) => (a.class ?? "").split(" ").includes(cls));
}

Deno.test("renderMemorySvg() keeps a 2^52-byte address space on a bounded, monotonic scale with gaps", () => {
  const regions = [
    region(0x1000, 0x1000, "Device-nGnRE", 0),
    region(0x40000000, 0x40000000, "Normal-WB", 1),
    region(2 ** 40, 2 ** 39, "Device-nGnRnE", 2),
    region(2 ** 52 - 0x1000, 0x1000, "Normal-NC", 3),
  ];
  const svg = renderMemorySvg(regions, [{ address: 2 ** 40 + 5, index: 1, label: "f" }], {
    title: "t",
    id: "m",
  });
  const rects = attrs(svg, "rect", "region");
  assert.equal(rects.length, 4);
  const ys = rects.map((r) => [Number(r.y), Number(r.height)]);
  for (let i = 1; i < ys.length; i++) assert.ok(ys[i][0] >= ys[i - 1][0] + ys[i - 1][1]);
  const height = Number(/height="(\d+)"/.exec(svg)![1]);
  assert.ok(height < 1000, `height ${height}`);
  // Four regions and three uncovered stretches between them.
  assert.equal(attrs(svg, "rect", "gap").length, 2 * 3);
  assert.match(svg, /⋯ 1022G gap ⋯/); // between 2 GiB and 2^40
  // The fault marker sits inside the region holding its address.
  const m = attrs(svg, "g", "fault-marker")[0];
  assert.equal(m["data-address"], "0x10000000005");
  const y = Number(m["data-y"]);
  assert.ok(y >= ys[2][0] && y <= ys[2][0] + ys[2][1]);
  assert.ok(rects[2].class.split(" ").includes("mt-device-ngnrne"));
});

Deno.test("renderMemorySvg() draws trapped regions hatched in the IPA column only and marks remapped bands", () => {
  const trapped: SvgRegion = {
    ...region(0x8000000, 0x10000, "trapped", 1),
    pa: null,
    trapped: true,
  };
  const svg = renderMemorySvg(
    [region(0x8010000, 0x10000, "Device-nGnRE", 0, 0x8040000), trapped],
    [],
    { title: "t", id: "x" },
  );
  assert.equal(attrs(svg, "rect", "region").length, 2);
  assert.equal(attrs(svg, "rect", "region-pa").length, 1);
  assert.equal(attrs(svg, "rect", "trapped")[0].fill, "url(#x-hatch)");
  assert.equal(attrs(svg, "path", "remapped").length, 1);
});

Deno.test("memTypeClass() and labelOf() name classes and regions as the report's CSS and legend expect", () => {
  assert.equal(memTypeClass("Device-nGnRE"), "mt-device-ngnre");
  assert.equal(memTypeClass("Normal-WB"), "mt-normal-wb");
  assert.equal(memTypeClass("Normal-iNCoWB"), "mt-normal-incowb");
  assert.equal(
    labelOf("/sram@bff00000/export@0, /reserved-memory/sram-backing@bff00000, /sram@bff00000"),
    "sram@bff00000",
  );
  assert.equal(labelOf("dom0 RAM"), "dom0 RAM");
});
