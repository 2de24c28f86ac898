// ocits as Podman's runtime (conmon, cgroupfs manager, private storage): what
// a Podman user sees, with and without runtime_supports_json.
import t from 'tap'
import { runtimeBin, startPodman, which } from '../helpers'

const BIN = runtimeBin()
const IMG = 'localhost/ocits-busybox:test'
const SKIP = !which('podman') || !which('conmon') ? 'podman and conmon are installed by .ci/run' : false
const JSON_CONF = `[engine]\nruntime_supports_json = ["${require('node:path').basename(BIN)}"]\n`

t.jobs = 2

t.test('run --rm: output, exit codes, user, read-only root, capabilities, limits seen from inside', { skip: SKIP }, async (t) => {
  const { podman } = await startPodman(t, BIN, JSON_CONF)
  const ok = await podman(['run', '--rm', '--network=none', IMG, 'sh', '-c', 'echo hello; exit 0'])
  t.equal(ok.code, 0, 'exit 0', ok)
  t.equal(ok.stdout, 'hello\n', 'output')
  t.equal((await podman(['run', '--rm', '--network=none', IMG, 'sh', '-c', 'exit 3'])).code, 3, 'exit 3')
  const inside = await podman(['run', '--rm', '--network=none', '--read-only', '--cap-drop', 'ALL', '--pids-limit', '50', '--memory', '64m',
    '--user', '1000:1000', IMG, 'sh', '-c',
    'echo id $(id -u):$(id -g); echo caps $(grep CapEff /proc/self/status | cut -f2); touch /x 2>/dev/null && echo root-writable || echo root-ro; ' +
    'touch /tmp/y && echo tmp-writable; echo pids $(cat /sys/fs/cgroup/pids/pids.max); echo mem $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)'])
  t.equal(inside.code, 0, 'ran', inside)
  t.equal(inside.stdout, 'id 1000:1000\ncaps 0000000000000000\nroot-ro\ntmp-writable\npids 50\nmem 67108864\n',
    '--user, --cap-drop ALL, --read-only (with writable tmpfs /tmp: tmpcopyup), --pids-limit, --memory')
  const caps = await podman(['run', '--rm', '--network=none', '--cap-drop', 'CHOWN', IMG, 'sh', '-c', 'chown 5 /tmp && echo chowned || echo refused'])
  t.equal(caps.stdout, 'refused\n', '--cap-drop CHOWN')
})

t.test('a detached container: exec, top, logs, pause/unpause, stop, kill', { skip: SKIP }, async (t) => {
  const { podman } = await startPodman(t, BIN, JSON_CONF)
  const run = await podman(['run', '-d', '--name', 'd1', '--network=none', IMG, 'sh', '-c',
    'echo started; trap "echo got TERM; exit 0" TERM; while :; do sleep 0.1; done'])
  t.equal(run.code, 0, 'run -d', run)
  const ex = await podman(['exec', 'd1', 'sh', '-c', 'echo exec in $(hostname); exit 6'])
  t.equal(ex.code, 6, 'exec exit code', ex)
  t.match(ex.stdout, /^exec in \w+\n$/, 'exec output')
  const top = await podman(['top', 'd1'])
  t.equal(top.code, 0, 'top', top)
  t.match(top.stdout, /while :/, 'top shows the container\'s process')
  t.equal((await podman(['pause', 'd1'])).code, 0, 'pause')
  t.equal((await podman(['inspect', '-f', '{{.State.Status}}', 'd1'])).stdout.trim(), 'paused', 'paused')
  t.equal((await podman(['unpause', 'd1'])).code, 0, 'unpause')
  t.equal((await podman(['inspect', '-f', '{{.State.Status}}', 'd1'])).stdout.trim(), 'running', 'running')
  const stop = await podman(['stop', '-t', '10', 'd1'])
  t.equal(stop.code, 0, 'stop', stop)
  t.equal((await podman(['inspect', '-f', '{{.State.ExitCode}}', 'd1'])).stdout.trim(), '0', 'SIGTERM reached the trap: exit 0')
  const logs = await podman(['logs', 'd1'])
  t.equal(logs.stdout, 'started\ngot TERM\n', 'logs')

  t.equal((await podman(['run', '-d', '--name', 'd2', '--network=none', IMG, 'sleep', '1000'])).code, 0, 'another')
  t.equal((await podman(['kill', 'd2'])).code, 0, 'kill')
  await podman(['wait', 'd2'])
  t.equal((await podman(['inspect', '-f', '{{.State.ExitCode}}', 'd2'])).stdout.trim(), '137', 'killed by SIGKILL: 137')
  t.equal((await podman(['rm', 'd1', 'd2'])).code, 0, 'rm')
})

for (const json of [true, false]) {
  t.test(`errors a Podman user sees are the real cause (${json ? 'with' : 'without'} runtime_supports_json)`, { skip: SKIP }, async (t) => {
    const { podman } = await startPodman(t, BIN, json ? JSON_CONF : '')
    const missing = await podman(['run', '--rm', '--network=none', IMG, 'no-such-program'])
    t.equal(missing.code, 127, 'a missing program: 127, as with runc', missing)
    t.match(missing.stderr, /executable file not found in \$PATH/, 'the cause')
    const mount = await podman(['run', '--rm', '--network=none', '--mount', 'type=bind,src=/etc/hostname,dst=/proc/x', IMG, 'true'])
    t.not(mount.code, 0, 'a bad mount fails', mount)
    t.match(mount.stderr, /\/mounts\/\d+\/destination: \/proc\/x/, 'naming the mount')
    t.match(mount.stderr, /cannot be mounted because it is inside \/proc/, 'and why')
    const ps = await podman(['ps', '-a', '-q'])
    t.equal(ps.stdout.trim(), '', 'nothing left')
  })
}

t.test('the runtime named in containers.conf (the README\'s snippet)', { skip: SKIP }, async (t) => {
  const name = require('node:path').basename(BIN)
  const conf = `[engine]\nruntime = "${name}"\nruntime_supports_json = ["${name}"]\n[engine.runtimes]\n${name} = ["${BIN}"]\n`
  const { podman } = await startPodman(t, BIN, conf, { runtimeFlag: false })
  const info = await podman(['info', '--format', '{{.Host.OCIRuntime.Path}}'])
  t.equal(info.stdout.trim(), BIN, 'podman uses the configured binary')
  const res = await podman(['run', '--rm', '--network=none', IMG, 'sh', '-c', 'echo via containers.conf'])
  t.equal(res.code, 0, 'ran', res)
  t.equal(res.stdout, 'via containers.conf\n')
})
