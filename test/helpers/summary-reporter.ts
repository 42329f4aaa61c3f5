import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `Tests: N passed, N failed`, after vitest's own summary; it also
 * names the files that failed outside their tests (a hook, or the file itself), whose tests are
 * only skipped, and unhandled errors.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[], unhandled: readonly SerializedError[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let filesFailed = 0;
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      failed += failedHere;
      if (m.state() === 'failed' && failedHere === 0) filesFailed++;
    }
    const more = [
      skipped ? `${skipped} skipped` : '',
      filesFailed ? `${filesFailed} files failed outside their tests` : '',
      unhandled.length ? `${unhandled.length} unhandled errors` : '',
    ].filter(Boolean);
    process.stdout.write(
      `\nTests: ${passed} passed, ${failed} failed${more.map((s) => `, ${s}`).join('')}\n`,
    );
  }
}
