// Vitest configuration. The only addition to the defaults: `import x from '...bin'`
// yields the file's bytes as a Uint8Array, as esbuild's 'binary' loader does for the
// bundled CLI (scripts/build.mjs), so tests can import modules that embed binaries
// (src/demo/run-demo.ts embeds src/demo/demo.bin).
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
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
