import { defineConfig } from 'vitest/config'

// Each test starts worker processes that load TensorFlow.js and the data,
// which takes seconds, so the defaults of 5 s and 10 s are too short.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 30_000 },
})
