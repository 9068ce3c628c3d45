// HAProxy in front of two Waypoint web processes, for the benches that run the deployment's shape
// on this machine (bench/rolling-restart.ts, bench/soak.ts): the settings of
// deploy/haproxy/waypoint.cfg that matter to them (health checks on /health/ready, leastconn,
// retries and redispatch on a connection refused), on loopback, each web process listed twice so
// a request still finds one while both are marked down for a moment.
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export function startHaproxy(
  workDir: string,
  lbPort: number,
  webPorts: readonly [number, number],
): ChildProcess {
  const [web1, web2] = webPorts
  const configFile = join(workDir, 'haproxy.cfg')
  writeFileSync(
    configFile,
    `global
    maxconn 1024
defaults
    mode http
    timeout connect 3s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    timeout check 2s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
frontend waypoint
    bind 127.0.0.1:${lbPort}
    default_backend waypoint_web
backend waypoint_web
    balance leastconn
    option httpchk
    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host waypoint
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server web1 127.0.0.1:${web1} check
    server web2 127.0.0.1:${web2} check
    option allbackups
    server web1-fallback 127.0.0.1:${web1} backup
    server web2-fallback 127.0.0.1:${web2} backup
`,
  )
  return spawn('haproxy', ['-db', '-f', configFile], { stdio: ['ignore', 'ignore', 'inherit'] })
}
