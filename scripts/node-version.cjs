/*
 * Run first by `npm start`, `npm test`, `npm run example`, `npm run bench` and `npm run dev`: on a Node older than
 * package.json's `engines.node` those die deep inside a dependency (undici: "Cannot read properties of undefined
 * (reading 'bind')") or report test files of "0 test". One line saying what to do is better.
 *
 * Plain ES5 CommonJS on purpose, with nothing imported but package.json: it must run on the old Node it refuses.
 */
'use strict';

/** The major version `engines.node` asks for (">=22" → 22). */
function minimumMajor(engines) {
  var m = /^\s*>=\s*v?(\d+)/.exec(String(engines || ''));
  if (!m) throw new Error('package.json engines.node should read ">=N", got ' + JSON.stringify(engines));
  return Number(m[1]);
}

/** The line to print when `version` (process.version, "v20.20.2") is older than `minimum`; null when it will do. */
function versionProblem(version, minimum) {
  var m = /^v?(\d+)\./.exec(String(version));
  if (m && Number(m[1]) >= minimum) return null;
  return 'cxgraph needs Node ' + minimum + ' or newer, found ' + version + ': see "Node 24" in README.md';
}

module.exports = { minimumMajor: minimumMajor, versionProblem: versionProblem };

if (require.main === module) {
  var problem = versionProblem(process.version, minimumMajor(require('../package.json').engines.node));
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(1);
  }
}
