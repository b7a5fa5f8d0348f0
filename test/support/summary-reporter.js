/**
 * Ends every run with one line `N passed, N failed` (CI reads it). A test file that failed to
 * load counts as one failure, so a broken suite can never read as green.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}

module.exports = SummaryReporter;
