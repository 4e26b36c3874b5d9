import { describe, expect, it } from 'vitest'
import { DEFAULT_REDACT, keyMatcher, redactText, redactUrls } from '../../../src/entry/redact'

const keys = keyMatcher(DEFAULT_REDACT)

/** Every way a key is spelt in the wild: camelCase, snake_case, kebab-case, upper case. */
function variants(words: string[]): string[] {
  const snake = words.join('_')
  return [snake, words.join('-'), snake.toUpperCase(), words[0] + words.slice(1).map((w) => w[0].toUpperCase() + w.slice(1)).join(''), words.join('')]
}

describe('keyMatcher with the default list', () => {
  const secrets = [
    ['password'], ['passwd'], ['old', 'password'], ['mysql', 'pwd'], ['secret'], ['client', 'secret'], ['token'],
    ['access', 'token'], ['refresh', 'token'], ['id', 'token'], ['csrf', 'token'], ['xsrf', 'token'], ['api', 'key'],
    ['x', 'api', 'key'], ['private', 'key'], ['aws', 'access', 'key', 'id'], ['authorization'], ['proxy', 'authorization'],
    ['auth'], ['credentials'], ['cookie'], ['set', 'cookie'], ['jwt'], ['csrf'], ['phpsessid'], ['x', 'goog', 'signature'],
  ]
  it.each(secrets.map((words) => [words.join('_'), words]))('matches %s in every spelling', (_, words) => {
    for (const key of variants(words as string[])) expect(keys.test(key), key).toBe(true)
  })

  it('matches the keys of the issue that leaked', () => {
    for (const key of ['accessToken', 'access_token', 'refreshToken', 'id_token', 'api_key', 'x-api-key', 'clientSecret', 'client_secret', 'passwd', 'cookie', 'set-cookie', 'proxy-authorization', 'jwt', 'privateKey']) {
      expect(keys.test(key), key).toBe(true)
    }
  })

  it('keeps the ids support staff search by', () => {
    for (const key of ['appSessionId', 'app_session_id', 'sessionId', 'session', 'channelSessionId', 'channel', 'clientId', 'userId', 'id', 'room', 'url', 'level', 'message', 'stack', 'code', 'key', 'processId']) {
      expect(keys.test(key), key).toBe(false)
    }
  })
})

describe('keyMatcher', () => {
  it('normalises the words too, and takes any character literally', () => {
    const custom = keyMatcher(['My_Key', 'connect.sid', 'a(b', '', 42])
    expect(custom.test('x-my-key')).toBe(true)
    expect(custom.test('MYKEY')).toBe(true)
    expect(custom.test('connect.sid')).toBe(true)
    expect(custom.test('ab')).toBe(true)
    expect(custom.test('n42')).toBe(true)
    expect(custom.test('password')).toBe(false)
  })

  it('matches nothing for an empty list', () => {
    const none = keyMatcher([])
    for (const key of ['', 'password', 'token']) expect(none.test(key)).toBe(false)
  })
})

describe('redactUrls', () => {
  it('redacts secret query and fragment values, keeping the path, the names and the other parameters', () => {
    expect(redactUrls('https://app.example/room?token=abc&room=blue&code=42#access_token=xyz&state=s1&expires_in=3600', keys)).toBe(
      'https://app.example/room?token=[redacted]&room=blue&code=[redacted]#access_token=[redacted]&state=s1&expires_in=3600',
    )
  })

  it('finds URLs inside longer text, relative ones and hash routes too', () => {
    expect(redactUrls('GET /api/x?api_key=k1 failed; see https://a.example/#/room?id_token=t1 "q?sig=s1"', keys)).toBe(
      'GET /api/x?api_key=[redacted] failed; see https://a.example/#/room?id_token=[redacted] "q?sig=[redacted]"',
    )
  })

  it('redacts OTel’s signed-URL parameters and Google’s key', () => {
    const url = 'https://b.example/o?AWSAccessKeyId=A1&Signature=S1&X-Goog-Signature=G1&X-Amz-Signature=Z1&key=K1&v=3'
    expect(redactUrls(url, keys)).toBe(
      'https://b.example/o?AWSAccessKeyId=[redacted]&Signature=[redacted]&X-Goog-Signature=[redacted]&X-Amz-Signature=[redacted]&key=[redacted]&v=3',
    )
  })

  it('leaves text without parameters, and harmless parameters, as they are (the same string)', () => {
    for (const text of ['plain text', 'a = b', 'what? nothing', 'https://a.example/room?room=blue&user=ann', 'x?token=']) {
      expect(redactUrls(text, keys)).toBe(text)
    }
  })

  it('uses the given list for names, plus code, sig and key always', () => {
    expect(redactUrls('/p?pin=1&token=2&code=3', keyMatcher(['pin']))).toBe('/p?pin=[redacted]&token=2&code=[redacted]')
  })
})

