// The shop's catalogue: a few products with stock, kept in memory (a restart restocks).
// The teapot is out of stock, so the restock alert has something to alert about.

/** @typedef {{ id: string, name: string, blurb: string, price: number, stock: number }} Product */

/** @type {readonly Product[]} */
const PRODUCTS = [
  { id: 'mug', name: 'Kenchi mug', blurb: 'Stoneware, 350 ml, dishwasher safe.', price: 1800, stock: 40 },
  { id: 'tenugui', name: 'Tenugui towel', blurb: 'Printed cotton, 90 × 35 cm.', price: 1200, stock: 25 },
  { id: 'notebook', name: 'A5 notebook', blurb: 'Dotted paper, 160 pages.', price: 900, stock: 60 },
  { id: 'teapot', name: 'Cast-iron teapot', blurb: 'Nambu tekki, 0.6 l.', price: 7800, stock: 0 },
]

/** Most of one product in one cart or order. */
export const MAX_QUANTITY = 10

export const yen = (amount) => `¥${amount.toLocaleString('en-US')}`

/** A fresh catalogue with its own stock, one per running demo. */
export function createCatalogue() {
  /** @type {Map<string, Product>} */
  const products = new Map(PRODUCTS.map((p) => [p.id, { ...p }]))
  /**
   * The lines of a cart (`{ [productId]: quantity }`) and their total; unknown products are left out.
   * @returns {{ lines: Array<{ product: Product, quantity: number, amount: number }>, total: number }}
   */
  const price = (cart = {}) => {
    const lines = []
    for (const [id, quantity] of Object.entries(cart)) {
      const product = products.get(id)
      if (product && quantity > 0) lines.push({ product, quantity, amount: product.price * quantity })
    }
    return { lines, total: lines.reduce((sum, l) => sum + l.amount, 0) }
  }
  return {
    /** @returns {Product[]} */
    list: () => [...products.values()],
    /** @returns {Product | undefined} */
    get: (id) => (typeof id === 'string' ? products.get(id) : undefined),
    price,
    /** Takes the cart's items out of stock if every one is there; false (and nothing taken) otherwise. */
    take(cart = {}) {
      const { lines } = price(cart)
      if (lines.length === 0 || lines.some((l) => l.quantity > l.product.stock)) return false
      for (const l of lines) l.product.stock -= l.quantity
      return true
    },
  }
}

/** Reads a quantity field: a whole number from 1 to MAX_QUANTITY, or undefined. */
export function quantityOf(value) {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{1,2}\s*$/.test(value) ? Number(value) : NaN
  return Number.isInteger(n) && n >= 1 && n <= MAX_QUANTITY ? n : undefined
}
