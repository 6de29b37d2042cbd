#!/usr/bin/env node
/**
 * The `tunebook` command. Each subcommand lives in ./commands/<name>.ts and exports
 * `register(program)`; add one line to COMMANDS to wire a new one.
 */
import { Command, CommanderError } from "commander";
import { TunebookError } from "../study/types.js";
import { VERSION } from "../version.js";
import { escapeTerminal } from "../core/terminal.js";

type Register = (program: Command) => void;

const COMMANDS: Array<() => Promise<{ register: Register }>> = [
  () => import("./commands/load.js"),
  () => import("./commands/export.js"),
  () => import("./commands/review.js"),
  () => import("./commands/analyze.js"),
  () => import("./commands/run.js"),
  () => import("./commands/status.js"),
  () => import("./commands/report.js"),
  () => import("./commands/demo.js"),
  () => import("./commands/kernel.js"),
  () => import("./commands/space.js"),
  () => import("./commands/plot.js"),
  () => import("./commands/algoperf.js"),
];

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command("tunebook")
    .description("The Deep Learning Tuning Playbook, executable.")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

/** Print an error for a person: no stack trace unless TUNEBOOK_DEBUG is set. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof TunebookError) {
    process.stderr.write(`tunebook: ${escapeTerminal(err.message)}\n`);
    return 1;
  }
  const e = err as Error;
  if (e && (e as NodeJS.ErrnoException).code === "EPIPE") return 0;
  process.stderr.write(`tunebook: ${escapeTerminal(e?.message ?? String(err))}\n`);
  if (process.env.TUNEBOOK_DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  return 1;
}

