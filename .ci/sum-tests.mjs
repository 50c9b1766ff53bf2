// Sums the "Tests  N passed | M failed | K skipped" lines that vitest prints
// for each package into one closing line: "N passed, M failed, K skipped".
import { readFileSync } from 'node:fs'

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours
const colours = /\x1b\[[0-9;]*m/g
const text = readFileSync(process.argv[2], 'utf8').replace(colours, '')
const totals = { passed: 0, failed: 0, skipped: 0 }
let runs = 0
for (const line of text.split('\n')) {
  const match = line.match(/\bTests\s+(.*)\(\d+\)\s*$/)
  if (!match) continue
  runs++
  for (const part of match[1].split('|')) {
    const [count, word] = part.trim().split(/\s+/)
    if (word in totals) totals[word] += Number(count)
  }
}
if (runs === 0) {
  console.log('no vitest summary found in the output')
  process.exit(1)
}
console.log(
  `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`,
)
