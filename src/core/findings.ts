/** A conclusion a person can act on (DESIGN.md). Every analysis returns a list of these. */
export type Severity = "info" | "warn" | "error";

export interface Finding {
  severity: Severity;
  /** Stable dotted code, e.g. `boundary.near_upper`. */
  code: string;
  /** One or two sentences, in the playbook's words, saying what to do. */
  message: string;
  /** The numbers behind the message (steps, values, trial ids, thresholds). */
  evidence: Record<string, unknown>;
}

const ORDER: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

/**
 * Sort findings most severe first, then by code (stable, deterministic).
 *
 * @example
 * sortFindings([finding("info", "b", ""), finding("warn", "a", "")]).map((f) => f.code); // ["a", "b"]
 */
export function sortFindings<F extends Finding>(findings: readonly F[]): F[] {
  return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.code.localeCompare(b.code));
}

/**
 * Build a finding.
 *
 * @example
 * finding("warn", "boundary.near_upper", "Expand learning_rate upward.", { param: "learning_rate" });
 */
export function finding(severity: Severity, code: string, message: string, evidence: Record<string, unknown> = {}): Finding {
  return { severity, code, message, evidence };
}
