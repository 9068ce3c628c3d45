import { PGlite } from '@electric-sql/pglite'
let t=Date.now()
const pg = new PGlite()
await pg.waitReady
console.log('init ms', Date.now()-t)
t=Date.now()
const dump = await pg.dumpDataDir('none')
console.log('dump ms', Date.now()-t, dump.size)
t=Date.now()
const pg2 = new PGlite({ loadDataDir: dump })
await pg2.waitReady
console.log('load ms', Date.now()-t)
console.log((await pg2.query('select version()')).rows)
console.log(process.memoryUsage().rss/1e6)
