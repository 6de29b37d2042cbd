/**
 * Trial claims: how runners sharing one study folder (on one machine, or many over NFS) split the
 * work so that no trial runs twice.
 *
 * ```
 * <dir>/claims/000003.1.json   attempt 1 at trial 3: {owner, host, pid, attempt, claimedAt, leaseSeconds}
 * <dir>/claims/000003.2.json   attempt 2: a takeover of attempt 1 after its owner died
 * ```
 * - A claim is created whole and exclusively: written to a temporary file, then hard-linked to its
 *   name (link fails if the name exists — atomic on local filesystems and on NFS, unlike O_EXCL on
 *   old NFS clients). Of two runners racing for one attempt, exactly one wins.
 * - The owner refreshes the claim's mtime every lease/4 seconds (the heartbeat).
 * - A claim is **stale** when its owner is on this host and its pid is gone, or when its heartbeat
 *   is older than its lease (an owner on another host, or one that hangs). Only `--resume` takes
 *   over a stale claim, by creating the next attempt; the highest attempt is the live one.
 * - An owner that finds a newer attempt than its own has lost the trial (it was presumed dead): it
 *   stops the trainer and discards its result.
 * - A finished trial's record is written before its claim is removed, and a new claim re-reads the
 *   record, so a trial finished by one runner is never restarted by another.
 */
import { linkSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export interface ClaimInfo {
  owner: string;
  host: string;
  pid: number;
  attempt: number;
  claimedAt: string;
  leaseSeconds: number;
}

export interface ClaimState extends ClaimInfo {
  /** Seconds since the last heartbeat. */
  age: number;
  stale: boolean;
  /** Why it is stale, for messages. */
  reason?: string;
}

/** Default lease: a claim whose owner has not beaten for this long is presumed dead. */
export const DEFAULT_LEASE_SECONDS = 60;

const stem = (index: number): string => String(index).padStart(6, "0");

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class Claims {
  readonly owner: string;
  readonly host = hostname();
  readonly dir: string;

  constructor(
    studyDir: string,
    readonly leaseSeconds = DEFAULT_LEASE_SECONDS,
  ) {
    this.dir = join(studyDir, "claims");
    this.owner = `${this.host}:${process.pid}:${randomBytes(4).toString("hex")}`;
  }

  path(index: number, attempt: number): string {
    return join(this.dir, `${stem(index)}.${attempt}.json`);
  }

  /** The highest attempt of every claimed trial (one directory listing). */
  scan(): Map<number, number> {
    const out = new Map<number, number>();
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return out;
    }
    for (const f of names) {
      const m = /^(\d+)\.(\d+)\.json$/.exec(f);
      if (!m) continue;
      const i = Number(m[1]);
      const a = Number(m[2]);
      if (a > (out.get(i) ?? 0)) out.set(i, a);
    }
    return out;
  }

  /** The current attempt of trial `index`, starting the search at `from` (0 = none). */
  latest(index: number, from = 0): number {
    let a = from;
    // Attempts only grow, and a takeover makes a+1: probing upward finds the newest.
    while (this.exists(index, a + 1)) a++;
    if (a === from && from > 0 && !this.exists(index, from)) {
      // Removed (finished or released): look below too, a lower attempt may still be listed.
      a = 0;
      for (const [i, at] of this.scan()) if (i === index) a = at;
    }
    return a;
  }

  private exists(index: number, attempt: number): boolean {
    try {
      statSync(this.path(index, attempt));
      return true;
    } catch {
      return false;
    }
  }

  /** Read one claim with its staleness, or undefined when it does not exist. */
  read(index: number, attempt: number): ClaimState | undefined {
    const p = this.path(index, attempt);
    let st;
    let info: ClaimInfo;
    try {
      st = statSync(p);
      info = JSON.parse(readFileSync(p, "utf8")) as ClaimInfo;
    } catch {
      return undefined;
    }
    const age = Math.max(0, (Date.now() - st.mtimeMs) / 1000);
    const lease = typeof info.leaseSeconds === "number" && info.leaseSeconds > 0 ? info.leaseSeconds : DEFAULT_LEASE_SECONDS;
    let reason: string | undefined;
    if (info.host === this.host && typeof info.pid === "number" && !pidAlive(info.pid)) reason = `its runner (pid ${info.pid} on ${info.host}) is gone`;
    else if (age > lease) reason = `its runner (pid ${info.pid} on ${info.host}) has not renewed it for ${Math.round(age)} s (lease ${lease} s)`;
    return { ...info, age, stale: reason !== undefined, reason };
  }

  /** Try to create attempt `attempt` of trial `index`; false when another runner got it first. */
  tryClaim(index: number, attempt: number): boolean {
    mkdirSync(this.dir, { recursive: true });
    const info: ClaimInfo = { owner: this.owner, host: this.host, pid: process.pid, attempt, claimedAt: new Date().toISOString(), leaseSeconds: this.leaseSeconds };
    const tmp = join(this.dir, `.${stem(index)}.${attempt}.${randomBytes(6).toString("hex")}.tmp`);
    writeFileSync(tmp, JSON.stringify(info) + "\n");
    try {
      linkSync(tmp, this.path(index, attempt));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    } finally {
      try {
        unlinkSync(tmp);
      } catch {
        /* gone */
      }
    }
  }

  /** Refresh the heartbeat of a claim this runner holds. */
  beat(index: number, attempt: number): void {
    const now = new Date();
    try {
      utimesSync(this.path(index, attempt), now, now);
    } catch {
      /* a removed claim is noticed by lost() */
    }
  }

  /** Has another runner taken trial `index` over from our `attempt`? */
  lost(index: number, attempt: number): boolean {
    return this.exists(index, attempt + 1);
  }

  /** Remove our claim (the trial finished, or was interrupted and left for --resume). */
  release(index: number, attempt: number): void {
    // Older attempts are stale by construction: clean them too.
    for (let a = attempt; a >= 1; a--) {
      try {
        unlinkSync(this.path(index, a));
      } catch {
        /* already gone */
      }
    }
  }
}
