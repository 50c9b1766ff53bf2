/**
 * Plugin loading. A plugin is a package whose default export is a
 * `NordPlugin`: a kind, a namespaced name, the `@nord/core` versions it
 * supports and a factory. Built-in plugins are looked up by short name.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import semver from 'semver'
import { type Issue, NordError, NordValidationError } from '../errors.js'
import type { NordPlugin, PluginKind } from '../types.js'
import { formatValue, isPlainObject } from './options.js'
import { CORE_VERSION } from './version.js'

const KINDS: readonly PluginKind[] = [
  'optimizer',
  'evaluator',
  'environment',
  'curator',
]

/** Returns `plugin` unchanged; it exists so that TypeScript checks the plugin's shape. */
export function definePlugin<
  K extends PluginKind,
  T,
  O = Record<string, unknown>,
>(plugin: NordPlugin<K, T, O>): NordPlugin<K, T, O> {
  return plugin
}

/**
 * Checks that `value` is a plugin of `expectedKind` that supports this
 * version of core. `value` is either a plugin or a module namespace whose
 * default export is one. `source` names where it came from (a package name)
 * in the error.
 *
 * @throws NordValidationError with code `NORD_ERR_PLUGIN` listing every
 *   problem at once.
 */
export function checkPlugin<K extends PluginKind>(
  value: unknown,
  expectedKind: K,
  source: string,
): NordPlugin<K> {
  const plugin = unwrapDefault(value)
  const problems = findPluginProblems(plugin, expectedKind)
  if (problems.length > 0) {
    const issues: Issue[] = problems.map(([path, message]) => ({
      path,
      message,
      code: 'NORD_ERR_PLUGIN',
    }))
    throw new NordValidationError(
      `the ${expectedKind} plugin ${source}`,
      issues,
      {
        value,
        hint:
          `Install a version of ${source} built for @nord/core ${CORE_VERSION}, ` +
          'or fix its default export (see definePlugin)',
      },
    )
  }
  return plugin as NordPlugin<K>
}

function unwrapDefault(value: unknown): unknown {
  // An ES module namespace has a null prototype, so it counts as a plain object.
  if (isPlainObject(value) && 'default' in value && !('kind' in value)) {
    return value.default
  }
  return value
}

function findPluginProblems(
  plugin: unknown,
  expectedKind: PluginKind,
): [string, string][] {
  if (!isPlainObject(plugin)) {
    return [
      [
        'default',
        `the default export must be a plugin object, got ${formatValue(plugin)}`,
      ],
    ]
  }

  const problems: [string, string][] = []
  if (plugin.kind !== expectedKind) {
    const known = KINDS.includes(plugin.kind as PluginKind)
      ? ''
      : ` (kinds: ${KINDS.join(', ')})`
    problems.push([
      'kind',
      `must be '${expectedKind}', got ${formatValue(plugin.kind)}${known}`,
    ])
  }
  if (typeof plugin.name !== 'string' || plugin.name.trim() === '') {
    problems.push([
      'name',
      `must be a non-empty string such as 'nord:optimizer-ga', got ${formatValue(plugin.name)}`,
    ])
  }
  const coreProblem = checkCoreRange(plugin.core)
  if (coreProblem) problems.push(['core', coreProblem])
  if (typeof plugin.create !== 'function') {
    problems.push([
      'create',
      `must be the plugin's factory function, got ${formatValue(plugin.create)}`,
    ])
  }
  return problems
}

function checkCoreRange(range: unknown): string | undefined {
  if (typeof range !== 'string' || semver.validRange(range) === null) {
    return `must be a semver range of supported @nord/core versions such as '^0.1.0', got ${formatValue(range)}`
  }
  if (!semver.satisfies(CORE_VERSION, range, { includePrerelease: true })) {
    return `requires @nord/core ${range}, but this is @nord/core ${CORE_VERSION}`
  }
  return undefined
}

/**
 * Loads the plugin named by `spec`: the entry of `builtins` with that key,
 * or else the default export of the package `spec`, resolved from the
 * current working directory as the user's own code would import it.
 *
 * @throws NordError `NORD_ERR_PLUGIN_NOT_FOUND` when `spec` is neither a
 *   built-in nor an installed package, `NORD_ERR_PLUGIN` when the package
 *   fails to load or its default export is not a valid plugin.
 */
