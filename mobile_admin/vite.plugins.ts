// Two build steps for a first load on a slow phone network: Vant's icon font leaves the render-blocking CSS (it was
// 27 kB of its 35 kB gzipped, inlined as base64) for a file of its own, and every asset is written pre-compressed
// (.br and .gz) so the API sends it compressed without compressing on each request.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

import type { Plugin } from 'vite'

const INLINED_FONT = /url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\)/

export function iconFontAsFile(cacheDir: string): Plugin {
  return {
    name: 'jike:icon-font-as-file',
    enforce: 'pre',
    transform(code, id) {
      if (!id.replace(/\\/g, '/').endsWith('vant/es/icon/index.css')) return null
      const match = INLINED_FONT.exec(code)
      if (!match?.[1]) return null
      const font = join(cacheDir, 'vant-icon.woff2')
      mkdirSync(cacheDir, { recursive: true })
      writeFileSync(font, Buffer.from(match[1], 'base64'))
      // A relative url: Vite resolves it from the CSS file and emits the font as a hashed asset.
      const url = relative(dirname(id), font).replace(/\\/g, '/')
      return { code: code.replace(INLINED_FONT, `url(${url})`), map: null }
    },
  }
}

const COMPRESSIBLE = /\.(js|css|html|svg|json|wasm|woff2?)$/

export function precompress(): Plugin {
  let outDir = 'dist'
  return {
    name: 'jike:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    writeBundle(_options, bundle) {
      for (const fileName of Object.keys(bundle)) {
        if (!COMPRESSIBLE.test(fileName)) continue
        const path = join(outDir, fileName)
        const body = readFileSync(path)
        writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }))
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }),
        )
      }
    },
  }
}

const DOCUMENT_CALL = /\bgraphql\(\s*`([^`]*)`\s*\)/g
const DEFINITION = /^\s*(query|mutation|subscription|fragment)\s+(\w+)/
const GENERATED_DOCUMENT = /^export const (\w+) = (\{.*\}) as unknown as DocumentNode/gm

/**
 * What the client preset's babel plugin is for, done for Vite: each `graphql(`...`)` call becomes that one document
 * inlined from src/gql/graphql.ts, so a screen's documents travel in its own lazy chunk instead of every document in
 * the app riding in the entry (through gql.ts's lookup map, or graphql.ts as one shared module).
 */
export function documentsInline(generated: string): Plugin {
  let documents = new Map<string, string>()
  return {
    name: 'jike:documents-inline',
    enforce: 'post',
    buildStart() {
      documents = new Map([...readFileSync(generated, 'utf8').matchAll(GENERATED_DOCUMENT)].map((m) => [m[1]!, m[2]!]))
    },
    transform(code, id) {
      if (id.includes('/node_modules/') || id.includes('/src/gql/') || !code.includes('graphql(')) return null
      let changed = false
      const replaced = code.replace(DOCUMENT_CALL, (whole, source: string) => {
        const match = DEFINITION.exec(source)
        if (!match?.[1] || !match[2]) return whole
        const document = documents.get(match[1] === 'fragment' ? `${match[2]}FragmentDoc` : `${match[2]}Document`)
        if (!document) return whole
        changed = true
        return `(${document})`
      })
      return changed ? { code: replaced, map: null } : null
    },
  }
}
