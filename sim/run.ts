/**
 * One boot plus its summary, with the suggested fixes of each fault verified by booting again
 * with the change (a policy, the I/O routine or mapping of the faulting operation, a DT
 * property).
 *
 * @module
 */

import { BUILTIN_WORKLOADS, type Scenario } from "../dom0/workload.ts";
import { createDomU, parseDomUConfig } from "../hyp/domu.ts";
import { bootBoard, type BootBoardOptions, type BootRun } from "./boot.ts";
import { type BootSummary, summarize, type Variation } from "./summary.ts";

/** Options of {@link runBoard}. */
export interface RunOptions extends BootBoardOptions {
  /** Boot again for each suggested fix to check it (default true). */
  verifyFixes?: boolean;
  /**
   * domUs to create once dom0 has booted, as `xl create` would (config format: `hyp/domu.ts`;
   * passthrough regions are mapped Device-nGnRE as Xen does).
   */
  domUs?: { file: string; text: string }[];
}

/** The scenario a workload option stands for (a copy), or null for `boot`. */
function scenarioOf(w: string | Scenario | undefined): Scenario | null {
  if (w === undefined || w === "boot") return null;
  if (typeof w !== "string") return structuredClone(w);
  const b = BUILTIN_WORKLOADS[w];
  return b ? structuredClone(b) : null;
}

/** The boot options for a what-if variation, or null when it cannot be applied. */
export function applyVariation(opts: BootBoardOptions, v: Variation): BootBoardOptions | null {
  switch (v.kind) {
    case "policy":
      return { ...opts, policy: v.policy };
    case "op": {
      const sc = scenarioOf(opts.workload);
      if (!sc || !sc.ops[v.index]) return null;
      (sc.ops[v.index] as unknown as Record<string, unknown>)[v.field] = v.value;
      return { ...opts, workload: sc };
    }
    case "drop-property": {
      const prev = opts.editTree;
      return {
        ...opts,
        editTree: (t) => {
          prev?.(t);
          const n = t.lookup(v.node);
          if (n) n.props = n.props.filter((p) => p.name !== v.property);
        },
      };
    }
  }
}

/** Boot a board and summarize the run. */
export function runBoard(
  file: string,
  bytes: Uint8Array,
  opts: RunOptions = {},
): { run: BootRun; summary: BootSummary } {
  const run = bootBoard(file, bytes, opts);
  const domUs = (opts.domUs ?? []).map((d) => {
    const cfg = parseDomUConfig(d.text, d.file);
    return { file: d.file, name: cfg.name, build: createDomU(run.xen, cfg, d.file) };
  });
  const verify = opts.verifyFixes ?? true;
  const summary = summarize(run, {
    events: run.events,
    domUs,
    rerun: verify
      ? (v) => {
        const o = applyVariation(opts, v);
        if (!o) return null;
        try {
          return bootBoard(file, bytes, o);
        } catch {
          return null;
        }
      }
      : undefined,
  });
  return { run, summary };
}
