// How the reconciliation's short-lived link reaches the owner's hands: a phone browser downloads it when the page
// goes to it (the API answers with an attachment, so the dashboard stays); WeChat's own browser downloads no
// files, so there the link is copied for a real browser instead.

/** WeChat's (and WeCom's) in-app browser, which shows a blank page for a CSV attachment rather than saving it. */
export function inWeChat(userAgent: string): boolean {
  return /MicroMessenger/i.test(userAgent)
}

/** The text copied, through the clipboard API where the page may use it (https), else a selected textarea. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {
    // Refused (no permission, or no user gesture left): the old way below still works in WeChat.
  }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  document.body.appendChild(area)
  area.select()
  area.setSelectionRange(0, text.length)
  const copied = document.execCommand('copy')
  area.remove()
  return copied
}
