export function NodesPage() {
  return <div data-testid="nodes-page">Nodes</div>;
}
