/**
 * `dom0sim lint`: findings about a board for Xen on Arm, each with a severity, the node, the
 * rule, why it matters and the fix. Rules that need only the tree run on the address map
 * (`lint_address.ts`); the others boot the board on the real model — Xen 4.17 builds dom0 under
 * each selected policy and dom0's raw driver maps the memory-like nodes — and read the result
 * (`lint_xen.ts`). Rules are documented in `lint_rules.ts` and `docs/LINT.md`.
 *
 * @module
 */

import { loadDeviceTree } from "../dt/compile.ts";
import { InputError } from "../errors.ts";
import { CORTEX_A57_FEATURES } from "../hyp/machine.ts";
import { setupVirtPaging } from "../hyp/p2m.ts";
import { DEFAULT_POLICY, findPolicy, POLICIES } from "../hyp/policy.ts";
import { VERSION } from "../version.ts";
import { bootBoard, type BootBoardOptions, type BootRun } from "./boot.ts";
import {
  addressMap,
  ipaFindings,
  type MapRegion,
  overlapFindings,
  passthroughFindings,
} from "./lint_address.ts";
import type { Finding } from "./lint_finding.ts";
import { LINT_RULES, SEVERITIES, type Severity } from "./lint_rules.ts";
import {
  confirmScenario,
  driverView,
  faultEvidence,
  keptFindings,
  mapScenario,
  memoryLikeNodes,
  ppiFindings,
  sramDeviceFinding,
  sramPoolFinding,
  subpageFindings,
} from "./lint_xen.ts";
import { type BootSummary, summarize } from "./summary.ts";

export type { Finding } from "./lint_finding.ts";

/** Options of {@link lintBoard}. */
export interface LintOptions {
  /** Policies to evaluate (default: the default policy). */
  policies?: string[];
  /** Include directories for DTS sources. */
  includeDirs?: string[];
  /** cpp definitions. */
  defines?: string[];
  /** Reads included files. */
  readFile?: (path: string) => Uint8Array | undefined;
}

/** The result of linting one board (the `--json` object, schema 1). */
export interface LintReport {
  /** Schema version of this object. */
  schema: 1;
  /** Tool name. */
  tool: "dom0sim";
  /** dom0sim version. */
  version: string;
  /** The board file. */
  board: string;
  /** The policies evaluated. */
  policies: string[];
  /** Findings, worst first. */
  findings: Finding[];
  /** How many findings of each severity. */
  counts: Record<Severity, number>;
  /** 1 when an error-level finding exists, else 0. */
  exitCode: 0 | 1;
  /** Boots of the model the lint ran. */
  boots: number;
  /** What was skipped and why. */
  notes: string[];
}

/** Expand a `--policy` value: names separated by commas, or `all`. */
export function parsePolicyList(arg: string | undefined): string[] {
  if (arg === undefined || arg === "") return [DEFAULT_POLICY];
  const names = arg === "all" ? POLICIES.map((p) => p.name) : arg.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!findPolicy(n)) {
      throw new InputError(
        "--policy",
        `unknown policy '${n}'; expected one of ${POLICIES.map((p) => p.name).join(", ")} or all`,
      );
    }
  }
  return [...new Set(names)];
}

/** ID_AA64MMFR0_EL1.PARange 0b0101: 48 bits (ARM ARM D19.2.64). */
const PARANGE_48 = 5;

const RULE_ORDER = new Map(LINT_RULES.map((r, i) => [r.id, i]));

/** Sort findings: severity, then rule order, then node path, then policy (in `policies` order). */
export function sortFindings(fs: Finding[], policies: string[] = []): Finding[] {
  const pol = (f: Finding) => (f.policy === undefined ? -1 : policies.indexOf(f.policy));
  return fs.sort((a, b) =>
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    (RULE_ORDER.get(a.rule)! - RULE_ORDER.get(b.rule)!) ||
    (a.node < b.node ? -1 : a.node > b.node ? 1 : 0) ||
    pol(a) - pol(b)
  );
}

/**
 * Lint a board.
 *
 * @throws {InputError} when the board cannot be read or compiled (bad input, exit 2); a board
 * Xen refuses is a `xen-boot` finding instead.
 */
