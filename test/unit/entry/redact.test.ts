import { describe, expect, it } from 'vitest'
import { DEFAULT_REDACT, keyMatcher, redactUrls } from '../../../src/entry/redact'

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
