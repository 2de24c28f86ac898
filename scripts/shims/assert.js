// The two functions yargs takes from node:assert. Loading node:assert itself
// costs ~3 ms at every start (it builds process.stderr for its colours).
'use strict';
function fail(msg) {
  const e = new Error(msg);
  e.code = 'ERR_ASSERTION';
  throw e;
}
exports.strictEqual = (a, b, msg) => {
  if (!Object.is(a, b)) fail(msg || `Expected values to be strictly equal: ${a} !== ${b}`);
};
exports.notStrictEqual = (a, b, msg) => {
  if (Object.is(a, b)) fail(msg || `Expected "actual" to be strictly unequal to: ${b}`);
};
