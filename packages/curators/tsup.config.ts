import { defineConfig } from 'tsup'
import { nordBuild } from '../../tsup.base'

export default defineConfig(nordBuild())
