/**
 * The one error type of ocits. `code` is stable (tests and callers may match
 * on it), `pointer` names the offending config.json field as a JSON pointer
 * (e.g. "/linux/mounts/3/destination"), and `message` is already the whole
 * "context: cause" chain that the CLI prints as `ocits: <message>`.
 */
export type ErrorCode =
  | 'EINVAL_CONFIG' // config.json does not validate or cannot be honoured
  | 'EBUNDLE' // bundle, config.json or rootfs missing / unreadable
  | 'EUSAGE' // bad command-line usage
  | 'EEXIST' // container id already in use
  | 'ENOTFOUND' // container does not exist
  | 'EFOREIGN' // an entry in --root that ocits did not write (another runtime's, or damaged)
  | 'ESTATE' // operation not allowed in the container's current state
  | 'EINIT' // the init process reported a failure
  | 'ECGROUP' // cgroup setup failed
  | 'ESYS' // a system call failed in the runtime itself
  | 'ENOTSUP'; // not supported (yet) by ocits or by this host

export class OcitsError extends Error {
  readonly code: ErrorCode;
  readonly pointer?: string;
  readonly errno?: number;

  constructor(code: ErrorCode, message: string, opts: { pointer?: string; errno?: number; cause?: unknown } = {}) {
    super(message);
    this.name = 'OcitsError';
    this.code = code;
    if (opts.pointer !== undefined) this.pointer = opts.pointer;
    if (opts.errno !== undefined) this.errno = opts.errno;
    if (opts.cause !== undefined) (this as { cause?: unknown }).cause = opts.cause;
  }

  /** Prefix a context to the chain: "context: cause". */
  wrap(context: string): OcitsError {
    const e = new OcitsError(this.code, `${context}: ${this.message}`, { pointer: this.pointer, errno: this.errno, cause: this });
    return e;
  }
}

/** Wrap any thrown value with a context, keeping an OcitsError's code. */
export function wrapError(err: unknown, context: string, code: ErrorCode = 'ESYS'): OcitsError {
  if (err instanceof OcitsError) return err.wrap(context);
  const msg = err instanceof Error ? err.message : String(err);
  const errno = (err as { errno?: number } | null)?.errno;
  return new OcitsError(code, `${context}: ${msg}`, { errno: typeof errno === 'number' ? Math.abs(errno) : undefined, cause: err });
}

/** How much of one piece of user input a message echoes. */
export const ECHO_MAX = 128;

function echo(s: unknown, max: number, quote: boolean): string {
  const str = String(s);
  let cut = str.length > max ? str.slice(0, max) : str;
  const last = cut.charCodeAt(cut.length - 1);
  if (str.length > max && last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1); // not half a pair
  const special = quote ? /[\u0000-\u001f\u007f-\u009f\u2028\u2029"\\]/g : /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
  const esc = cut.replace(special, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  const text = quote ? `"${esc}${str.length > max ? '...' : ''}"` : `${esc}${str.length > max ? '...' : ''}`;
  return str.length > max ? `${text} (${str.length} characters)` : text;
}

/**
 * One piece of user input (a name, a path, a key) as a message echoes it: on
 * one line (control characters and the Unicode line separators escaped) and
 * at most `max` characters, followed by its length when it was longer. Every
 * warning and error that repeats config or command-line input goes through
 * this (the init's messages through its twin, shown() in addon/init/report.cc).
 */
export function inputText(s: unknown, max = ECHO_MAX): string {
  return echo(s, max, false);
}

/** inputText in double quotes (a double quote or backslash in it escaped). */
export function quoteInput(s: unknown, max = ECHO_MAX): string {
  return echo(s, max, true);
}

/** At most `max` characters of msg: past that its middle is left out, its start (context) and end (cause) kept. */
export function middleCut(msg: string, max = 16384): string {
  if (msg.length <= max) return msg;
  const keep = Math.floor((max - 40) / 2);
  return `${msg.slice(0, keep)} ... (${msg.length - 2 * keep} characters left out) ... ${msg.slice(msg.length - keep)}`;
}

/**
 * The last guard for a line the runtime prints on stderr (an error, a
 * warning): one line (line breaks escaped) and middleCut. Echoed input is
 * already bounded by inputText; this only catches what is not.
 */
export function oneLine(msg: string, max = 16384): string {
  const line = /[\n\r\u2028\u2029]/.test(msg)
    ? msg.replace(/\r\n|[\n\r\u2028\u2029]/g, (c) => (c === '\r\n' || c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
    : msg;
  return middleCut(line, max);
}
