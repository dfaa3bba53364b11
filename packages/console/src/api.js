// The console's JSON API for one site, mounted at <base>/api (the console picks the site
// from ?site=, and checks the session, the role and the CSRF token first: console.js).
// Every route is documented in docs/admin-api.md; the console pages use only these routes.
// Built from public pieces: the site's store and verifier, and its optional rule settings.
import express from 'express'
import { KenchiError } from '@kenchi/server'
import { negativeIps } from '@kenchi/server/lists'
import { eventsCsv } from './csv.js'
import { eventStats, linkGraph, MAX_SCAN, parseFilter, scanEvents, WINDOWS } from './query.js'
import { reasonCatalogue } from './reasons.js'

const ID = /^[\w-]{1,128}$/
const IP = /^[0-9a-fA-F:.]{2,45}$/

/**
 * @param {import('./index.js').ConsoleSite} site
 * @param {{ audit: (req: any, action: string, target: string | null, before: unknown, after: unknown) => Promise<void>,
 *   need: (role: 'viewer' | 'analyst' | 'admin') => import('express').RequestHandler,
 *   labelHistory: (eventId: string) => Promise<Array<{ label: string, at: number, comment?: string, by: string }>> }} tools
 */
export function consoleApi(site, { audit, need, labelHistory }) {
  const { verifier, store } = site
  const ruleSettings = site.rules
  const api = express.Router()
  const json = express.json({ limit: '64kb' })
  const bad = (res, error, message) => res.status(400).json({ error, message })
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
  const hashUser = site.hashUser ?? ((email) => verifier.hashIdentity('user', email.trim().toLowerCase()))
  const userName = (hash) => (site.userName ? (site.userName(hash) ?? undefined) : undefined)
  const namesOf = (hashes) => {
    const out = {}
    for (const h of hashes) if (h !== undefined && userName(h) !== undefined) out[h] = userName(h)
    return out
  }
  // Routes that need the site's rule settings (lists, rule modes, foreign IP): 404 without them.
  const rules = (req, res, next) =>
    ruleSettings ? next() : res.status(404).json({ error: 'NOT_AVAILABLE', message: 'this site has no rule settings' })
  const viewer = need('viewer')
  const analyst = need('analyst')
  const admin = need('admin')
  api.use(viewer)

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
      deviceListed: event.deviceId !== undefined && !!ruleSettings?.lists.device?.has(event.deviceId),
      ipNegative: event.ip !== undefined && (await negativeIps(store).has(event.ip)),
      ipListed: event.ip !== undefined ? (ruleSettings?.lists.ip?.match(event.ip) ?? null) : null,
      labels: await labelHistory(event.id),
      later,
    })
  })

  api.post('/events/:id/label', analyst, json, async (req, res) => {
    const { label, comment } = isObject(req.body) ? req.body : {}
    const before = ID.test(req.params.id) ? await store.getEvent(req.params.id) : undefined
    try {
      await verifier.label(req.params.id, label, comment === undefined ? {} : { comment })
    } catch (error) {
      if (error instanceof KenchiError)
        return res.status(error.code === 'EVENT_UNKNOWN' ? 404 : 400).json({ error: error.code, message: error.message })
      throw error
    }
    const event = await store.getEvent(req.params.id)
    await audit(req, 'label', req.params.id, before?.label ?? null, event?.label ?? null)
    res.json(event)
  })

  // ---- devices, users, graph ----

  const ipsOf = async (events) => {
    const counts = new Map()
    for (const e of events) if (e.ip !== undefined) counts.set(e.ip, (counts.get(e.ip) ?? 0) + 1)
    return Promise.all([...counts].map(async ([ip, count]) => ({ ip, count, negative: await negativeIps(store).has(ip) })))
  }

  api.get('/devices/:id', async (req, res) => {
    const device = ID.test(req.params.id) ? await store.getDevice(req.params.id) : undefined
    if (!device) return res.status(404).json({ error: 'DEVICE_UNKNOWN' })
    const users = await store.listDeviceUsers(req.params.id, 100)
    const { events } = await scanEvents(store, { device: device.id, limit: 50 })
    res.json({
      device,
      users,
      listed: !!ruleSettings?.lists.device?.has(device.id),
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
    res.json({ maxEvents: MAX_SCAN, ...(await eventStats(store, window)), attack: verifier.attack })
  })

  api.get('/reasons', (req, res) => res.json(reasonCatalogue()))

  // ---- policy, rules, lists, foreign IP, attack mode ----

  api.get('/policy', (req, res) => res.json(verifier.policy))
  api.put('/policy', admin, json, async (req, res) => {
    if (!isObject(req.body)) return bad(res, 'INPUT_INVALID', 'send a JSON object')
    const before = structuredClone(verifier.policy)
    let after
    try {
      after = verifier.updatePolicy(req.body)
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
    await audit(req, 'policy.update', null, before, structuredClone(after))
    res.json(after)
  })

  api.get('/attack', (req, res) => res.json(verifier.attack))

  api.get('/rules', rules, (req, res) => res.json({ rules: ruleSettings.ruleModes() }))
  api.put('/rules/:name', admin, rules, json, async (req, res) => {
    const modeOf = () => ruleSettings.ruleModes().find((r) => r.name === req.params.name)?.mode ?? null
    const before = modeOf()
    try {
      ruleSettings.setRuleMode(req.params.name, isObject(req.body) ? req.body.mode : undefined)
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
    await audit(req, 'rule.update', req.params.name, before, modeOf())
    res.json({ rules: ruleSettings.ruleModes() })
  })

  const listView = (name) => ({ name, ...ruleSettings.listInfo[name], entries: ruleSettings.lists[name].entries() })
  const strings = (v, max) => Array.isArray(v) && v.length <= max && v.every((s) => typeof s === 'string' && s.length <= 256)
  const listOr404 = (req, res) => {
    if (Object.hasOwn(ruleSettings.listInfo, req.params.name)) return ruleSettings.lists[req.params.name]
    res.status(404).json({ error: 'LIST_UNKNOWN' })
  }

  api.get('/lists', rules, (req, res) => res.json({ lists: Object.keys(ruleSettings.listInfo).map(listView) }))
  api.put('/lists/:name', admin, rules, json, async (req, res) => {
    const list = listOr404(req, res)
    if (!list) return
    const before = list.entries()
    const entries = isObject(req.body) ? req.body.entries : undefined
    if (!strings(entries, 1000)) return bad(res, 'INPUT_INVALID', 'entries: an array of at most 1000 strings of up to 256 characters')
    try {
      list.replace(entries.map((e) => e.trim()).filter((e) => e.length > 0))
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
    await audit(req, 'list.replace', req.params.name, before, list.entries())
    res.json(listView(req.params.name))
  })
  api.post('/lists/:name', admin, rules, json, async (req, res) => {
    const list = listOr404(req, res)
    if (!list) return
    const before = list.entries()
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
    await audit(req, 'list.update', req.params.name, before, list.entries())
    res.json(listView(req.params.name))
  })

  api.get('/foreign-ip', rules, (req, res) => res.json(ruleSettings.foreignIp()))
  api.put('/foreign-ip', admin, rules, json, async (req, res) => {
    if (!isObject(req.body)) return bad(res, 'INPUT_INVALID', 'send a JSON object')
    const { policy, homeCountries } = req.body
    const before = structuredClone(ruleSettings.foreignIp())
    let after
    try {
      after = ruleSettings.setForeignIp({
        ...(policy !== undefined ? { policy } : {}),
        ...(homeCountries !== undefined ? { homeCountries } : {}),
      })
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
    await audit(req, 'foreign-ip.update', null, before, structuredClone(after))
    res.json(after)
  })

  api.get('/geo', rules, (req, res) => {
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
    res.json({ ip: req.params.ip, negative: await negativeIps(store).has(req.params.ip) })
  })
  api.delete('/negative-ips/:ip', admin, async (req, res) => {
    if (!IP.test(req.params.ip)) return bad(res, 'INPUT_INVALID', 'not an IP address')
    const before = await negativeIps(store).has(req.params.ip)
    await negativeIps(store).remove(req.params.ip)
    await audit(req, 'negative-ip.delete', req.params.ip, { negative: before }, { negative: false })
    res.json({ ip: req.params.ip, negative: false })
  })

  return api
}
