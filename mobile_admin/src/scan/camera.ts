// The phone's camera as a QR reader outside WeChat: the camera stream, read a few times a second by the Barcode
// Detection API (the browser's own where it reads QR codes, else the zxing polyfill). Loaded only when the scan
// screen opens the camera, so neither the polyfill nor its wasm weighs on the rest of the app; the wasm is one of
// our own built assets, never a CDN's.
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url'

export type CameraTrouble = 'denied' | 'missing' | 'insecure' | 'failed'
export type Camera = { stop: () => void } | { trouble: CameraTrouble }

interface Reader {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>
}

interface NativeDetector {
  new (options: { formats: string[] }): Reader
  getSupportedFormats(): Promise<string[]>
}

const EVERY_MS = 250

async function reader(): Promise<Reader> {
  const native = (globalThis as { BarcodeDetector?: NativeDetector }).BarcodeDetector
  if (native && (await native.getSupportedFormats()).includes('qr_code')) return new native({ formats: ['qr_code'] })
  const { BarcodeDetector, prepareZXingModule } = await import('barcode-detector/ponyfill')
  prepareZXingModule({
    overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) },
  })
  return new BarcodeDetector({ formats: ['qr_code'] })
}

function troubleOf(error: unknown): CameraTrouble {
  const name = error instanceof DOMException ? error.name : ''
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied'
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'missing'
  return 'failed'
}

/** Shows the back camera in `video` and calls `onText` with each QR code read until `stop`. */
export async function openCamera(video: HTMLVideoElement, onText: (text: string) => void): Promise<Camera> {
  // Browsers offer the camera only on https (or localhost): a store's plain-http LAN address has none.
  if (!navigator.mediaDevices?.getUserMedia) return { trouble: window.isSecureContext ? 'missing' : 'insecure' }
  let stream: MediaStream
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
  } catch (error) {
    return { trouble: troubleOf(error) }
  }
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const stop = (): void => {
    stopped = true
    clearTimeout(timer)
    for (const track of stream.getTracks()) track.stop()
    video.srcObject = null
  }
  try {
    video.srcObject = stream
    await video.play()
    const qr = await reader()
    const tick = async (): Promise<void> => {
      if (stopped) return
      if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
        // A frame the detector cannot read (blurred, half out of view) is not an error: try the next one.
        const found = await qr.detect(video).catch(() => [])
        const text = found[0]?.rawValue
        if (text && !stopped) onText(text)
      }
      if (!stopped) timer = setTimeout(() => void tick(), EVERY_MS)
    }
    void tick()
  } catch (error) {
    stop()
    return { trouble: troubleOf(error) }
  }
  return { stop }
}
