/**
 * True when an IPC message comes from the page we loaded ourselves: same protocol, and for
 * `file:` the same document path, for http(s) the same origin (the dev server). Query and hash
 * are ignored; an unparsable or missing URL is never trusted.
 */
export function isTrustedSender(
  senderUrl: string | undefined | null,
  expectedUrl: string,
): boolean {
  if (!senderUrl) return false;
  let sender: URL;
  let expected: URL;
  try {
    sender = new URL(senderUrl);
    expected = new URL(expectedUrl);
  } catch {
    return false;
  }
  if (sender.protocol !== expected.protocol) return false;
  switch (sender.protocol) {
    case 'file:':
      return sender.host === expected.host && sender.pathname === expected.pathname;
    case 'http:':
    case 'https:':
      return sender.origin === expected.origin;
    default:
      return false;
  }
}
