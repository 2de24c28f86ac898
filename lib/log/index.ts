/**
 * runc-compatible logging (`--log FILE`, `--log-format text|json`, `--debug`).
 *
 * What runc 1.1.5 does (checked by running it) and what this module does:
 *
 * - JSON lines are logrus' JSONFormatter without caller info:
 *     {"level":"error","msg":"container does not exist","time":"2026-11-23T12:53:27Z"}
 *   exactly these three keys in this (alphabetical, Go map) order, levels lowercase
 *   (debug, info, warning, error), time RFC3339 with seconds in local time ("Z" when
 *   the offset is zero, else "+hh:mm"). Strings are escaped the way Go's
 *   encoding/json does (<, >, & and U+2028/2029 as \u00xx/\u20xx, control bytes as
 *   \u00xx). With --debug runc adds "file" and "func" keys; ocits never does.
 * - Text lines are logrus' TextFormatter for a non-terminal:
 *     time="2026-11-23T12:53:27Z" level=error msg="container does not exist"
 *   a value is quoted with Go's %q only when it holds a character outside
 *   [A-Za-z0-9-._/@^+]. (logrus prints a coloured "ERRO[0000] ..." form when the
 *   output is a terminal; ocits always uses the plain form.)
 * - The file is opened O_WRONLY|O_APPEND|O_CREAT, mode 0644, when the log is
 *   configured (runc creates it even when the command logs nothing, e.g. a
 *   successful `runc --log f list` leaves an empty f; we match that). runc adds
 *   O_SYNC; ocits does not (every line is written with one synchronous write(2),
 *   which is what a caller reading the file after we exit needs). Node opens with
 *   O_CLOEXEC, so the fd never leaks into a container.
 * - Level threshold: runc's logrus default is "info" (debug with --debug). ocits
 *   keeps "info" for a log file, but on stderr (no --log) prints debug/info only
 *   with --debug: stderr is often the container's or conmon's channel.
 * - fatal(): runc writes the error line to the log and, when the log is a file,
 *   also prints the bare message to stderr. ocits writes the line to the log file
 *   (if any) and always prints exactly one line `ocits: <message>` to stderr (the
 *   project convention); without --log it does not print the logrus line as well.
 *   fatal() does not exit: the caller sets the exit code.
 *
 * - Every message is bounded (middleCut in lib/errors.ts: the middle of an
 *   over-long one is left out, its context and cause kept), and the stderr
 *   line of fatal() is one line (oneLine; the log formats escape line breaks).
 *
 * Load cost: node:fs only (plus the tiny error type).
 */
import * as fs from 'node:fs';
import { middleCut, OcitsError, oneLine } from '../errors';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'text' | 'json';

export interface LogConfig {
  /** --log FILE; undefined or "" means stderr. */
  file?: string;
  /** --log-format; default text. */
  format?: LogFormat;
  /** --debug */
  debug?: boolean;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

interface State {
  fd: number; // 2 for stderr
  file?: string;
  format: LogFormat;
  debug: boolean;
  threshold: number;
}

function defaults(): State {
  return { fd: 2, format: 'text', debug: false, threshold: RANK.warning };
}

let state: State = defaults();

/** Go-like "open FILE: reason" from a Node fs error. */
function syscallReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(msg);
  return m ? m[1] : msg;
}

/**
 * Configure the logger. Opens (creating, appending) the log file at once, like
 * runc. Calling it again closes the previous file. Throws OcitsError('ESYS',
 * "open FILE: reason") when the file cannot be opened; the logger then writes
 * to stderr.
 */
export function configureLog(cfg: LogConfig = {}): void {
  closeLog();
  const format: LogFormat = cfg.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new OcitsError('EUSAGE', `invalid log-format: ${String(format)}`);
  }
  const debug = !!cfg.debug;
  const next: State = { fd: 2, format, debug, threshold: debug ? RANK.debug : RANK.warning };
  if (cfg.file) {
    try {
      next.fd = fs.openSync(cfg.file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
    } catch (err) {
      state = next; // keep the format so the CLI's fatal() still goes to stderr
      const errno = (err as { errno?: number }).errno;
      throw new OcitsError('ESYS', `open ${cfg.file}: ${syscallReason(err)}`, {
        errno: typeof errno === 'number' ? Math.abs(errno) : undefined,
        cause: err,
      });
    }
    next.file = cfg.file;
    next.threshold = debug ? RANK.debug : RANK.info;
  }
  state = next;
}

