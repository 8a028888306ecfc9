// Module declarations for non-TypeScript imports.

/**
 * Raw binaries (the bare-metal demo, later guest images): esbuild's 'binary' loader
 * (scripts/build.mjs) and the vitest plugin (vitest.config.ts) turn the file's bytes
 * into the module's default export.
 */
declare module '*.bin' {
  const bytes: Uint8Array;
  export default bytes;
}
