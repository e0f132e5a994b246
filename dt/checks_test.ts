import assert from "node:assert/strict";
import { CHECK_NAMES, runChecks, validateToggles } from "./checks.ts";
import { parseDts } from "./dts_parser.ts";
import { fillFullpaths } from "./livetree.ts";

function check(src: string, toggles: Array<{ kind: "W" | "E"; arg: string }> = []) {
  const { tree, labels } = parseDts("w.dts", src, { readFile: () => undefined, includeDirs: [] });
  fillFullpaths(tree.root);
  return runChecks(tree, labels, { toggles, outName: "out.dtb" });
}

// Messages below are dtc 1.6.1's stderr for the same sources.

const BUSES = `/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	soc {
		compatible = "simple-bus";
		#address-cells = <1>;
		#size-cells = <1>;
		ranges;
		uart@1000 { reg = <0x2000 0x100>; };
		timer@0x10 { reg = <0x10 4>; };
		nounit { reg = <0x20 4>; };
		bad@30 { };
	};
	i2c@5 { reg = <5 1>; };
	intc: intc { interrupt-controller; #interrupt-cells = <2>; };
	dev { interrupts = <1>; interrupt-parent = <&intc>; clocks = <&intc>; };
};
/ { soc { bad@30 { status = "okay"; }; }; };
`;

Deno.test("runChecks() prints dtc's default warnings in table order with 'also defined at'", () => {
  const r = check(BUSES);
  assert.equal(r.failed, false);
  assert.deepEqual(r.messages.map((m) => m.text), [
    "w.dts:12.10-30: Warning (unit_address_vs_reg): /soc/nounit: node has a reg or ranges property, but no unit name",
    "w.dts:13.10-14: Warning (unit_address_vs_reg): /soc/bad@30: node has a unit name, but no reg or ranges property\n  also defined at w.dts:19.18-39",
    'w.dts:10.13-39: Warning (simple_bus_reg): /soc/uart@1000: simple-bus unit address format error, expected "2000"',
    'w.dts:11.14-34: Warning (simple_bus_reg): /soc/timer@0x10: simple-bus unit address format error, expected "10"',
    'w.dts:12.10-30: Warning (simple_bus_reg): /soc/nounit: simple-bus unit address format error, expected "20"',
    "w.dts:13.10-14: Warning (simple_bus_reg): /soc/bad@30: missing or empty reg/ranges property\n  also defined at w.dts:19.18-39",
    "w.dts:17.6-74: Warning (clocks_property): /dev: Missing property '#clock-cells' in node /intc or bad phandle (referred from clocks[0])",
    "w.dts:16.37-60: Warning (interrupts_property): /dev:#interrupt-cells: size is (4), expected multiple of 8",
    "w.dts:16.13-63: Warning (interrupt_provider): /intc: Missing #address-cells in interrupt provider",
  ]);
});

Deno.test("runChecks() applies -Wno-/-W like dtc (disable, then enable with prerequisites)", () => {
  const r = check(BUSES, [{ kind: "W", arg: "no-unit_address_vs_reg" }, {
    kind: "W",
    arg: "no-simple_bus_reg",
  }]);
  assert.deepEqual(r.messages.map((m) => m.check), [
    "clocks_property",
    "interrupts_property",
    "interrupt_provider",
  ]);
  const strict = check("/dts-v1/;\n/ { Node_X { Prop_Y; }; };\n", [
    { kind: "W", arg: "node_name_chars_strict" },
    { kind: "W", arg: "property_name_chars_strict" },
  ]);
  assert.deepEqual(strict.messages.map((m) => m.text), [
    "w.dts:2.14-21: Warning (property_name_chars_strict): /Node_X:Prop_Y: Character '_' not recommended in property name",
    "w.dts:2.12-24: Warning (node_name_chars_strict): /Node_X: Character '_' not recommended in node name",
  ]);
});

Deno.test("runChecks() reports failed prerequisites at the output name", () => {
  const r = check("/dts-v1/;\n/ { #address-cells = <1 2>; n@1 { reg = <1>; }; };\n");
  assert.deepEqual(r.messages.map((m) => m.text).slice(0, 4), [
    "w.dts:2.5-28: Warning (address_cells_is_cell): /:#address-cells: property is not a single cell",
    "out.dtb: Warning (addr_size_cells): Failed prerequisite 'address_cells_is_cell'",
    "out.dtb: Warning (reg_format): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (ranges_format): Failed prerequisite 'addr_size_cells'",
  ]);
  assert.equal(r.messages.length, 24);
  assert.equal(
    r.messages.at(-1)!.text,
    "out.dtb: Warning (unique_unit_address): Failed prerequisite 'avoid_default_addr_size'",
  );
});

