import { defineConfig } from 'vitest/config'

// The example plugin in optimizer-hill-climbing/ runs its own tests.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'] },
})
