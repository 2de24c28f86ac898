/**
 * Namespaces joined by path, checked by the parent before the init exists:
 * the path must be there and be a namespace of the declared type, so that
 * every such error names its field (/linux/namespaces/N/path). The init
 * checks again when it joins (setns), for a path that changed meanwhile.
 */
import { OcitsError } from '../errors';
import { native } from '../native';
import { CLONE } from '../plan/build';
import type { Spec } from '../spec/types';

const NAMES = new Map<number, string>(Object.entries(CLONE).map(([name, bit]) => [bit, name]));

/** "a network", "an ipc" */
function a(name: string): string {
  return `${name === 'ipc' ? 'an' : 'a'} ${name}`;
}

function invalid(pointer: string, what: string, errno?: number): OcitsError {
  return new OcitsError('EINVAL_CONFIG', `invalid config: ${pointer}: ${what}`, { pointer, errno });
}

export function checkNamespacePaths(spec: Spec): void {
  (spec.linux?.namespaces ?? []).forEach((ns, i) => {
    if (!ns.path) return;
    const ptr = `/linux/namespaces/${i}/path`;
    let type: number;
    try {
      type = native().nsType(ns.path);
    } catch (e) {
      const errno = (e as { errno?: number }).errno;
      if (errno === 2) throw invalid(ptr, `${ns.type} namespace path ${ns.path} does not exist`, errno);
      throw invalid(ptr, `${ns.type} namespace path: ${(e as Error).message}`, errno);
    }
    if (type === 0) throw invalid(ptr, `${ns.path} is not a namespace (expected ${a(ns.type)} namespace, as /proc/PID/ns/...)`);
    const want = CLONE[ns.type as keyof typeof CLONE];
    if (type !== want) {
      throw invalid(ptr, `${ns.path} is ${a(NAMES.get(type) ?? `type ${type}`)} namespace, not ${a(ns.type)} namespace`);
    }
  });
}
