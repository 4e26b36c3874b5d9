import type { Level } from '../types'

/** The levels, lowest first: a level's rank is its index. */
export const LEVELS: Level[] = ['debug', 'info', 'warn', 'error']
