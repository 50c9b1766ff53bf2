import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NordValidationError } from '../src/errors.js'
import { checkPlugin, definePlugin, loadPlugin } from '../src/search/plugins.js'
import { CORE_VERSION } from '../src/search/version.js'

const builtin = definePlugin({
  kind: 'optimizer',
  name: 'nord:optimizer-test',
  core: '^0.1.0',
  create: () => ({ made: true }),
})

let project: string
let previousCwd: string

beforeEach(() => {
  previousCwd = process.cwd()
  project = mkdtempSync(join(tmpdir(), 'nord-plugins-'))
  writeFileSync(join(project, 'package.json'), '{"name":"user-project"}')
  process.chdir(project)
})

afterEach(() => {
  process.chdir(previousCwd)
  rmSync(project, { recursive: true, force: true })
})

/** Writes a package into the temporary project's node_modules. */
function writePackage(
  name: string,
  manifest: Record<string, unknown>,
  files: Record<string, string>,
): void {
  const root = join(project, 'node_modules', name)
  mkdirSync(root, { recursive: true })
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', type: 'module', ...manifest }),
  )
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(join(root, file), text)
  }
}

const pluginSource = (kind: string, core: string) => `
export default {
  kind: '${kind}',
  name: 'test:${kind}',
  core: '${core}',
  create: (options) => ({ options }),
}
`

describe('CORE_VERSION', () => {
  it('equals the version in package.json', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    )

    expect(CORE_VERSION).toBe(manifest.version)
  })
})

describe('checkPlugin', () => {
  it('returns a valid plugin', () => {
    expect(checkPlugin(builtin, 'optimizer', 'test')).toBe(builtin)
  })

  it('takes the default export of a module namespace', () => {
    const namespace = Object.assign(Object.create(null), { default: builtin })

    expect(checkPlugin(namespace, 'optimizer', 'test')).toBe(builtin)
  })

  it('reports every problem at once', () => {
    const plugin = { kind: 'evaluator', name: '', core: '^9.0.0', create: 1 }

    const error = (() => {
      try {
        checkPlugin({ default: plugin }, 'optimizer', "'fake-optimizer'")
      } catch (caught) {
        return caught as NordValidationError
      }
    })()

    expect(error?.code).toBe('NORD_ERR_PLUGIN')
    expect(error?.issues.map((issue) => issue.path)).toEqual([
      'kind',
      'name',
      'core',
      'create',
    ])
    expect(error?.message).toContain("'fake-optimizer'")
    expect(error?.message).toContain(
      `requires @nord/core ^9.0.0, but this is @nord/core ${CORE_VERSION}`,
    )
    expect(error?.hint).toContain('Install a version of')
  })

  it('rejects a core value that is not a range', () => {
    const plugin = { ...builtin, core: 'latest please' }

    expect(() => checkPlugin(plugin, 'optimizer', 'x')).toThrow(
      /core: must be a semver range/,
    )
  })

  it('rejects a default export that is not an object', () => {
    expect(() => checkPlugin({ default: 42 }, 'optimizer', 'x')).toThrow(
      /default: the default export must be a plugin object, got 42/,
    )
  })
})

describe('loadPlugin', () => {
  it('returns a built-in by its short name', async () => {
    const plugin = await loadPlugin('optimizer', 'test', { test: builtin })

    expect(plugin).toBe(builtin)
  })

  it('imports a package with a main entry', async () => {
    writePackage(
      'fake-optimizer',
      { main: 'index.js' },
      {
        'index.js': pluginSource('optimizer', '^0.1.0'),
      },
    )

    const plugin = await loadPlugin('optimizer', 'fake-optimizer', {})

    expect(plugin.name).toBe('test:optimizer')
    expect(await plugin.create({ a: 1 }, {} as never)).toEqual({
      options: { a: 1 },
    })
  })

  it('imports an ESM-only scoped package', async () => {
    writePackage(
      '@lab/evaluator',
      { exports: { '.': { types: './index.d.ts', import: './main.js' } } },
      { 'main.js': pluginSource('evaluator', '>=0.1.0 <1') },
    )

    const plugin = await loadPlugin('evaluator', '@lab/evaluator', {})

    expect(plugin.kind).toBe('evaluator')
  })

  it('rejects a package of another kind', async () => {
    writePackage(
      'fake-curator',
      { main: 'index.js' },
      {
        'index.js': pluginSource('curator', '^0.1.0'),
      },
    )

    await expect(
      loadPlugin('optimizer', 'fake-curator', {}),
    ).rejects.toMatchObject({
      code: 'NORD_ERR_PLUGIN',
      message: expect.stringContaining(
        "kind: must be 'optimizer', got 'curator'",
      ),
    })
  })

  it('reports a package that fails to load', async () => {
    writePackage(
      'broken-plugin',
      { main: 'index.js' },
      {
        'index.js': 'throw new Error("missing native module")',
      },
    )

    await expect(
      loadPlugin('optimizer', 'broken-plugin', {}),
    ).rejects.toMatchObject({
      code: 'NORD_ERR_PLUGIN',
      message: expect.stringContaining('missing native module'),
    })
  })

  it('names the spec and the built-ins when not found', async () => {
    const error = await loadPlugin('optimizer', 'no-such-plugin', {
      ga: builtin,
      random: builtin,
    }).catch((caught) => caught)

    expect(error.code).toBe('NORD_ERR_PLUGIN_NOT_FOUND')
    expect(error.message).toContain("'no-such-plugin'")
    expect(error.message).toContain('built-ins: ga, random')
    expect(error.message).toContain('pnpm add no-such-plugin')
  })
})
