import { describe, expect, it } from 'vitest'

import { inWeChat } from './download'

describe("WeChat's browser, where a download needs a real browser", () => {
  it("is told by WeChat's and WeCom's user agents", () => {
    const wechat =
      'Mozilla/5.0 (Linux; Android 13; V2148A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0 ' +
      'Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230701 MicroMessenger/8.0.40.2420(0x28002851) WeChat/arm64'
    const wecom = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 wxwork/4.1.10 MicroMessenger/7.0.1'
    expect(inWeChat(wechat)).toBe(true)
    expect(inWeChat(wecom)).toBe(true)
  })

  it('is not a phone browser', () => {
    const safari =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 ' +
      'Mobile/15E148 Safari/604.1'
    expect(inWeChat(safari)).toBe(false)
  })
})
