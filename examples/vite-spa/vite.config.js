import { defineConfig } from 'vite'

// `npm run dev`: Vite serves the page on :5173 and passes the API and Kenchi's endpoint to
// the Express server on :3000 (start it with ORIGIN=http://localhost:5173, the page's origin).
export default defineConfig({
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/kenchi': 'http://localhost:3000',
    },
  },
})
