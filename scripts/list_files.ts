/**
 * The scripts' directory walk: every file below a directory whose name matches, sorted.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Every file below `dir` (recursively) whose name matches `re`, as paths under `dir`, sorted. */
export function listFiles(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (re.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}
