/**
 * The pure hot paths of create/run and exec, run once at build time without
 * acting (scripts/bundle.js calls a command's `warm`), so that the V8 code
 * cache of their bundles holds validation, planning and encoding compiled.
 * Touches nothing but a temp dir; never loaded when a command runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { newManager } from '../cgroups';
import { applyDevices } from '../cgroups/devices';
import { planUserNamespace } from '../plan/idmap';
import { checkRlimits, dropUngrantableCaps } from '../plan/process';
import { passedFds } from '../runtime/fds';
import { checkNamespacePaths } from '../runtime/namespaces';
import { buildPlan, resolveRootfs } from '../plan/build';
import { encodePlan } from '../plan/encode';
import { buildExecPlan, checkExecProcess, overrideProcess } from '../plan/exec';
import { rfc3339Nano } from '../runtime/status';
import { defaultSpec } from '../spec/default';
import type { Spec } from '../spec/types';
import { loadConfig } from '../spec/validate';

/** runc's default spec (as `ocits spec` writes it) with a bind mount and a device more, in a temp bundle. */
function withBundle(body: (dir: string, spec: Spec) => void): void {
  const spec = defaultSpec({ rootless: false }) as unknown as Spec;
  spec.process!.terminal = false;
  spec.root = { path: '/', readonly: true };
  spec.mounts!.push({ destination: '/mnt', type: 'bind', source: '/', options: ['rbind', 'ro', 'rprivate'] });
  spec.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-warm-'));
  try {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
    body(dir, spec);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A v1 cgroup tree (cpuset, devices, memory) under dir, as newManager's test options take it. */
function fakeCgroups(dir: string): { root: string; mountinfo: string; selfCgroup: string } {
  const root = path.join(dir, 'cgroup');
  const names = ['cpuset', 'devices', 'memory'];
  const mountinfo = names.map((n, i) => `${30 + i} 29 0:${30 + i} / ${root}/${n} rw,relatime shared:${i} - cgroup cgroup rw,${n}`).join('\n');
  for (const n of names) fs.mkdirSync(path.join(root, n), { recursive: true });
  fs.writeFileSync(path.join(root, 'cpuset', 'cpuset.cpus'), '0-1\n');
  fs.writeFileSync(path.join(root, 'cpuset', 'cpuset.mems'), '0\n');
  return { root, mountinfo: mountinfo + '\n', selfCgroup: names.map((n, i) => `${i + 2}:${n}:/`).join('\n') + '\n' };
}

export function warmCreate(): void {
  withBundle((dir) => {
    const loaded = loadConfig(dir);
    newManager({ id: 'warm', cgroupsPath: '/ocits-warm/x' }).toJSON();
    const cg = newManager({ id: 'warm', cgroupsPath: '/ocits-warm/x', ...fakeCgroups(dir) });
    cg.toJSON();
    const plan = buildPlan(loaded, resolveRootfs(loaded, dir), {
      bundle: dir,
      fifoPath: path.join(dir, 'exec.fifo'),
      keyring: 'warm',
      cgroupHierarchies: [{ name: 'cpu', source: '/sys/fs/cgroup/cpu/ocits-warm/x' }],
      warnings: [],
    });
    checkRlimits(loaded);
    dropUngrantableCaps(plan.caps);
    passedFds(0, {});
    checkNamespacePaths(loaded);
    planUserNamespace(loaded);
    encodePlan(plan);
    rfc3339Nano();
    // the cgroup's creation on the fake tree (its files are plain files there:
    // what the kernel would refuse or lack is not this warm-up's concern)
    try {
      cg.pids();
      cg.create();
      fs.writeFileSync(path.join(cg.paths.devices, 'devices.list'), 'a *:* rwm\n');
      applyDevices(cg, loaded, () => {
        throw new Error('no BPF here');
      });
    } catch {
      /* warmed as far as it got */
    }
  });
}

export function warmExec(): void {
  withBundle((dir) => {
    const spec = loadConfig(dir);
    const proc = overrideProcess(spec.process, { args: ['true'], env: ['A=b'], cwd: '/' });
    checkExecProcess(proc);
    encodePlan(buildExecPlan(spec, proc, { bundle: dir, initPid: 1, joins: [{ type: 0x20000, path: '/proc/1/ns/mnt' }], warnings: [], callerUmask: 0o022 }));
  });
}
