/** The one error type users see: its message names the file, line and field, and the CLI prints it without a stack trace. */
import { formatLocation } from "./locations.js";

/**
 * Raised when nothing sensible can be done with the input (a file that cannot be read, an unknown
 * analysis or option). The message starts with the location, so it can be printed as is.
 *
 * @example
 * new TunebookError("not a number", "trials.csv", 3, "lr").message; // 'trials.csv:3: field "lr": not a number'
 */
export class TunebookError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(formatLocation({ file, line, field }) + message);
    this.name = "TunebookError";
  }
}
