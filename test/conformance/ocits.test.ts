// The runtime-spec conformance suite (conformance/) against the binary under
// test: bin/ocits, or $OCITS_TEST_RUNTIME (e.g. /usr/sbin/runc). Every
// requirement must pass (or be skipped as not observable here) except those in
// the known-failures list of that runtime; a known failure must still fail, so
// that the list stays honest.
import t from 'tap'
import { CATALOGUE } from '../../conformance/catalogue'
import { summary } from '../../conformance/report'
import { runSuite } from '../../conformance/suite'
import { runtimeBin, runtimeName } from '../helpers/paths'

/**
 * Known failures per runtime (basename of the binary), with the reason.
 * "runc compatibility": ocits does what runc 1.1.5 does, against the spec's
 * wording, on purpose (ARCHITECTURE.md: "where both are silent, do what runc does").
 */
const KNOWN_FAILURES: Record<string, Record<string, string>> = {
  ocits: {
    // runc compatibility
    'rt.delete.created':
      'runc compatibility: `delete` of a created (never started) container deletes it, as runc does; the spec wants an error for a container that is not stopped',
  },
  runc: {
    'rt.delete.created': 'runc deviation: deletes a created container without --force instead of failing',
    'cfg.process.user.umask-unset': 'runc deviation: sets umask 0022 when process.user.umask is absent',
    'cfg.process.rlimits.duplicate': 'runc deviation: accepts duplicate rlimit types',
    'cfg.process.capabilities.ungrantable': 'runc deviation: fails (capset EPERM) when a capability outside its bounding set is requested',
    'cfg.process.scheduler': 'runc 1.1.5 predates process.scheduler (runtime-spec 1.2): ignored',
    'cfg.process.ioPriority': 'runc 1.1.5 predates process.ioPriority (runtime-spec 1.2): ignored',
    'cfg.domainname': 'runc 1.1.5 ignores domainname',
    'cfg.hooks.poststart': 'runc deviation: runs poststart hooks at the end of create, before the user process is executed',
    'cfg.hooks.order': 'runc deviation: poststart hooks run during create (so before startContainer)',
    'rt.lifecycle.startContainer-fails': 'runc deviation: startContainer hooks run in the init after start returned, so start succeeds although the hook failed',
    'rt.lifecycle.poststart-fails': 'runc deviation: a failing poststart hook fails the operation (create, where runc runs them) instead of a warning',
    'rt.lifecycle.poststop-fails': 'runc deviation: a failing poststop hook stops the remaining poststop hooks and fails delete',
    'cfgl.namespaces.time': 'runc 1.1.5 has no time namespace support (refuses the config)',
    'cfgl.namespaces.types-supported': 'runc 1.1.5 has no time namespace support (refuses the config)',
    'cfgl.devices.path-exists': 'runc deviation: keeps an existing regular file at a device path without an error',
    'cfgl.resources.hugepageLimits': 'runc 1.1.5 cannot set hugetlb limits on a hybrid host where hugetlb is only in cgroup2 (create fails)',
    'cfg.mounts.idmap-without-mappings': 'runc 1.1.5 ignores the idmap option (no idmapped mounts) instead of failing',
    'cfgl.resources.cpu-idle': 'runc 1.1.5 does not write cpu.idle on a cgroup v1 hierarchy',
    'cfgl.resources.unified': 'runc 1.1.5 refuses linux.resources.unified on a host that is not pure cgroup v2',
    'cfgl.intelRdt.no-resctrl': 'runc deviation: ignores intelRdt when resctrl is not mounted instead of failing',
    'cfgl.seccomp.errnoRet-unsupported': 'runc deviation: ignores errnoRet on actions without an errno',
    'cfgl.seccomp.defaultErrnoRet-unsupported': 'runc deviation: ignores defaultErrnoRet on a default action without an errno',
    'cfgl.rootfsPropagation': 'runc deviation: with rootfsPropagation "shared" the container\'s / is not in a peer group (no shared:N)',
    'cfgl.personality': 'runc 1.1.5 predates linux.personality (runtime-spec 1.2): ignored',
  },
}

const bin = runtimeBin()
const known = KNOWN_FAILURES[runtimeName(bin)] ?? {}

t.test('the known-failures list names catalogued requirements', async (t) => {
  const ids = new Set(CATALOGUE.map((r) => r.id))
  for (const id of Object.keys(known)) t.ok(ids.has(id), `${id} is in the catalogue`)
})

t.test('the catalogue is well formed', async (t) => {
  const ids = new Set<string>()
  for (const r of CATALOGUE) {
    t.notOk(ids.has(r.id), `${r.id} is unique`)
    ids.add(r.id)
    t.match(r.id, /^(rt|rtl|cfg|cfgl)\.[a-z]/, `${r.id}: id names its spec file`)
    t.ok(['runtime.md', 'runtime-linux.md', 'config.md', 'config-linux.md'].includes(r.spec), `${r.id}: spec file`)
    t.ok(r.section && r.how, `${r.id}: section and how`)
    // the quoted sentence carries the keyword, or the entry names the MUST that binds it
    t.ok(/\b(MUST|SHOULD|REQUIRED)\b/i.test(r.text) || r.basis, `${r.id}: a MUST/SHOULD/REQUIRED sentence or a basis`)
    t.ok(r.check || r.notObservable, `${r.id}: a check or why it is not observable`)
  }
})

t.test(`runtime-spec conformance of ${bin}`, async (t) => {
  const results = await runSuite({ runtime: bin, jobs: 6 })
  for (const r of results) {
    const why = known[r.req.id]
    const extra = { message: r.message, requirement: r.req.text, how: r.req.how, ...r.details }
    if (why !== undefined) {
      t.equal(r.outcome, 'fail', `${r.req.id}: known failure still fails (${why}); remove it from the list if it passes now`, extra)
    } else if (r.outcome === 'skip') {
      t.pass(`${r.req.id} [${r.req.level}] skipped: ${r.message}`)
    } else {
      t.equal(r.outcome, 'pass', `${r.req.id} [${r.req.level}] ${r.req.spec}: ${r.req.section}`, extra)
    }
  }
  t.comment(summary(results, bin).replace(/^# /gm, ''))
})
