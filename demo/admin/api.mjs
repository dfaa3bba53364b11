// The admin console's JSON API, mounted at /admin/api behind the admin password (see
// router.mjs). Every route is documented in docs/admin-api.md; the console pages use only
// these routes. Built from public pieces: the store, the verifier and the demo's rule settings.
import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import express from 'express'
import { KenchiError, negativeIpKey } from '@kenchi/server'
import { normalEmail } from '../lib/accounts.mjs'
import { LIST_INFO } from '../lib/rules.mjs'
import { eventsCsv } from './csv.mjs'
import { eventStats, linkGraph, MAX_SCAN, parseFilter, scanEvents, WINDOWS } from './query.mjs'
import { reasonCatalogue } from './reasons.mjs'

const ID = /^[\w-]{1,128}$/
const IP = /^[0-9a-fA-F:.]{2,45}$/

/** @param {import("../app.mjs").DemoContext} ctx */
export function adminApi({ verifier, store, accounts, dataDir, ruleSettings }) {
  const api = express.Router()
  const json = express.json({ limit: '64kb' })
  const bad = (res, error, message) => res.status(400).json({ error, message })
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
  const hashUser = (email) => verifier.hashIdentity('user', normalEmail(email))

  // The shop knows its customers: user hashes of demo accounts are shown with their e-mail.
  let names = new Map()
  let namedAccounts = -1
  const userName = (hash) => {
    if (namedAccounts !== accounts.size) {
      names = new Map([...accounts.keys()].map((email) => [hashUser(email), email]))
      namedAccounts = accounts.size
    }
    return names.get(hash)
  }
  const namesOf = (hashes) => {
    const out = {}
    for (const h of hashes) if (h !== undefined && userName(h) !== undefined) out[h] = userName(h)
    return out
  }

  // The store keeps an event's latest label; the console also keeps every label given
  // through it, oldest first, in labels.jsonl next to the SQLite file.
  const labelLog = join(dataDir, 'labels.jsonl')
  /** @type {Map<string, Array<{ label: string, at: number, comment?: string }>>} */
  const labels = new Map()
  try {
    for (const line of readFileSync(labelLog, 'utf8').split('\n')) {
      if (!line) continue
      try {
        const { eventId, ...entry } = JSON.parse(line)
        if (typeof eventId === 'string') labels.set(eventId, [...(labels.get(eventId) ?? []), entry])
      } catch {
        // a torn last line after a crash: skip it
      }
    }
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }

  // ---- events ----

  async function filtered(req, res, defaults = {}) {
    const { filter, error } = parseFilter({ ...defaults, ...req.query }, hashUser)
    if (error) return void bad(res, 'INPUT_INVALID', error)
    return { filter, ...(await scanEvents(store, filter)) }
  }

  api.get('/events', async (req, res) => {
    const result = await filtered(req, res)
    if (!result) return
    const { events, next, scanned, truncated } = result
    res.json({ events, next, scanned, truncated, users: namesOf(events.map((e) => e.userHash)) })
  })

  api.get('/events.csv', async (req, res) => {
    const result = await filtered(req, res, { limit: '1000' })
    if (!result) return
    res.type('text/csv').set('content-disposition', 'attachment; filename="kenchi-events.csv"').send(eventsCsv(result.events))
  })

  const eventOr404 = async (req, res) => {
    const event = ID.test(req.params.id) ? await store.getEvent(req.params.id) : undefined
    if (!event) res.status(404).json({ error: 'EVENT_UNKNOWN' })
    return event
  }

  api.get('/events/:id', async (req, res) => {
    const event = await eventOr404(req, res)
    if (event) res.json(event)
  })

  api.get('/events/:id/effects', async (req, res) => {
    const event = await eventOr404(req, res)
    if (!event) return
    const device = event.deviceId !== undefined ? ((await store.getDevice(event.deviceId)) ?? null) : null
    const later =
      event.deviceId === undefined
        ? []
        : (await scanEvents(store, { device: event.deviceId, from: event.at, limit: 10 })).events.filter((e) => e.id !== event.id)
    res.json({
      event,
      user: event.userHash !== undefined ? (userName(event.userHash) ?? null) : null,
      device,
      deviceListed: event.deviceId !== undefined && ruleSettings.lists.device.has(event.deviceId),
      ipNegative: event.ip !== undefined && (await store.has(negativeIpKey(event.ip))),
      ipListed: event.ip !== undefined ? (ruleSettings.lists.ip.match(event.ip) ?? null) : null,
      labels: labels.get(event.id) ?? [],
      later,
    })
  })

  api.post('/events/:id/label', json, async (req, res) => {
    const { label, comment } = isObject(req.body) ? req.body : {}
    try {
      await verifier.label(req.params.id, label, comment === undefined ? {} : { comment })
    } catch (error) {
      if (error instanceof KenchiError) return res.status(error.code === 'EVENT_UNKNOWN' ? 404 : 400).json({ error: error.code, message: error.message })
      throw error
    }
    const event = await store.getEvent(req.params.id)
    if (event?.label) recordLabel(event.id, event.label)
    res.json(event)
  })

  function recordLabel(eventId, entry) {
    labels.set(eventId, [...(labels.get(eventId) ?? []), entry])
    appendFileSync(labelLog, `${JSON.stringify({ eventId, ...entry })}\n`, { mode: 0o600 })
  }

  // ---- devices, users, graph ----

  const ipsOf = async (events) => {
    const counts = new Map()
    for (const e of events) if (e.ip !== undefined) counts.set(e.ip, (counts.get(e.ip) ?? 0) + 1)
    return Promise.all([...counts].map(async ([ip, count]) => ({ ip, count, negative: await store.has(negativeIpKey(ip)) })))
  }

  api.get('/devices/:id', async (req, res) => {
    const device = ID.test(req.params.id) ? await store.getDevice(req.params.id) : undefined
    if (!device) return res.status(404).json({ error: 'DEVICE_UNKNOWN' })
    const users = await store.listDeviceUsers(req.params.id, 100)
    const { events } = await scanEvents(store, { device: device.id, limit: 50 })
    res.json({
      device,
      users,
      listed: ruleSettings.lists.device.has(device.id),
      events,
      ips: await ipsOf(events),
      names: namesOf([...users.map((u) => u.userHash), ...events.map((e) => e.userHash)]),
    })
  })

  api.get('/users/:hash', async (req, res) => {
    if (!ID.test(req.params.hash)) return bad(res, 'INPUT_INVALID', 'not a user hash')
    const hash = req.params.hash
    const devices = (await store.listUserDevices(hash, 100)).filter((d) => !/^(sid|f|c):/.test(d.deviceId))
    const { events } = await scanEvents(store, { user: hash, limit: 50 })
    res.json({ userHash: hash, email: userName(hash) ?? null, devices, events, ips: await ipsOf(events) })
  })

  api.get('/graph', async (req, res) => {
    const device = typeof req.query.device === 'string' ? req.query.device : undefined
    const user = typeof req.query.user === 'string' ? req.query.user : undefined
    if ((device === undefined) === (user === undefined)) return bad(res, 'INPUT_INVALID', 'give one of device or user')
    if (!ID.test(device ?? user)) return bad(res, 'INPUT_INVALID', `${device ? 'device' : 'user'} is not valid`)
    res.json(await linkGraph(store, device ? { device } : { user }, userName))
  })

  // ---- statistics ----

  api.get('/stats', async (req, res) => {
    const window = req.query.window ?? '1h'
    if (typeof window !== 'string' || !Object.hasOwn(WINDOWS, window)) {
      return bad(res, 'INPUT_INVALID', `window must be one of ${Object.keys(WINDOWS).join(', ')}`)
    }
    res.json({ ...(await eventStats(store, window)), maxEvents: MAX_SCAN, attack: verifier.attack })
  })

  api.get('/reasons', (req, res) => res.json(reasonCatalogue()))

  // ---- policy, rules, lists, foreign IP, attack mode ----

  api.get('/policy', (req, res) => res.json(verifier.policy))
  api.put('/policy', json, (req, res) => {
    if (!isObject(req.body)) return bad(res, 'INPUT_INVALID', 'send a JSON object')
    try {
      res.json(verifier.updatePolicy(req.body))
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
  })

  api.get('/attack', (req, res) => res.json(verifier.attack))

  api.get('/rules', (req, res) => res.json({ rules: ruleSettings.ruleModes() }))
  api.put('/rules/:name', json, (req, res) => {
    try {
      ruleSettings.setRuleMode(req.params.name, isObject(req.body) ? req.body.mode : undefined)
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
    res.json({ rules: ruleSettings.ruleModes() })
  })

  const listView = (name) => ({ name, ...LIST_INFO[name], entries: ruleSettings.lists[name].entries() })
  const strings = (v, max) => Array.isArray(v) && v.length <= max && v.every((s) => typeof s === 'string' && s.length <= 256)
  const listOr404 = (req, res) => {
    if (Object.hasOwn(LIST_INFO, req.params.name)) return ruleSettings.lists[req.params.name]
    res.status(404).json({ error: 'LIST_UNKNOWN' })
  }

  api.get('/lists', (req, res) => res.json({ lists: Object.keys(LIST_INFO).map(listView) }))
  api.put('/lists/:name', json, (req, res) => {
    const list = listOr404(req, res)
    if (!list) return
    const entries = isObject(req.body) ? req.body.entries : undefined
    if (!strings(entries, 1000)) return bad(res, 'INPUT_INVALID', 'entries: an array of at most 1000 strings of up to 256 characters')
    try {
      list.replace(entries.map((e) => e.trim()).filter((e) => e.length > 0))
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
    res.json(listView(req.params.name))
  })
  api.post('/lists/:name', json, (req, res) => {
    const list = listOr404(req, res)
    if (!list) return
    const { add = [], remove = [] } = isObject(req.body) ? req.body : {}
    if (!isObject(req.body) || !strings(add, 100) || !strings(remove, 100)) {
      return bad(res, 'INPUT_INVALID', 'send { add?: string[], remove?: string[] }, at most 100 each')
    }
    if (list.size + add.length > 1000) return bad(res, 'INPUT_INVALID', 'a list holds at most 1000 entries here')
    try {
      list.add(...add)
      list.remove(...remove)
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
    res.json(listView(req.params.name))
  })

  api.get('/foreign-ip', (req, res) => res.json(ruleSettings.foreignIp()))
  api.put('/foreign-ip', json, (req, res) => {
    if (!isObject(req.body)) return bad(res, 'INPUT_INVALID', 'send a JSON object')
    const { policy, homeCountries } = req.body
    try {
      res.json(ruleSettings.setForeignIp({ ...(policy !== undefined ? { policy } : {}), ...(homeCountries !== undefined ? { homeCountries } : {}) }))
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
  })

  api.get('/geo', (req, res) => {
    const ip = req.query.ip
    const found = typeof ip === 'string' && IP.test(ip) ? ruleSettings.country(ip) : undefined
    if (!found) return bad(res, 'INPUT_INVALID', 'ip must be an IPv4 or IPv6 address')
    const { policy, homeCountries } = ruleSettings.foreignIp()
    const foreign = found.country !== undefined && !homeCountries.includes(found.country)
    const blocks = !foreign || policy === 'allow' ? 'nothing' : policy === 'block-all' ? 'every action' : 'registration-type actions'
    res.json({ ip, ...found, country: found.country ?? null, foreign, policy, blocks })
  })

  api.get('/negative-ips/:ip', async (req, res) => {
    if (!IP.test(req.params.ip)) return bad(res, 'INPUT_INVALID', 'not an IP address')
    res.json({ ip: req.params.ip, negative: await store.has(negativeIpKey(req.params.ip)) })
  })
  api.delete('/negative-ips/:ip', async (req, res) => {
    if (!IP.test(req.params.ip)) return bad(res, 'INPUT_INVALID', 'not an IP address')
    await store.deleteKey(negativeIpKey(req.params.ip))
    res.json({ ip: req.params.ip, negative: false })
  })

  api.use((req, res) => res.status(404).json({ error: 'NOT_FOUND' }))
  api.use((error, req, res, next) => {
    if (res.headersSent) return next(error)
    const status = error?.status && error.status >= 400 && error.status < 500 ? error.status : 500
    res.status(status).json({ error: status === 500 ? 'INTERNAL_ERROR' : status === 413 ? 'INPUT_TOO_LARGE' : 'INPUT_INVALID' })
  })
  return { api, recordLabel }
}
