/**
 * config.json validation: the runtime-spec JSON schemas (schemas/), compiled
 * to code at build time by scripts/build-validators.js, plus the few Linux
 * MUSTs the schemas cannot say. Every failure is one OcitsError line
 * `invalid config: <JSON pointer>: <what was expected>` with the pointer also
 * in err.pointer, e.g.
 *   invalid config: /linux/namespaces/2/type: must be one of pid, network, ...
 *   invalid config: /process/args: is required
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputText, OcitsError } from '../errors';
import type { Features, Spec, State } from './types';
import { checkOciVersion } from './version';

/** One ajv error (the generated code is compiled with messages off). */
export interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
}

interface GeneratedValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

interface Generated {
  validateConfig: GeneratedValidate;
  validateState: GeneratedValidate;
  validateFeatures: GeneratedValidate;
}

let generated: Generated | undefined;

/**
 * The generated module, loaded on first use (commands that never read a
 * config do not pay for it). It sits next to this file: lib/spec/generated/
 * when run from the TypeScript sources, dist/lib/spec/generated/ when compiled.
 */
function validators(): Generated {
  if (generated === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      generated = require('./generated/validators') as Generated;
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new OcitsError('ESYS', `schema validators are not built (run \`npm run build\`): ${msg}`, { cause: err });
    }
  }
  return generated;
}

/** A validation failure: JSON pointer (root is "/") and explanation. */
export interface SchemaError {
  pointer: string;
  message: string;
}

export interface ValidationResult {
  valid: boolean;
  /** "pointer: message" lines; empty when valid. */
  errors: string[];
}

// ------------------------------------------------------------ error wording

const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'then', 'else', '$ref']);

/** Integer ranges of the spec's definitions, by definition name. */
const RANGES: Record<string, [string, string]> = {
  int8: ['-128', '127'],
  int16: ['-32768', '32767'],
  int32: ['-2147483648', '2147483647'],
  int64: ['-9223372036854775808', '9223372036854775807'],
  uint8: ['0', '255'],
  uint16: ['0', '65535'],
  uint32: ['0', '4294967295'],
  uint64: ['0', '18446744073709551615'],
  percent: ['0', '100'],
  UID: ['0', '4294967295'],
  GID: ['0', '4294967295'],
  Umask: ['0', '4294967295'],
  weight: ['0', '65535'],
  Major: ['-9223372036854775808', '9223372036854775807'],
  Minor: ['-9223372036854775808', '9223372036854775807'],
  FileMode: ['0', '512'],
};

/** The range of an integer definition, recognised from its maximum when the name is unknown. */
const RANGE_BY_MAX: Record<string, [string, string]> = {
  '127': RANGES.int8,
  '32767': RANGES.int16,
  '2147483647': RANGES.int32,
  '9223372036854776000': RANGES.int64,
  '255': RANGES.uint8,
  '65535': RANGES.uint16,
  '4294967295': RANGES.uint32,
  '18446744073709552000': RANGES.uint64,
};

/** Plain-words forms of the schemas' patterns. */
const PATTERNS: Record<string, string> = {
  '^RLIMIT_[A-Z]+$': 'must be an RLIMIT_* name such as RLIMIT_NOFILE',
  '^[cbup]$': 'must be one of c, b, u, p',
  '^[1-9][0-9]*[KMG]B$': 'must be a page size such as 64KB, 2MB or 1GB',
  '^MB:[^\\n]*$': 'must be one line starting with "MB:"',
  '^[0-9, -]*$': 'must be a CPU list such as "0-3,7"',
  '^CAP_[A-Z_]+$': 'must be a capability name such as CAP_CHOWN',
};

