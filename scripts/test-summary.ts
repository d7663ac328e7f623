// Prints one closing line for the whole test command, counting pytest's JUnit report and vitest's JSON report.
import { readFileSync } from 'node:fs';

const [pytestXml, vitestJson] = process.argv.slice(2) as [string, string];

const suite = /<testsuite\b[^>]*>/.exec(readFileSync(pytestXml, 'utf8'))?.[0] ?? '';
const attribute = (name: string): number => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
const pytest = {
  failed: attribute('failures') + attribute('errors'),
  skipped: attribute('skipped'),
  passed: attribute('tests') - attribute('failures') - attribute('errors') - attribute('skipped'),
};

const report = JSON.parse(readFileSync(vitestJson, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
const vitest = {
  passed: report.numPassedTests,
  failed: report.numFailedTests,
  skipped: report.numPendingTests + report.numTodoTests,
};

console.log(`\npytest ${pytest.passed} passed, vitest ${vitest.passed} passed`);
console.log(
  `tests: ${pytest.passed + vitest.passed} passed, ${pytest.failed + vitest.failed} failed, ${pytest.skipped + vitest.skipped} skipped`,
);
