/**
 * Print the arm64 fault matrix (instruction class × memory type × alignment × the stage the
 * attribute comes from) as run through the CPU port; `--write` updates the golden table
 * tests/fixtures/arm64/fault_matrix.txt that tests/arm64_fault_matrix_test.ts compares with.
 *
 * deno run --allow-write scripts/arm64_fault_matrix.ts [--write]
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import process from "node:process";
import { formatRow, runMatrix } from "../tests/arm64_fault_matrix.ts";

const text = runMatrix().map(formatRow).join("\n") + "\n";
if (process.argv.includes("--write")) {
  writeFileSync(new URL("../tests/fixtures/arm64/fault_matrix.txt", import.meta.url), text);
} else {
  process.stdout.write(text);
}
