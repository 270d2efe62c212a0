// The `process` that tape's modules name as a free variable, when bundled for a browser by
// harness.ts (with `tape`): esbuild injects this binding into the modules that use it; Shale's
// own modules never name `process` and keep seeing the browser's globals.

// @ts-expect-error the npm package process ships no type declarations
import browserProcess from 'process/browser.js'

export { browserProcess as process }
