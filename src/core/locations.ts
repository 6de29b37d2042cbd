/** Where something in the user's input is: the file, the 1-based line (or record index) and the field. */
export interface Location {
  file?: string;
  /** 1-based line (text formats) or record index (binary formats). */
  line?: number;
  field?: string;
}

/**
 * The `file:line: field "x": ` prefix every error and warning starts with.
 *
 * @example
 * formatLocation({ file: "trials.csv", line: 3, field: "lr" }); // 'trials.csv:3: field "lr": '
 */
export function formatLocation(loc: Location): string {
  let s = "";
  if (loc.file) s += loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (s) s += ": ";
  if (loc.field) s += `field "${loc.field}": `;
  return s;
}
