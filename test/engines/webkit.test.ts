/** SPEC section 4 in Webkit: the suite of promises.ts, run in this engine. */
import { webkit } from './webkit'
import { provePromises } from './promises'

provePromises(webkit)
