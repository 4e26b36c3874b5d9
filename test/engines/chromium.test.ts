/** SPEC section 4 in Chromium: the suite of promises.ts, run in this engine. */
import { chromium } from './chromium'
import { provePromises } from './promises'

provePromises(chromium)
