/**
 * `ocits features`: the runtime-spec features document (features.md,
 * schema/features-schema.json). Key order follows runc's output (Go struct
 * order: ociVersionMin, ociVersionMax, hooks, mountOptions, linux, annotations),
 * lists are sorted like runc's (capabilities in number order), and it is printed
 * with four-space indentation and a trailing newline, as `runc features`.
 *
 * It must be honest (newer containerd shims read it), so everything comes from
 * `Implemented`, whose defaults describe what ocits supports today; callers pass
 * what a later stage really adds. Disabled seccomp is `{"enabled": false}` only
 * (runc built without seccomp prints the same); that is the pure default here,
 * and `ocits features` (lib/cli/features.ts) passes what libseccomp and the
 * kernel really support (lib/runtime/seccomp.ts: seccompFeatures).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RECURSIVE } from '../plan/mountopts';
import { CAPABILITIES } from './caps';

export const OCI_VERSION_MIN = '1.0.0';
export const OCI_VERSION_MAX = '1.2.0';
export const VERSION_ANNOTATION = 'io.github.ocits.version';

export const HOOKS: readonly string[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/**
 * Mount options ocits handles: the mount(2) flag names (propagation included)
 * the recursive r* forms (mount_setattr with AT_RECURSIVE) and tmpcopyup.
 * Not (yet): idmap/ridmap, acl/noacl and defaults.
 */
export const MOUNT_OPTIONS: readonly string[] = [
  'ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'sync', 'async', 'dirsync', 'remount',
  'mand', 'nomand', 'atime', 'noatime', 'diratime', 'nodiratime', 'bind', 'rbind', 'relatime', 'norelatime',
  'strictatime', 'nostrictatime', 'silent', 'loud', 'private', 'rprivate', 'shared', 'rshared', 'slave',
  'rslave', 'unbindable', 'runbindable', 'lazytime', 'nolazytime', 'iversion', 'noiversion', 'nosymfollow', 'tmpcopyup',
  ...Object.keys(RECURSIVE),
];

export const NAMESPACES: readonly string[] = ['pid', 'network', 'mount', 'ipc', 'uts', 'cgroup', 'user', 'time'];

export interface SeccompFeatures {
  enabled: boolean;
  actions?: string[];
  operators?: string[];
  archs?: string[];
  knownFlags?: string[];
  supportedFlags?: string[];
}

export interface CgroupFeatures {
  v1: boolean;
  v2: boolean;
  systemd: boolean;
  systemdUser: boolean;
  rdma: boolean;
}

/** What the runtime really supports. Every field defaults to the current state of ocits. */
export interface Implemented {
  version: string;
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: readonly string[];
  mountOptions: readonly string[];
  namespaces: readonly string[];
  capabilities: readonly string[];
  cgroup: CgroupFeatures;
  seccomp: SeccompFeatures;
  apparmor: boolean;
  selinux: boolean;
  intelRdt: boolean;
  idmapMounts: boolean;
  /** Extra annotations (merged after the version annotation). */
  annotations: Record<string, string>;
}

let cachedVersion: string | undefined;

/** ocits' version from the package.json above this file (lib/spec or dist/lib/spec). */
export function ocitsVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  let dir = __dirname;
  cachedVersion = 'unknown';
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ocits' && typeof pkg.version === 'string') {
        cachedVersion = pkg.version;
        break;
      }
    } catch {
      /* not here */
    }
    dir = path.dirname(dir);
  }
  return cachedVersion;
}

export function defaultImplemented(): Implemented {
  return {
    version: ocitsVersion(),
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION_MAX,
    hooks: HOOKS, // all six kinds run (lib/runtime/hooks.ts, addon/init/hooks.cc)
    mountOptions: MOUNT_OPTIONS,
    namespaces: NAMESPACES,
    capabilities: CAPABILITIES,
    cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
    seccomp: { enabled: false },
    // applied where the host has the LSM enabled (the init writes /proc/self/attr/...)
    apparmor: true,
    selinux: true,
    intelRdt: false,
    idmapMounts: false,
    annotations: {},
  };
}

const sorted = (xs: readonly string[]): string[] => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function features(implemented: Partial<Implemented> = {}): Record<string, unknown> {
  const im: Implemented = { ...defaultImplemented(), ...implemented };
  const seccomp: Record<string, unknown> = { enabled: im.seccomp.enabled };
  if (im.seccomp.enabled) {
    for (const k of ['actions', 'operators', 'archs', 'knownFlags', 'supportedFlags'] as const) {
      const v = im.seccomp[k];
      if (v) seccomp[k] = k === 'knownFlags' || k === 'supportedFlags' ? [...v] : sorted(v);
    }
  }
  const capOrder = new Map(CAPABILITIES.map((c, i) => [c, i]));
  const caps = [...new Set(im.capabilities)].sort((a, b) => (capOrder.get(a) ?? 1e9) - (capOrder.get(b) ?? 1e9));
  return {
    ociVersionMin: im.ociVersionMin,
    ociVersionMax: im.ociVersionMax,
    hooks: [...im.hooks],
    mountOptions: sorted(im.mountOptions),
    linux: {
      namespaces: sorted(im.namespaces),
      capabilities: caps,
      cgroup: { v1: im.cgroup.v1, v2: im.cgroup.v2, systemd: im.cgroup.systemd, systemdUser: im.cgroup.systemdUser, rdma: im.cgroup.rdma },
      seccomp,
      apparmor: { enabled: im.apparmor },
      selinux: { enabled: im.selinux },
      intelRdt: { enabled: im.intelRdt },
      mountExtensions: { idmap: { enabled: im.idmapMounts } },
    },
    annotations: { [VERSION_ANNOTATION]: im.version, ...im.annotations },
  };
}

/** What `ocits features` prints: four-space indentation and a newline, as `runc features`. */
export function featuresText(implemented: Partial<Implemented> = {}): string {
  return JSON.stringify(features(implemented), null, 4) + '\n';
}
