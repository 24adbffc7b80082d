// The app is served by the API at /admin/; Vant components are imported one by one so the entry stays small.
import { VantResolver } from '@vant/auto-import-resolver'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { fileURLToPath } from 'node:url'

import { defineConfig } from 'vitest/config'

import { documentsInline, iconFontAsFile, precompress } from './vite.plugins.ts'

export default defineConfig({
  base: '/admin/',
  plugins: [
    iconFontAsFile('node_modules/.cache/jike'),
    vue(),
    Components({ resolvers: [VantResolver()], dts: false }),
    documentsInline(fileURLToPath(new URL('./src/gql/graphql.ts', import.meta.url))),
    precompress(),
  ],
  build: {
    target: 'es2020',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 250,
  },
  server: {
    proxy: { '/graphql': 'http://127.0.0.1:8000' },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    // Vant's modules import their CSS, which Node cannot load: a mounted screen has Vite transform them instead.
    server: { deps: { inline: ['vant'] } },
  },
})
