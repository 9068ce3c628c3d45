const cpu = () => { const u = process.cpuUsage(); return ((u.user + u.system) / 1e6).toFixed(2) }
for (const m of ['@electric-sql/pglite', 'drizzle-orm', 'drizzle-orm/pglite', 'drizzle-orm/node-postgres', 'pg', 'pg-boss', '/work/wt/tests/src/platform/db/database.ts', 'fastify', 'nunjucks', '/work/wt/tests/src/app.ts']) {
  const b = cpu(); await import(m); console.log(m, b, '->', cpu())
}
const { PGlite } = await import('@electric-sql/pglite')
let b = cpu(); const p = new PGlite(); await p.waitReady; console.log('new PGlite()', b, '->', cpu())
b = cpu(); const dump = await p.dumpDataDir('none'); console.log('dump none', b, '->', cpu(), dump.size)
b = cpu(); const p2 = new PGlite({ loadDataDir: dump }); await p2.waitReady; console.log('load none', b, '->', cpu())
b = cpu(); const gz = await p.dumpDataDir('gzip'); console.log('dump gz', b, '->', cpu(), gz.size)
b = cpu(); const p3 = new PGlite({ loadDataDir: gz }); await p3.waitReady; console.log('load gz', b, '->', cpu())
