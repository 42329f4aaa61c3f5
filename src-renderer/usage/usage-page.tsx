export function UsagePage() {
  return <div data-testid="usage-page">Usage</div>;
}
