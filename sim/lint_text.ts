/**
 * The terminal report of `dom0sim lint`: one block per finding (severity, rule, node, what, why,
 * fix, evidence), a count line, and the rule table for `--list-rules`. Colour is applied only
 * when the caller asks (the CLI decides from the terminal and `NO_COLOR`).
 *
 * @module
 */

import type { LintReport } from "./lint.ts";
import { LINT_RULES, type Severity } from "./lint_rules.ts";
import { wrap } from "./render_text.ts";

/** ANSI SGR codes used by dom0sim's text reports. */
export const ANSI = {
  red: "31",
  yellow: "33",
  cyan: "36",
  green: "32",
  bold: "1",
  dim: "2",
} as const;

/** Wrap `text` in an ANSI colour when `on`. */
export function paint(text: string, code: string, on: boolean): string {
  return on ? `\x1b[${code}m${text}\x1b[0m` : text;
}

const SEV_COLOR: Record<Severity, string> = {
  error: ANSI.red,
  warning: ANSI.yellow,
  info: ANSI.cyan,
};

/** A severity word, padded and (optionally) coloured. */
export function severityLabel(s: Severity, color: boolean, width = 7): string {
  return paint(s.padEnd(width), SEV_COLOR[s], color);
}

/** Options of {@link renderLintText}. */
export interface LintTextOptions {
  /** Use ANSI colours. */
  color?: boolean;
  /** Hide info-level findings. */
  quiet?: boolean;
}

/** Plural helper: `1 error`, `2 errors`. */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The report as text. */
export function renderLintText(r: LintReport, opts: LintTextOptions = {}): string {
  const color = opts.color ?? false;
  const out: string[] = [];
  out.push(
    paint(`== dom0sim lint: ${r.board} · policy ${r.policies.join(", ")} ==`, ANSI.bold, color),
  );
  const shown = r.findings.filter((f) => !(opts.quiet && f.severity === "info"));
  if (r.findings.length === 0) out.push("No findings.");
  else if (shown.length === 0) out.push("No errors or warnings.");
  for (const f of shown) {
    out.push("");
    out.push(
      `${severityLabel(f.severity, color)} ${f.rule}  ${paint(f.node, ANSI.bold, color)}${
        f.policy ? `  [${f.policy}]` : ""
      }`,
    );
    const block = (label: string, text: string) =>
      wrap(`${label}${text}`, 92).forEach((l) => out.push("        " + l));
    block("", f.message);
    block("why: ", f.why);
    block("fix: ", f.fix);
    if (f.evidence) block("seen: ", f.evidence);
  }
  out.push("");
  const c = r.counts;
  const hidden = opts.quiet && c.info > 0 ? ` (${c.info} info hidden by --quiet)` : "";
  out.push(
    `${count(c.error + c.warning + c.info, "finding")}: ${count(c.error, "error")}, ${
      count(c.warning, "warning")
    }, ${c.info} info${hidden} · ${count(r.boots, "boot")} of the model`,
  );
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join("\n") + "\n";
}

/** The rule table (`dom0sim lint --list-rules`). */
export function renderRulesText(): string {
  const out: string[] = [];
  for (const r of LINT_RULES) {
    out.push(`${r.id}  (${r.severities.join("/")}, ${r.method})`);
    wrap(r.title, 92).forEach((l) => out.push("    " + l));
    wrap(`why: ${r.rationale}`, 92).forEach((l) => out.push("    " + l));
    wrap(`source: ${r.source}`, 92).forEach((l) => out.push("    " + l));
    out.push("");
  }
  return out.join("\n");
}
