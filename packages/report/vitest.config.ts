import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rendering a figure takes tens of milliseconds, but the suites write
    // several runs and render dozens of figures on 2 cores.
    testTimeout: 60_000,
  },
})
