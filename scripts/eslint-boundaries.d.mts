import type { ESLint } from 'eslint';

/** The local plugin whose `imports` rule checks the import boundaries (see the .mjs beside it). */
declare const boundaries: ESLint.Plugin;
export default boundaries;
