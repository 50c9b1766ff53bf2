#!/usr/bin/env node
import { benchMain } from './cli.js'

process.exitCode = await benchMain(process.argv.slice(2), 'pnpm bench')