/** Close the log file (if any) and go back to the defaults (stderr, text). */
export function closeLog(): void {
  if (state.fd > 2) {
    try {
      fs.closeSync(state.fd);
    } catch {
      /* already closed */
    }
  }
  state = defaults();
}

/** The configured log file, or undefined when logging to stderr. */
export function logFile(): string | undefined {
  return state.file;
}

/** Whether a message of this level would be written. */
export function logEnabled(level: LogLevel): boolean {
  return RANK[level] >= state.threshold;
}

// ---------------------------------------------------------------- formatting

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** RFC3339 in local time with seconds precision, as Go's time.RFC3339 prints it. */
export function formatTime(d: Date = new Date()): string {
  const off = -d.getTimezoneOffset(); // minutes east of UTC
  let zone = 'Z';
  if (off !== 0) {
    const a = Math.abs(off);
    zone = `${off < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
  }
  const y = d.getFullYear();
  const ys = y >= 0 && y < 10000 ? String(y).padStart(4, '0') : String(y);
  return `${ys}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}${zone}`;
}

function hex4(c: number): string {
  return c.toString(16).padStart(4, '0');
}

/** A JSON string literal escaped like Go's encoding/json (HTML escaping on). */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) out += `\\u${hex4(c)}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      // Go replaces invalid UTF-8 (a lone surrogate here) with U+FFFD.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += '\ufffd';
    } else out += s[i];
  }
  return out + '"';
}

/** Made on first use: V8 builds a Unicode-property class from ICU's tables when the literal is evaluated (~1 ms at every start). */
let printable: RegExp | undefined;

/** Go's strconv.Quote (what fmt's %q does for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    switch (c) {
      case 0x07: out += '\\a'; continue;
      case 0x08: out += '\\b'; continue;
      case 0x0c: out += '\\f'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0d: out += '\\r'; continue;
      case 0x09: out += '\\t'; continue;
      case 0x0b: out += '\\v'; continue;
      case 0x22: out += '\\"'; continue;
      case 0x5c: out += '\\\\'; continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd'; // a lone surrogate reaches Go as U+FFFD
    else if ((printable ??= /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u).test(ch)) out += ch;
    else if (c < 0x80) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 0x10000) out += `\\u${hex4(c)}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

const BARE = /^[A-Za-z0-9\-._/@^+]*$/;

/** A logrus text value: bare when safe, else %q-quoted. */
function textValue(s: string): string {
  return BARE.test(s) ? s : goQuote(s);
}

/** One formatted log line, newline included. */
export function formatLine(level: LogLevel, msg: string, format: LogFormat, time: Date = new Date()): string {
  const t = formatTime(time);
  if (format === 'json') {
    return `{"level":"${level}","msg":${goJsonString(msg)},"time":"${t}"}\n`;
  }
  return `time=${textValue(t)} level=${level} msg=${textValue(msg)}\n`;
}

// ------------------------------------------------------------------- output

/**
 * Write all of text to fd with write(2) (no stream: process.stdout would load
 * some twenty modules). A non-blocking pipe that is full for a moment is
 * waited for (1 ms at a time, 10 s at most); any other error drops the rest:
 * logging and output never throw.
 */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  let waits = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || waits++ >= 10_000) return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** Write one log line if the level passes the threshold. */
export function log(level: LogLevel, msg: string): void {
  if (RANK[level] < state.threshold) return;
  writeAll(state.fd, formatLine(level, middleCut(msg), state.format)); // the formats escape line breaks
}

export function debug(msg: string): void {
  log('debug', msg);
}
/** A debug line saying when (ms since the process started) a step of a command was reached. */
export function step(msg: string): void {
  if (RANK.debug >= state.threshold) log('debug', `${msg} at ${(process.uptime() * 1000).toFixed(1)} ms`);
}

export function info(msg: string): void {
  log('info', msg);
}
export function warn(msg: string): void {
  log('warning', msg);
}
export function error(msg: string): void {
  log('error', msg);
}

/**
 * Report the error that ends the command: an "error" line in the log file
 * (containerd's shim shows the last one) when --log names a file, and one line
 * `ocits: <message>` on stderr in every case. Does not exit.
 */
export function fatal(message: string | Error): void {
  const msg = message instanceof Error ? message.message : message;
  if (state.fd > 2) writeAll(state.fd, formatLine('error', middleCut(msg), state.format));
  writeAll(2, `ocits: ${oneLine(msg)}\n`);
}
