import { defineConfig } from 'tsup'
import { nordBuild } from '../tsup.base.js'

export default defineConfig(nordBuild(['src/index.ts', 'src/bin.ts']))
