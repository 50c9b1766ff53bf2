import type { Offspring } from './breeding.js'

/** A proposed individual of either variant. */
export type Individual = Offspring & { id: string }

export { loadIndividual, saveIndividual } from '@nord/core'
