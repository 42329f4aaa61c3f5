import { describe, expect, it } from 'vitest';
import { isPackageFileName } from '../../src-main/shared/agent-protocol/files.js';

describe('isPackageFileName (the agent and the console check the same rule)', () => {
  it.each([
    'vllm_plugin-0.1.0-py3-none-any.whl',
    'my_plugin.py',
    'src-1.0.tar.gz',
    'src.TGZ',
    'bundle+cu121.zip',
  ])('accepts %s', (name) => expect(isPackageFileName(name)).toBe(true));

  it.each(['notes.txt', 'model.tar', '.hidden.whl', '-x.whl', 'a b.whl', 'dir/x.whl', ''])(
    'refuses %s',
    (name) => expect(isPackageFileName(name)).toBe(false),
  );
});
