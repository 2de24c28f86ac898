// Which runtime binary the integration tests drive, and what it is.
import * as path from 'node:path'
import * as fs from 'node:fs'

/** The reference runtime the differential tests compare against. */
export const REFERENCE_RUNC = '/usr/sbin/runc'

/** Host busybox (busybox-static) used to build the test rootfs. */
export const HOST_BUSYBOX = '/bin/busybox'

/**
 * The binary under test: $OCITS_TEST_RUNTIME when set (e.g. /usr/sbin/runc to
 * validate the tests themselves), else the repo's bin/ocits.
 */
export function runtimeBin(): string {
  const env = process.env.OCITS_TEST_RUNTIME
  if (env && env.trim() !== '') return path.resolve(env.trim())
  return path.resolve(__dirname, '../../bin/ocits')
}

/** basename of the binary under test ('ocits', 'runc', ...). */
export function runtimeName(bin: string = runtimeBin()): string {
  return path.basename(bin)
}

/** True when the tests run against runc (validating the harness). */
export function isRunc(bin: string = runtimeBin()): boolean {
  return runtimeName(bin) === 'runc'
}

/** True when the tests run against ocits: enables ocits-only assertions. */
export function isOcits(bin: string = runtimeBin()): boolean {
  return runtimeName(bin) === 'ocits'
}

/** The reference runc, when installed. */
export function referenceRunc(): string | undefined {
  try {
    fs.accessSync(REFERENCE_RUNC, fs.constants.X_OK)
    return REFERENCE_RUNC
  } catch {
    return undefined
  }
}

/**
 * What a differential test runs a check with: the runtime under test
 * (bin undefined), and the reference runc beside it when it is installed and
 * the runtime under test is ocits. Pairs of [label, bin].
 */
export function withReference(): [string, string | undefined][] {
  const out: [string, string | undefined][] = [['runtime', undefined]]
  const ref = referenceRunc()
  if (ref && isOcits()) out.push(['runc', ref])
  return out
}