export async function loadPlugin<K extends PluginKind>(
  kind: K,
  spec: string,
  builtins: Record<string, NordPlugin>,
): Promise<NordPlugin<K>> {
  if (Object.hasOwn(builtins, spec)) {
    return checkPlugin(builtins[spec], kind, `'${spec}' (built-in)`)
  }

  const entry = resolveFromWorkingDirectory(spec)
  if (entry === undefined) throw pluginNotFound(kind, spec, builtins)

  let namespace: unknown
  try {
    namespace = await import(pathToFileURL(entry).href)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new NordError(
      'NORD_ERR_PLUGIN',
      `the ${kind} plugin package '${spec}' failed to load from ${entry}: ${message}`,
      {
        value: spec,
        hint: `Reinstall '${spec}' or report the error to its authors`,
        cause: error,
      },
    )
  }
  return checkPlugin(namespace, kind, `'${spec}'`)
}

/**
 * Resolves a package the way the current working directory's code would,
 * returning the file path of its entry point or undefined if not installed.
 */
function resolveFromWorkingDirectory(spec: string): string | undefined {
  const require = createRequire(join(process.cwd(), 'noop.js'))
  try {
    return require.resolve(spec)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // `require.resolve` applies the `require` condition of package exports,
    // so it fails for ESM-only packages (exports with only `import`).
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      return resolveImportEntry(require, spec)
    }
    if (code === 'MODULE_NOT_FOUND') return undefined
    throw error
  }
}

function resolveImportEntry(
  require: NodeJS.Require,
  spec: string,
): string | undefined {
  const { name, subpath } = splitSpecifier(spec)
  const folders = require.resolve.paths(name) ?? []
  const root = folders
    .map((folder) => join(folder, name))
    .find((folder) => existsSync(join(folder, 'package.json')))
  if (root === undefined) return undefined

  const manifest = JSON.parse(
    readFileSync(join(root, 'package.json'), 'utf8'),
  ) as { exports?: unknown }
  const target = pickExport(manifest.exports, subpath)
  return target === undefined ? undefined : join(root, target)
}

/** Splits `@scope/name/sub` into the package name and the subpath `./sub`. */
function splitSpecifier(spec: string): { name: string; subpath: string } {
  const parts = spec.split('/')
  const length = spec.startsWith('@') ? 2 : 1
  const name = parts.slice(0, length).join('/')
  const rest = parts.slice(length)
  return { name, subpath: rest.length === 0 ? '.' : `./${rest.join('/')}` }
}

/**
 * Finds the file of `subpath` in a package's `exports` under the conditions
 * that `import()` uses in Node (`import`, `node`, `default`). Subpath
 * patterns with `*` are not supported.
 */
function pickExport(exports: unknown, subpath: string): string | undefined {
  const hasSubpaths =
    isPlainObject(exports) &&
    Object.keys(exports).some((key) => key.startsWith('.'))
  if (hasSubpaths) return pickCondition(exports[subpath])
  return subpath === '.' ? pickCondition(exports) : undefined
}

function pickCondition(target: unknown): string | undefined {
  if (typeof target === 'string') return target
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = pickCondition(item)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (!isPlainObject(target)) return undefined
  for (const [condition, value] of Object.entries(target)) {
    if (!['import', 'node', 'default'].includes(condition)) continue
    const found = pickCondition(value)
    if (found !== undefined) return found
  }
  return undefined
}

function pluginNotFound(
  kind: PluginKind,
  spec: string,
  builtins: Record<string, NordPlugin>,
): NordError {
  const names = Object.keys(builtins)
  const listed = names.length === 0 ? 'none' : names.join(', ')
  return new NordError(
    'NORD_ERR_PLUGIN_NOT_FOUND',
    `${kind} plugin '${spec}' not found: it is not a built-in ${kind} (built-ins: ${listed}) and no package '${spec}' is installed from ${process.cwd()}`,
    {
      value: spec,
      hint: `Use a built-in name, or install the package (pnpm add ${spec}) in the project you run nord from`,
    },
  )
}
