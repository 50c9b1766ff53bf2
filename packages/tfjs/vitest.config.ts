import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Training tests take seconds each on 2 cores; the default 5 s is tight.
    testTimeout: 60_000,
  },
})