Deno.test("runChecks() stops at the first failing ERROR check (dtc's error || run_check)", () => {
  const r = check("/dts-v1/;\n/ { a: n1 { }; a: n2 { x = <&a>; }; m@1 { }; };\n");
  assert.equal(r.failed, true);
  assert.deepEqual(r.messages.map((m) => m.text), [
    "w.dts:2.22-36: ERROR (duplicate_label): /n2: Duplicate label 'a' on /n2 and /n1",
  ]);
});

Deno.test("runChecks() validates explicit phandles", () => {
  const r = check(
    "/dts-v1/;\n/ { a { phandle = <0>; }; b { phandle = <1>; }; c { phandle = <1>; }; };\n",
  );
  assert.deepEqual(r.messages.map((m) => m.text), [
    "w.dts:2.9-23: ERROR (explicit_phandles): /a:phandle: bad value (0x0) in phandle property",
    "w.dts:2.51-70: ERROR (explicit_phandles): /c: duplicated phandle 0x1 (seen before at /b)",
  ]);
});

Deno.test("validateToggles() knows every check in dtc's table", () => {
  assert.equal(CHECK_NAMES.length, 88);
  assert.doesNotThrow(() =>
    validateToggles(CHECK_NAMES.map((n) => ({ kind: "W", arg: "no-" + n })))
  );
  assert.throws(
    () => validateToggles([{ kind: "E", arg: "bogus" }]),
    /Unrecognized check name "bogus"/,
  );
});

Deno.test("runChecks() leaves #address-cells/#size-cells at 0 when addr_size_cells is skipped", () => {
  // A bad #size-cells fails size_cells_is_cell, so the addr_size_cells fixup never runs; dtc's
  // zeroed nodes then show 0 to the graph checks, which do not depend on it.
  const r = check(`/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	bad { #size-cells = <1 2>; };
	ports {
		#address-cells = <1>;
		#size-cells = <0>;
		port@0 {
			reg = <0>;
			ep: endpoint { remote-endpoint = <&ep>; };
		};
	};
};
`);
  assert.deepEqual(r.messages.map((m) => m.text), [
    "w.dts:5.8-28: Warning (size_cells_is_cell): /bad:#size-cells: property is not a single cell",
    "out.dtb: Warning (addr_size_cells): Failed prerequisite 'size_cells_is_cell'",
    "out.dtb: Warning (reg_format): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (ranges_format): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (dma_ranges_format): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (pci_bridge): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (unit_address_format): Failed prerequisite 'pci_bridge'",
    "out.dtb: Warning (simple_bus_bridge): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (unit_address_format): Failed prerequisite 'simple_bus_bridge'",
    "out.dtb: Warning (pci_device_reg): Failed prerequisite 'reg_format'",
    "out.dtb: Warning (pci_device_reg): Failed prerequisite 'pci_bridge'",
    "out.dtb: Warning (pci_device_bus_num): Failed prerequisite 'reg_format'",
    "out.dtb: Warning (pci_device_bus_num): Failed prerequisite 'pci_bridge'",
    "out.dtb: Warning (simple_bus_reg): Failed prerequisite 'reg_format'",
    "out.dtb: Warning (simple_bus_reg): Failed prerequisite 'simple_bus_bridge'",
    "out.dtb: Warning (i2c_bus_bridge): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (i2c_bus_reg): Failed prerequisite 'reg_format'",
    "out.dtb: Warning (i2c_bus_reg): Failed prerequisite 'i2c_bus_bridge'",
    "out.dtb: Warning (spi_bus_bridge): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (spi_bus_reg): Failed prerequisite 'reg_format'",
    "out.dtb: Warning (spi_bus_reg): Failed prerequisite 'spi_bus_bridge'",
    "out.dtb: Warning (avoid_default_addr_size): Failed prerequisite 'addr_size_cells'",
    "out.dtb: Warning (avoid_unnecessary_addr_size): Failed prerequisite 'avoid_default_addr_size'",
    "out.dtb: Warning (unique_unit_address): Failed prerequisite 'avoid_default_addr_size'",
    "w.dts:6.8-13.4: Warning (graph_child_address): /ports: graph node has single child node 'port@0', #address-cells/#size-cells are not necessary",
    "w.dts:9.10-12.5: Warning (graph_child_address): /ports/port@0: graph node has single child node 'endpoint', #address-cells/#size-cells are not necessary",
    "w.dts:9.10-12.5: Warning (graph_port): /ports/port@0: graph node '#address-cells' is 0, must be 1",
  ]);
});

Deno.test("runChecks() stops reporting duplicate pairs in a node after 10000 (dtc: n²/2 lines)", () => {
  const r = check(`/dts-v1/;\n/ {\n${"\ta;\n".repeat(200)}};\n`);
  assert.equal(r.failed, true);
  assert.equal(r.messages.length, 10000);
  assert.match(
    r.messages[0].text,
    /ERROR \(duplicate_property_names\): \/:a: Duplicate property name/,
  );
});