export function lintBoard(file: string, bytes: Uint8Array, opts: LintOptions = {}): LintReport {
  const policies = opts.policies && opts.policies.length > 0 ? opts.policies : [DEFAULT_POLICY];
  for (const p of policies) parsePolicyList(p);
  const { tree } = loadDeviceTree(file, bytes, {
    readFile: opts.readFile,
    includeDirs: opts.includeDirs,
    defines: opts.defines,
  });
  const map = addressMap(tree);
  const findings: Finding[] = [...map.findings, ...overlapFindings(map)];
  const notes: string[] = [];
  let boots = 0;
  const base: BootBoardOptions = {
    includeDirs: opts.includeDirs,
    defines: opts.defines,
    readFile: opts.readFile,
  };
  const boot = (policy: string, workload: BootBoardOptions["workload"]) => {
    boots++;
    const run = bootBoard(file, bytes, { ...base, policy, workload });
    return { run, summary: summarize(run, { events: run.events }) };
  };

  const mem = memoryLikeNodes(map);
  // The geometry of a boot that succeeds replaces this estimate (the same rule as the machine
  // sim/machine.ts builds: a Cortex-A57's 44-bit PARange, 48 bits when the board decodes higher).
  const top = map.regions.reduce((m, r) => (r.end > m ? r.end : m), 0n);
  let geo = setupVirtPaging(
    top > 1n << 44n ? PARANGE_48 : CORTEX_A57_FEATURES.paRange,
    CORTEX_A57_FEATURES.vmid16,
  );
  let iommu = [...tree.root.walk()].some((n) => n.has("#iommu-cells"));
  let bootError: string | null = null;

  policies.forEach((policy, pi) => {
    // Round 1 maps every memory-like node; nodes whose operation was skipped (the process died
    // on an earlier node) are mapped again in a further boot.
    let pending: MapRegion[] = mem;
    const views = new Map<string, { run: BootRun; summary: BootSummary }>();
    let first: { run: BootRun; summary: BootSummary } | null = null;
    while (first === null || pending.length > 0) {
      let r: { run: BootRun; summary: BootSummary };
      try {
        r = boot(policy, pending.length > 0 ? mapScenario(pending.map((m) => m.path)) : "boot");
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        if (bootError !== e.line()) {
          bootError = e.line();
          findings.push({
            rule: "xen-boot",
            severity: "error",
            node: "/",
            policy,
            message: `the Xen model refuses the board: ${e.detail}`,
            why: "Xen panics while building dom0, so nothing boots; model-based rules were skipped",
            fix: "fix the error Xen reports (other findings may point at the cause)",
          });
        }
        notes.push(`${policy}: model-based rules skipped (Xen does not boot the board)`);
        return;
      }
      first ??= r;
      const ops = r.run.dom0.workload?.ops ?? [];
      const next: MapRegion[] = [];
      pending.forEach((m, i) => {
        if (ops[i]?.skipped) next.push(m);
        else views.set(m.path, r);
      });
      if (next.length === pending.length) break;
      pending = next;
    }
    const { run } = first!;
    if (pi === 0) {
      geo = run.xen.core.geo;
      iommu = run.xen.core.host.iommuEnabled;
      findings.push(...keptFindings(run), ...ppiFindings(run), ...subpageFindings(run, map));
    }
    for (const m of mem) {
      const r = views.get(m.path);
      if (!r) continue;
      const view = driverView(r.run, r.summary, m.path, "raw-sram");
      if (view && view.effective.startsWith("Device")) {
        const size = Number(m.end - m.start);
        let evidence: string | null = null;
        for (const kind of ["memset", "memcpy"] as const) {
          try {
            evidence = faultEvidence(boot(policy, confirmScenario(m.path, size, kind)).summary);
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
          }
          if (evidence) {
            evidence = `${kind} on the raw driver's mapping: ${evidence}`;
            break;
          }
        }
        findings.push(sramDeviceFinding(m, policy, view, evidence));
      }
      if (pi === 0) {
        const sv = driverView(r.run, r.summary, m.path, "sram");
        const f = sv ? sramPoolFinding(m, sv, tree.root) : null;
        if (f) findings.push(f);
      }
    }
  });
  findings.push(...ipaFindings(map, geo.ipaBits, geo.paBits));
  findings.push(...passthroughFindings(tree, iommu));
  if (mem.length === 0) notes.push("no memory-like nodes (mmio-sram, *-sram, *,ocm*, shmem)");
  sortFindings(findings, policies);
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    schema: 1,
    tool: "dom0sim",
    version: VERSION,
    board: file,
    policies,
    findings,
    counts,
    exitCode: counts.error > 0 ? 1 : 0,
    boots,
    notes,
  };
}
