// A stand-in for dist/horn-logger.min.js, used only with `--placeholder`
// while the real agent cannot be built: same shape (window.HornLogger.createLogger,
// info/flush/stats/ready), in-memory batching, no IndexedDB. Its figures mean
// nothing about horn-logger; the table labels it as the placeholder.
;(() => {
  function createLogger(config) {
    const api = config.apiUrl.replace(/\/$/, '')
    let id
    let lines = []
    let bytes = 0
    let index = 0
    let timer
    let inflight = 0
    const waiters = []
    const s = { logged: 0, persisted: 0, acknowledged: 0, dropped: 0, retries: 0, pending: 0 }
    const ready = fetch(`${api}/app_sessions/new/${config.clientId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ started: Date.now(), url: location.href }),
    })
      .then((r) => r.json())
      .then((j) => {
        id = j.id
        schedule()
        return id
      })
    function settle() {
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (s.acknowledged >= waiters[i].target) waiters.splice(i, 1)[0].resolve(true)
      }
    }
    function send() {
      timer = undefined
      if (!id || lines.length === 0) return
      const n = lines.length
      const body = JSON.stringify({ index: index++, time: Date.now(), data: lines.join('') })
      lines = []
      bytes = 0
      inflight++
      fetch(`${api}/app_sessions/${id}/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(() => {
          s.acknowledged += n
          s.pending -= n
        })
        .finally(() => {
          inflight--
          settle()
        })
    }
    function schedule() {
      if (timer === undefined) timer = setTimeout(send, 100)
    }
    function log(level, message, context) {
      let line = `${new Date().toISOString()} ${level} ${message}`
      if (context) line += ' ' + JSON.stringify(context)
      line += '\n'
      lines.push(line)
      bytes += line.length
      s.logged++
      s.persisted++
      s.pending++
      if (bytes > 60000) send()
      else schedule()
    }
    return {
      debug: (m, c) => log('DEBUG', m, c),
      info: (m, c) => log('INFO', m, c),
      warn: (m, c) => log('WARN', m, c),
      error: (m, c) => log('ERROR', m, c),
      ready,
      get appSessionId() {
        return id
      },
      stats: () => ({ ...s }),
      flush({ timeout = 10000 } = {}) {
        const target = s.logged
        return new Promise((resolve) => {
          if (s.acknowledged >= target) return resolve(true)
          waiters.push({ target, resolve })
          setTimeout(() => resolve(false), timeout)
          ready.then(send)
        })
      },
      async close() {},
      linkUser: async () => {},
    }
  }
  window.HornLogger = { createLogger }
})()
