import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The quick suite trains real networks in worker processes on 2 cores.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
})
