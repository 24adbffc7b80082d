// Inside WeChat the page has WeChat's own scanner (JS-SDK `wx.scanQRCode`), which reads better than a camera
// stream and needs no permission prompt. The host page loads and configures the JS-SDK; we only use it when there.

interface ScanQRCodeResult {
  resultStr: string
}

interface WeChatJsSdk {
  scanQRCode(options: {
    needResult: 0 | 1
    scanType: ('qrCode' | 'barCode')[]
    success(result: ScanQRCodeResult): void
    fail(error: { errMsg: string }): void
    cancel?(): void
  }): void
}

function sdk(): WeChatJsSdk | null {
  const wx = (window as { wx?: Partial<WeChatJsSdk> }).wx
  return typeof wx?.scanQRCode === 'function' ? (wx as WeChatJsSdk) : null
}

export function inWeChat(): boolean {
  return sdk() !== null
}

/** The text WeChat's scanner read; null when the cashier closed it. Rejects when WeChat refused (not configured). */
export function scanWithWeChat(): Promise<string | null> {
  const wx = sdk()
  if (!wx) return Promise.reject(new Error('WeChat JS-SDK is not on this page'))
  return new Promise((resolve, reject) => {
    wx.scanQRCode({
      needResult: 1,
      scanType: ['qrCode', 'barCode'],
      success: (result) => resolve(result.resultStr),
      fail: (error) => (/cancel/i.test(error.errMsg) ? resolve(null) : reject(new Error(error.errMsg))),
      cancel: () => resolve(null),
    })
  })
}
