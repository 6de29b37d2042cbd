/**
 * Turn a notebook cell with magics into plain TypeScript for tslab.
 *
 * Every magic line becomes exactly one line of generated code (and a `%%` cell magic's body
 * becomes blank lines), so line numbers in compiler errors still point at the user's lines.
 * Arguments are tokenized here, but `$name` and `{expression}` are *not* substituted: they
 * become code that tslab compiles and evaluates in the cell's own scope.
 */

/** The global object the generated code calls into (no `__` prefix: tslab trips on those). */
export const RUNTIME = "tunebook$k";
const CALL = `Reflect.get(globalThis, "${RUNTIME}")`;

/** One piece of a magic argument: literal text or a TypeScript expression. */
export type ArgPart = { text: string } | { expr: string };

/** A shell-like token of a magic line. `quoted` tokens are never treated as `as NAME`. */
export interface ArgToken {
  parts: ArgPart[];
  quoted: boolean;
}

/** A magic found in a cell. */
export interface MagicCall {
  kind: "line" | "cell";
  name: string;
  /** 1-based line of the magic in the cell. */
  line: number;
  /** `%name?`: show help instead of running. */
  help: boolean;
  args: ArgToken[];
  /** `as NAME` binding (removed from `args`). */
  bind?: string;
  /** Cell magics: the text after the first line. */
  body?: string;
}

/** Result of preprocessing a cell. */
export interface Preprocessed {
  code: string;
  magics: MagicCall[];
  /** Same length per line as the input, magic lines blanked: for completion and inspection offsets. */
  masked: string;
}

/** Per-magic typing of an `as NAME` binding (a type expression over `import("tunebook")`). */
export type BindTypes = Record<string, string>;

const LINE_MAGIC = /^(\s*)%([A-Za-z_][\w-]*)(\?{1,2})?(?=\s|$)(.*)$/;
const CELL_MAGIC = /^\s*%%([A-Za-z_][\w-]*)(\?{1,2})?(?=\s|$)(.*)$/;
const IDENT = /^[A-Za-z_$][\w$]*$/;

/** True when the line is a line magic (`%name ...`), so tools can skip it. */
export function isMagicLine(line: string): boolean {
  return LINE_MAGIC.test(line) && !/^\s*%%/.test(line);
}

/**
 * Rewrite a cell: magics → calls into the kernel runtime, everything else unchanged.
 *
 * @example
 * preprocessCell("%load runs/ as s\nconst n = s.size").code;
 * // 'let s = (await (globalThis as any).tunebook$k.run("load", ["runs/"], 1)) as …;\nconst n = s.size'
 */
export function preprocessCell(
  src: string,
  /** `defaultBind`: variable a magic's result goes to without `as NAME` (keys `name` for line, `%%name` for cell magics). */
  options: { bindTypes?: BindTypes; defaultBind?: Record<string, string> } = {},
): Preprocessed {
  const lines = src.split("\n");
  const magics: MagicCall[] = [];
  const out: string[] = [];
  const masked: string[] = [];
  const bindTypes = options.bindTypes ?? {};
  const defaults = options.defaultBind ?? {};

  const cell = lines.length ? CELL_MAGIC.exec(lines[0]!) : null;
  if (cell) {
    const [, name, q, rest] = cell;
    const args = tokenize(rest!);
    const call: MagicCall = { kind: "cell", name: name!, line: 1, help: !!q, args, body: lines.slice(1).join("\n") };
    // `%%space NAME` (or `%%space as NAME`): a bare identifier as the first argument names the variable.
    takeBinding(call);
    const first = call.args[0];
    const firstText = first ? literal(first) : undefined;
    if (!call.bind && firstText && IDENT.test(firstText)) {
      call.bind = firstText;
      call.args = call.args.slice(1);
    }
    call.bind ??= defaults[`%%${name}`];
    magics.push(call);
    out.push(call.help ? helpCall(call) : bindLine(call, `${CALL}.cell(${JSON.stringify(name)}, ${argArray(call.args)}, ${JSON.stringify(call.body)}, 1${bindArg(call)})`, bindTypes));
    masked.push(" ".repeat(lines[0]!.length));
    for (const l of lines.slice(1)) {
      out.push("");
      masked.push(" ".repeat(l.length));
    }
    return { code: out.join("\n"), magics, masked: masked.join("\n") };
  }

  lines.forEach((line, i) => {
    const m = LINE_MAGIC.exec(line);
    if (!m || /^\s*%%/.test(line)) {
      out.push(line);
      masked.push(line);
      return;
    }
    const [, indent, name, q, rest] = m;
    const call: MagicCall = { kind: "line", name: name!, line: i + 1, help: !!q, args: tokenize(rest!) };
    takeBinding(call);
    call.bind ??= defaults[name!];
    magics.push(call);
    masked.push(" ".repeat(line.length));
    out.push(indent + (call.help ? helpCall(call) : bindLine(call, `${CALL}.run(${JSON.stringify(name)}, ${argArray(call.args)}, ${i + 1}${bindArg(call)})`, bindTypes)));
  });
  return { code: out.join("\n"), magics, masked: masked.join("\n") };
}

