// A small PNG decoder (8-bit grey, RGB, grey+alpha and RGBA, not interlaced: what Chromium
// writes for screenshots), so screenshot tests can check that an image shows something.
import { inflateSync } from 'node:zlib'

export interface Image {
  width: number
  height: number
  /** 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA). */
  channels: number
  /** The pixels, row by row, `channels` bytes each. */
  data: Uint8Array
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 }

export function decodePng(png: Buffer): Image {
  if (png.length < 8 || png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG')
  let offset = 8
  let width = 0
  let height = 0
  let colourType = -1
  const idat: Buffer[] = []
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset)
    const type = png.toString('latin1', offset + 4, offset + 8)
    const data = png.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      const depth = data[8]
      colourType = data[9]!
      if (depth !== 8 || !(colourType in CHANNELS) || data[12] !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${data[12]}`)
    } else if (type === 'IDAT') idat.push(data)
    else if (type === 'IEND') break
    offset += 12 + length
  }
  const channels = CHANNELS[colourType]!
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const out = new Uint8Array(width * height * channels)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    const row = y * stride
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[row + x - channels]! : 0
      const b = y > 0 ? out[row - stride + x]! : 0
      const c = x >= channels && y > 0 ? out[row - stride + x - channels]! : 0
      let v = line[x]!
      if (filter === 1) v += a
      else if (filter === 2) v += b
      else if (filter === 3) v += (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      }
      out[row + x] = v & 255
    }
  }
  return { width, height, channels, data: out }
}

/** How many distinct colours an image has, and the share of pixels in its most common one. */
export function colourStats(image: Image): { distinct: number; dominantShare: number } {
  const counts = new Map<number, number>()
  const { data, channels } = image
  for (let i = 0; i < data.length; i += channels) {
    let key = 0
    for (let c = 0; c < channels; c++) key = key * 256 + data[i + c]!
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  let top = 0
  for (const n of counts.values()) if (n > top) top = n
  return { distinct: counts.size, dominantShare: top / (image.width * image.height) }
}
