/** The machine a benchmark ran on, for the report. */
import { cpus, platform, release, totalmem } from 'node:os'

export interface MachineInfo {
  /** CPU model, as the operating system names it. */
  cpu: string
  /** Logical cores. */
  cores: number
  /** Total memory, GiB rounded to one decimal. */
  memoryGiB: number
  /** Node.js version, such as `v20.20.2`. */
  node: string
  /** Operating system and kernel release. */
  platform: string
}

export function machineInfo(): MachineInfo {
  const cores = cpus()
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${platform()} ${release()}`,
  }
}
