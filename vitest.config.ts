// Vitest configuration. Additions to the defaults: a 30 s test timeout, and `import x from '...bin'`
// yields the file's bytes as a Uint8Array, as esbuild's 'binary' loader does for the
// bundled CLI (scripts/build.mjs), so tests can import modules that embed binaries
// (src/demo/run-demo.ts embeds src/demo/demo.bin).
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Speed is measured in bench/, never by a test: a generous timeout keeps a loaded 2-core
  // CI machine from failing a test that is merely slow.
  test: { testTimeout: 30_000 },
  plugins: [
    {
      name: 'forkbox-binary',
      enforce: 'pre',
      load(id: string) {
        const path = id.split('?')[0];
        if (!path.endsWith('.bin')) return null;
        const b64 = readFileSync(path).toString('base64');
        return `export default Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0));`;
      },
    },
  ],
});
