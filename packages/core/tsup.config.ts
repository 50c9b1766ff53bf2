import { defineConfig } from 'tsup'
import { nordBuild } from '../../tsup.base.js'

// Two entries share one copy of the code they both use (errors, randomness),
// so splitting is on: `@nord/core/testing` must not carry a second NordError.
export default defineConfig({
  ...nordBuild(['src/index.ts', 'src/testing/index.ts']),
  splitting: true,
})