function withArticle(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function typeWords(t: unknown): string {
  const types = Array.isArray(t) ? t.map(String) : String(t).split(',');
  return types.map((x) => (x === 'null' ? 'null' : withArticle(x))).join(' or ');
}

function escapePointerToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function plural(n: unknown, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** The definition a schemaPath ends in, e.g. "uint32" for defs.json#/definitions/uint32/minimum. */
function definitionName(schemaPath: string): string | undefined {
  const m = /\/definitions\/([^/]+)\/[^/]+$/.exec(schemaPath);
  return m ? m[1] : undefined;
}

/** Pointer and words for one ajv error. */
export function describeError(e: AjvError): SchemaError {
  let pointer = e.instancePath;
  const p = e.params;
  let message: string;
  switch (e.keyword) {
    case 'required':
      pointer += `/${escapePointerToken(String(p.missingProperty))}`;
      message = 'is required';
      break;
    case 'additionalProperties':
      pointer += `/${escapePointerToken(String(p.additionalProperty))}`;
      message = 'is not an allowed property here';
      break;
    case 'type':
      message = `must be ${typeWords(p.type)}`;
      break;
    case 'enum':
      message = `must be one of ${(p.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
      break;
    case 'const':
      message = `must be ${JSON.stringify(p.allowedValue)}`;
      break;
    case 'pattern': {
      const pat = String(p.pattern);
      message = PATTERNS[pat] ?? `must match the pattern ${pat}`;
      break;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const def = definitionName(e.schemaPath);
      const range = (def !== undefined ? RANGES[def] : undefined) ?? (e.keyword === 'maximum' ? RANGE_BY_MAX[String(p.limit)] : undefined);
      message = range ? `must be an integer from ${range[0]} to ${range[1]}` : `must be ${String(p.comparison)} ${String(p.limit)}`;
      break;
    }
    case 'minItems':
      message = `must have at least ${plural(p.limit, 'item')}`;
      break;
    case 'maxItems':
      message = `must have at most ${plural(p.limit, 'item')}`;
      break;
    case 'minLength':
      message = `must be at least ${plural(p.limit, 'character')} long`;
      break;
    case 'maxLength':
      message = `must be at most ${plural(p.limit, 'character')} long`;
      break;
    case 'minProperties':
      message = `must have at least ${plural(p.limit, 'property')}`.replace('propertys', 'properties');
      break;
    case 'maxProperties':
      message = `must have at most ${plural(p.limit, 'property')}`.replace('propertys', 'properties');
      break;
    case 'uniqueItems':
      message = `must not contain duplicates (items ${String(p.j)} and ${String(p.i)} are equal)`;
      break;
    case 'multipleOf':
      message = `must be a multiple of ${String(p.multipleOf)}`;
      break;
    case 'propertyNames':
      pointer += `/${escapePointerToken(String(p.propertyName))}`;
      message = 'is not an allowed property name';
      break;
    case 'dependencies':
    case 'dependentRequired':
      message = `must have ${String(p.missingProperty)} when it has ${String(p.property)}`;
      break;
    case 'anyOf':
    case 'oneOf':
      message = 'does not match any of the allowed forms';
      break;
    case 'not':
      message = 'is not allowed';
      break;
    default:
      message = `does not satisfy "${e.keyword}"`;
  }
  return { pointer: pointer === '' ? '/' : pointer, message };
}

function depth(e: AjvError): number {
  const base = e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1;
  return e.keyword === 'required' || e.keyword === 'additionalProperties' ? base + 1 : base;
}

/**
 * The one error to show: ajv (allErrors off) stops at the first failing
 * keyword, but an anyOf/oneOf also reports every branch's failure and then
 * itself. Show the deepest concrete (non-combinator) error, the first of
 * equals; it names the field the user has to fix.
 */
export function pickError(errors: readonly AjvError[]): AjvError {
  const concrete = errors.filter((e) => !COMBINATORS.has(e.keyword));
  const pool = concrete.length > 0 ? concrete : errors;
  let best = pool[0];
  for (const e of pool) if (depth(e) > depth(best)) best = e;
  return best;
}

function schemaError(v: GeneratedValidate, obj: unknown): SchemaError | undefined {
  if (v(obj)) return undefined;
  const errors = v.errors ?? [];
  if (errors.length === 0) return { pointer: '/', message: 'does not validate' };
  return describeError(pickError(errors));
}

// ------------------------------------------------------------ config

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fail(e: SchemaError): never {
  // a pointer carries the config's own keys: echoed as input (one line, bounded)
  throw new OcitsError('EINVAL_CONFIG', `invalid config: ${inputText(e.pointer, 256)}: ${e.message}`, { pointer: e.pointer });
}

/**
 * Linux requirements of the spec that its schema leaves out (the schema is
 * shared with Windows, where root, args and user.uid/gid are optional):
 * root; process.args with at least one entry; an absolute process.cwd;
 * process.user.uid and .gid when process.user is given.
 */
function linuxRequirements(spec: Spec): SchemaError | undefined {
  if (spec.root === undefined) return { pointer: '/root', message: 'is required' };
  const proc = spec.process;
  if (proc !== undefined) {
    if (proc.args === undefined) return { pointer: '/process/args', message: 'is required' };
    if (proc.args.length === 0) return { pointer: '/process/args', message: 'must have at least 1 item' };
    if (!proc.cwd.startsWith('/')) return { pointer: '/process/cwd', message: 'must be an absolute path' };
    // process.user itself may be left out (uid 0, gid 0, as runc); when it is
    // given, the spec's REQUIRED uid and gid must be there.
    if (proc.user !== undefined) {
      if (proc.user.uid === undefined) return { pointer: '/process/user/uid', message: 'is required' };
      if (proc.user.gid === undefined) return { pointer: '/process/user/gid', message: 'is required' };
    }
  }
  return undefined;
}

/**
 * The first string (a value or a key) holding a NUL byte, as a JSON pointer
 * under `base`: the kernel takes strings up to their first NUL, so a
 * destination "/dev/shm\u0000/../../x" would mean something else to it than
 * to every check made on the whole string. Undefined when there is none.
 */
export function nulBytePointer(x: unknown, base = ''): string | undefined {
  if (typeof x === 'string') return x.includes('\0') ? base || '/' : undefined;
  if (typeof x !== 'object' || x === null) return undefined;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const p = nulBytePointer(x[i], `${base}/${i}`);
      if (p) return p;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(x)) {
    const at = `${base}/${escapePointerToken(k)}`;
    if (k.includes('\0')) return at;
    const p = nulBytePointer(v, at);
    if (p) return p;
  }
  return undefined;
}

/**
 * Validate a parsed config.json against the runtime-spec 1.2 schemas, its
 * ociVersion (1.0.0 to 1.2.x), the Linux requirements and that no string
 * holds a NUL byte; return it typed.
 * Throws OcitsError EINVAL_CONFIG with one line and err.pointer set.
 */
export function validateConfig(obj: unknown): Spec {
  if (!isObject(obj)) fail({ pointer: '/', message: 'must be an object' });
  // The version first: a config for another major would fail the schema in
  // ways that hide the real reason.
  if (typeof obj.ociVersion === 'string') checkOciVersion(obj.ociVersion);
  const err = schemaError(validators().validateConfig, obj);
  if (err) fail(err);
  const nul = nulBytePointer(obj);
  if (nul) fail({ pointer: nul, message: 'must not contain a NUL byte' });
  const spec = obj as unknown as Spec;
  const linuxErr = linuxRequirements(spec);
  if (linuxErr) fail(linuxErr);
  return spec;
}

/** Check a state document (e.g. `ocits state` output) against state-schema.json. */
export function validateState(obj: unknown): ValidationResult & { state?: State } {
  const err = schemaError(validators().validateState, obj);
  if (err) return { valid: false, errors: [`${err.pointer}: ${err.message}`] };
  return { valid: true, errors: [], state: obj as State };
}

/** Check a features document (`ocits features` output) against features-schema.json. */
export function validateFeatures(obj: unknown): ValidationResult & { features?: Features } {
  const err = schemaError(validators().validateFeatures, obj);
  if (err) return { valid: false, errors: [`${err.pointer}: ${err.message}`] };
  return { valid: true, errors: [], features: obj as Features };
}

// ------------------------------------------------------------ loading

/** "line L, column C" for a JSON.parse message that names a position. */
function jsonPosition(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/** Read `<bundle>/config.json`, parse and validate it. Errors are one line. */
export function loadConfig(bundleDir: string): Spec {
  let st: fs.Stats;
  try {
    st = fs.statSync(bundleDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new OcitsError('EBUNDLE', `bundle ${bundleDir}: no such directory`, { cause: err });
    throw new OcitsError('EBUNDLE', `bundle ${bundleDir}: ${(err as Error).message}`, { cause: err, errno: (err as NodeJS.ErrnoException).errno });
  }
  if (!st.isDirectory()) throw new OcitsError('EBUNDLE', `bundle ${bundleDir}: not a directory`);
  const file = path.join(bundleDir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new OcitsError('EBUNDLE', `bundle ${bundleDir}: config.json not found`, { cause: err });
    if (e.code === 'EISDIR') throw new OcitsError('EBUNDLE', `bundle ${bundleDir}: config.json is not a file`, { cause: err });
    throw new OcitsError('EBUNDLE', `bundle ${bundleDir}: cannot read config.json: ${e.message}`, {
      cause: err,
      errno: typeof e.errno === 'number' ? Math.abs(e.errno) : undefined,
    });
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    // V8's reason quotes a piece of the text: echoed as input (its bytes escaped, one line)
    const raw = (err as Error).message;
    throw new OcitsError('EINVAL_CONFIG', `invalid config: config.json is not valid JSON: ${inputText(raw, 256)}${jsonPosition(text, raw)}`, {
      pointer: '/',
      cause: err,
    });
  }
  return validateConfig(obj);
}