function helpCall(call: MagicCall): string {
  return `${CALL}.help(${JSON.stringify(call.name)});`;
}

const bindArg = (call: MagicCall) => (call.bind ? `, ${JSON.stringify(call.bind)}` : "");

function bindLine(call: MagicCall, expr: string, types: BindTypes): string {
  const value = `(await ${expr})`;
  if (!call.bind) return `await ${expr};`;
  const type = types[call.name];
  return `let ${call.bind} = ${value}${type ? ` as ${type}` : ""};`;
}

/** Remove a trailing-or-middle `as NAME` (unquoted) from the arguments into `bind`. */
function takeBinding(call: MagicCall): void {
  for (let i = 0; i + 1 < call.args.length; i++) {
    const a = literal(call.args[i]!);
    const b = literal(call.args[i + 1]!);
    if (a === "as" && b !== undefined && IDENT.test(b)) {
      call.bind = b;
      call.args.splice(i, 2);
      return;
    }
  }
}

function literal(t: ArgToken): string | undefined {
  if (t.quoted || t.parts.length !== 1) return undefined;
  const p = t.parts[0]!;
  return "text" in p ? p.text : undefined;
}

/** The tokens as a TypeScript array expression (expressions are evaluated in the cell). */
export function argArray(tokens: ArgToken[]): string {
  return `[${tokens.map(tokenExpr).join(", ")}]`;
}

function tokenExpr(t: ArgToken): string {
  if (t.parts.length === 0) return '""';
  if (t.parts.length === 1) {
    const p = t.parts[0]!;
    return "text" in p ? JSON.stringify(p.text) : `(${p.expr})`;
  }
  return t.parts.map((p) => ("text" in p ? JSON.stringify(p.text) : `String(${p.expr})`)).join(" + ");
}

/**
 * Split magic arguments like a shell: whitespace separates, quotes group, backslash escapes.
 * Outside single quotes, `$name` (or `$a.b`) and `{expression}` become expression parts.
 *
 * @example
 * tokenize(`runs/$dir --budgets {[1, 2]} 'a b'`);
 * // [{parts:[{text:"runs/"},{expr:"dir"}]}, {parts:[{text:"--budgets"}]}, {parts:[{expr:"[1, 2]"}]}, {parts:[{text:"a b"}], quoted:true}]
 */
export function tokenize(s: string): ArgToken[] {
  const tokens: ArgToken[] = [];
  let cur: ArgToken | null = null;
  const push = (p: ArgPart) => {
    cur ??= { parts: [], quoted: false };
    const last = cur.parts[cur.parts.length - 1];
    if ("text" in p && last && "text" in last) last.text += p.text;
    else cur.parts.push(p);
  };
  let i = 0;
  let quote: '"' | "'" | null = null;
  while (i < s.length) {
    const c = s[i]!;
    if (!quote && /\s/.test(c)) {
      if (cur) tokens.push(cur);
      cur = null;
      i++;
      continue;
    }
    if (c === "\\" && i + 1 < s.length && quote !== "'") {
      push({ text: s[i + 1]! });
      i += 2;
      continue;
    }
    if ((c === '"' || c === "'") && (!quote || quote === c)) {
      cur ??= { parts: [], quoted: false };
      cur.quoted = true;
      quote = quote ? null : c;
      i++;
      continue;
    }
    if (quote !== "'" && c === "$") {
      const m = /^\$([A-Za-z_][\w$]*(?:\.[A-Za-z_$][\w$]*)*)/.exec(s.slice(i));
      if (m) {
        push({ expr: m[1]! });
        i += m[0].length;
        continue;
      }
    }
    if (quote !== "'" && c === "{") {
      const end = matchBrace(s, i);
      if (end > i) {
        push({ expr: s.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    push({ text: c });
    i++;
  }
  if (cur) tokens.push(cur);
  return tokens;
}

/** Index of the `}` closing the `{` at `start` (skipping strings), or -1. */
function matchBrace(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'" || c === "`") {
      const q = c;
      for (i++; i < s.length && s[i] !== q; i++) if (s[i] === "\\") i++;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}
