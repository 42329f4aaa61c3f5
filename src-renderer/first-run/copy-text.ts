/**
 * Copies text to the clipboard: the async Clipboard API where the page may use it, else a
 * selected hidden textarea and `execCommand('copy')` (the desktop window refuses permission
 * requests, so the API can be unavailable there). Resolves true when one of them worked.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'first-run-offscreen';
    document.body.append(area);
    area.select();
    // Deprecated but still the one synchronous fallback browsers and Electron support.
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}
