/** SPEC section 4 in Firefox: the suite of promises.ts, run in this engine. */
import { firefox } from './firefox'
import { provePromises } from './promises'

provePromises(firefox)