describe('redactText: secrets by shape', () => {
  const R = '[redacted]'
  const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'
  const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq9\nZk1x2==\n-----END RSA PRIVATE KEY-----'
  const cases: [string, string][] = [
    ['GET https://alice:hunter2@db.example/x failed', `GET https://${R}@db.example/x failed`],
    ['mongodb://admin:s3cr3t@10.0.0.1:27017/db', `mongodb://${R}@10.0.0.1:27017/db`],
    ['Authorization: Bearer abc.def-123', `Authorization: ${R}`],
    ['Bearer abc.def-123', `Bearer ${R}`],
    ['sent bearer xyzXYZ0987 twice', `sent bearer ${R} twice`],
    ['Basic YWxpY2U6aHVudGVyMg==', `Basic ${R}`],
    [`token is ${jwt}`, `token is ${R}`],
    [`key: ${pem}`, `key: -----BEGIN RSA PRIVATE KEY-----${R}-----END RSA PRIVATE KEY-----`],
    [pem.slice(0, 50), `-----BEGIN RSA PRIVATE KEY-----${R}`],
    ['{"user":"ann","password":"hunter2","room":"blue"}', `{"user":"ann","password":"${R}","room":"blue"}`],
    ['{"token": "t-1", "n": 2}', `{"token": "${R}", "n": 2}`],
    ['{\\"password\\":\\"hunter2\\"}', `{\\"password\\":\\"${R}`],
    ["{ secret: 'it\\'s', room: 'blue' }", `{ secret: '${R}', room: 'blue' }`],
    ['{"otp":123456,"room":"blue"}', `{"otp":${R}`],
    ['access_token=abc123&state=s1', `access_token=${R}&state=s1`],
    ['Cookie: sid=abc; theme=dark', `Cookie: ${R}`],
    ['set connect.sid=s%3Aabc.def', `set connect.sid=${R}`],
    ['X-Api-Key: k-123', `X-Api-Key: ${R}`],
    ['https://a.example/login?next=%2Fcb%3Ftoken%3Dabc%26room%3Dblue&x=1', `https://a.example/login?next=%2Fcb%3Ftoken%3D${R}&x=1`],
    ['https://a.example/login?next=%2Fcb%3Fcode%3Dabc%26room%3Dblue', `https://a.example/login?next=%2Fcb%3Fcode%3D${R}`],
    ['https://a.example/login?next=/cb?code=abc', `https://a.example/login?next=/cb?code=${R}`],
    ['https://a.example/?u=https%3A%2F%2Fbob%3Apw%40b.example%2F', `https://a.example/?u=https%3A%2F%2F${R}%40b.example%2F`],
    ['paid with 4111 1111 1111 1111 today', `paid with ${R} today`],
    ['card 5500-0000-0000-0004', `card ${R}`],
    ['passphrase=correct horse', `passphrase=${R} horse`],
  ]
  it.each(cases)('%s', (text, out) => expect(redactText(text, keys)).toBe(out))

  it('leaves harmless text as it is (the same string)', () => {
    for (const text of [
      'joined', 'token expired, refreshing', 'password reset mail sent', 'Basic information missing',
      'at login (https://app.example/auth.js:10:5)', 'at Object.tokenStore (webpack:///src/token.ts:3:1)',
      'release 3f2a9c1d4b5e6f708192a3b4c5d6e7f809123456', 'at 1764643200000 and 2026-12-02T03:10:00.000Z',
      'id 550e8400-e29b-41d4-a716-446655440000', 'order 4111 1111 1111 1112 (not a card: Luhn fails)', '17646432000001234 items',
      'publicKey: MFkwEwYHKoZIzj0', 'side: left', 'inside: yes', 'considered=true', 'footprint: 3', 'https://auth.example:8443/room?room=blue',
      'channel=0b8f room=blue', 'mailto user@example.com', 'session 42 ended: 3 users',
    ]) {
      expect(redactText(text, keys), text).toBe(text)
    }
  })

  it('uses the given words for pairs', () => {
    expect(redactText('pin=1234 token=abc', keyMatcher(['pin']))).toBe('pin=[redacted] token=abc')
    expect(redactText('token=abc Bearer xyz123', keyMatcher([]))).toBe('token=abc Bearer [redacted]')
  })

  it('matches _sid_ and _otp as words only', () => {
    for (const key of ['sid', 'connect.sid', 'SID', 'x-sid', 'user_sid', 'otp', 'otpCode', 'OTP_CODE', 'passphrase']) expect(keys.test(key), key).toBe(true)
    for (const key of ['side', 'inside', 'considered', 'sidebar', 'footprint', 'hotpink', 'spotPrice']) expect(keys.test(key), key).toBe(false)
  })

  it('costs little on a long string without a secret', () => {
    const text = 'a:b=c '.repeat(1500) + 'x'.repeat(8000)
    const start = performance.now()
    expect(redactText(text, keys)).toBe(text)
    expect(performance.now() - start).toBeLessThan(200)
  })
})
