export function KeysPage() {
  return <div data-testid="keys-page">API keys</div>;
}
