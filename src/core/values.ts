/** Values every layer shares: hyperparameter values, records keyed by user strings, repeat identifiers. */

/** A hyperparameter value as loaded. `null` means "not used by this trial" (inactive/conditional). */
export type HpValue = number | string | boolean | null;

/**
 * A record with no prototype, so user keys like `__proto__` or `constructor` are plain data.
 *
 * @example
 * const r = safeRecord<number>(); r["__proto__"] = 1; Object.keys(r); // ["__proto__"]
 */
export function safeRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * Hyperparameter names that identify a repeat rather than a configuration (seeds, run ids): the
 * one rule for "same configuration, different seed" used by the trial-variance analysis, its
 * figure and the Adam budget check.
 *
 * @example
 * SEED_LIKE.test("data_seed"); // true
 * SEED_LIKE.test("learning_rate"); // false
 */
export const SEED_LIKE = /(^|[._/-])(seed|rng|random_state|run|repeat|rep|replicate|study)([._/-]|$)|seed$/i;
