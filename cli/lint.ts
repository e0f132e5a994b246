/**
 * `dom0sim lint BOARD`: findings about a board for Xen on Arm (severity, node, rule, why, fix),
 * from the tree and from boots of the model under the selected policies.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { InputError } from "../errors.ts";
import { checkDefines } from "./options.ts";
import { lintBoard, parsePolicyList } from "../sim/lint.ts";
import { renderLintText, renderRulesText } from "../sim/lint_text.ts";
import { EXIT_OK, readFileOrUndefined, readInput, useColor, writeStdout } from "./io.ts";

/** The help text. */
export const LINT_HELP = `Usage: dom0sim lint BOARD.(dts|dtb) [options]

Check a board for Xen on Arm: findings with a severity, the node, the rule, why it matters and
the fix. Rules that need only the tree (overlapping reg, reg outside the parent's ranges,
regions above the IPA size, xen,passthrough without iommus) run on the address map; the others
boot the board on the model (Xen 4.17 builds dom0 under each policy, dom0's raw driver maps the
memory-like nodes): SRAM that is Device memory for a memcpy/memset driver, sub-page regions
whose 4 KiB page exposes a neighbour, nodes hidden for PPIs, devices Xen keeps.

Options:
  --policy LIST         policies to evaluate, comma-separated, or 'all' (default xen-4.17);
                        see 'dom0sim boot --list-policies'
  -I, --include DIR     include directory for #include in DTS boards (repeatable; searched
                        before the built-in dt-bindings headers)
  -D, --define N[=V]    preprocessor definition (repeatable)
  --json                print one JSON object (findings, counts, policies) instead of text
  -q, --quiet           hide info-level findings in the text report
  --list-rules          list the rules (id, severities, rationale, source) and exit
  -h, --help            this text

Exit status: 0 no error-level finding; 1 an error-level finding; 2 bad input.
Rules: docs/LINT.md.

Examples:
  dom0sim lint boards/a64-sram.dts
  dom0sim lint boards/zynqmp-ocm.dts --policy all
  dom0sim lint boards/qemu-virt-sram.dts --policy xen-4.7,xen-4.17 --json
`;

/** Run `lint`. */
export function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: "string" },
      include: { type: "string", short: "I", multiple: true },
      define: { type: "string", short: "D", multiple: true },
      json: { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      "list-rules": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    writeStdout(LINT_HELP);
    return Promise.resolve(EXIT_OK);
  }
  if (values["list-rules"]) {
    writeStdout(renderRulesText());
    return Promise.resolve(EXIT_OK);
  }
  if (positionals.length !== 1) {
    throw new InputError(
      "",
      "expected one board file (BOARD.dts or BOARD.dtb); see 'dom0sim lint --help'",
    );
  }
  if (values.policy === "") {
    throw new InputError("--policy", "expected a policy name, a comma-separated list, or all");
  }
  const policies = parsePolicyList(values.policy);
  checkDefines(values.define);
  const board = positionals[0];
  const bytes = readInput(board);
  const report = lintBoard(board, bytes, {
    policies,
    includeDirs: values.include ?? [],
    defines: values.define ?? [],
    readFile: readFileOrUndefined,
  });
  if (values.json) writeStdout(JSON.stringify(report, null, 2) + "\n");
  else writeStdout(renderLintText(report, { color: useColor(1), quiet: values.quiet }));
  return Promise.resolve(report.exitCode);
}
