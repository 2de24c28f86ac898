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
