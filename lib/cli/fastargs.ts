/**
 * The fast path of argument parsing. yargs defines ocits' command line (help,
 * usage errors, every unusual form), but loading and running it costs about
 * ten milliseconds, a sixth of a whole `ocits run`. Callers like containerd
 * and Podman always use plain forms, so those are parsed here, from the very
 * same flag tables; anything this parser is not sure about (an unknown or
 * repeated flag, --help, a missing argument, a bad choice) is left to yargs.
 */
import type { Cmd, Flag } from './common';

export interface FastResult {
  cmd: Cmd<never>;
  args: Record<string, unknown>;
}

/** "kill <container-id> [signal]" -> required and optional positional names. */
function positionals(command: string): { required: string[]; optional: string[] } {
  const required: string[] = [];
  const optional: string[] = [];
  for (const w of command.split(' ').slice(1)) {
    if (w.startsWith('<')) required.push(w.slice(1, -1));
    else if (w.startsWith('[')) optional.push(w.slice(1, -1));
  }
  return { required, optional };
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function fastParse(argv: readonly string[], globals: Readonly<Record<string, Flag>>, commands: readonly Cmd<never>[]): FastResult | undefined {
  // The subcommand is the first word that is not a global flag or its value.
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) break;
    const spec = Object.hasOwn(globals, a.slice(2)) ? globals[a.slice(2)] : undefined;
    if (!a.startsWith('--') || !spec) return undefined;
    if (spec.type !== 'boolean') i++;
  }
  const name = argv[i];
  const cmd = commands.find((c) => c.command.split(' ')[0] === name || c.aliases?.includes(name));
  if (!cmd) return undefined;
  const table: Record<string, Flag> = { ...globals, ...cmd.flags };
  const byAlias = new Map<string, string>();
  for (const [k, f] of Object.entries(table)) if (f.alias) byAlias.set(f.alias, k);

  const args: Record<string, unknown> = { _: [name], $0: 'ocits' };
  const words: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    if (k === i) continue;
    const a = argv[k];
    if (a === '--' || a === '-') return undefined;
    if (!a.startsWith('-')) {
      words.push(a);
      continue;
    }
    let key: string | undefined;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) value = a.slice(eq + 1);
    } else if (a.length === 2) {
      key = byAlias.get(a[1]);
    }
    const spec = key === undefined || !Object.hasOwn(table, key) ? undefined : table[key];
    if (!key || !spec || (key in args && !spec.array)) return undefined;
    if (spec.type === 'boolean') {
      if (value !== undefined || spec.array) return undefined;
      args[key] = true;
      continue;
    }
    if (value === undefined) {
      if (k + 1 >= argv.length) return undefined;
      value = argv[++k];
    }
    if (spec.choices && !spec.choices.includes(value)) return undefined;
    let v: string | number = value;
    if (spec.type === 'number') {
      if (!/^\d+$/.test(value)) return undefined;
      v = Number(value);
    }
    if (spec.array) ((args[key] ??= []) as unknown[]).push(v);
    else args[key] = v;
  }
  const { required, optional } = positionals(cmd.command);
  if (words.length < required.length || words.length > required.length + optional.length) return undefined;
  [...required, ...optional].forEach((p, n) => {
    if (n < words.length) args[p] = words[n];
  });
  for (const [k, f] of Object.entries(table)) if (!(k in args) && f.default !== undefined) args[k] = f.default;
  for (const k of Object.keys(args)) if (k.includes('-')) args[camel(k)] = args[k];
  return { cmd, args };
}
