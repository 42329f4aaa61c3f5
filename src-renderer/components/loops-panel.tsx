import { useConsole } from '../hooks/use-console.js';

export function LoopsPanel() {
  const loops = useConsole((s) => s.health?.loops ?? null);
  return (
    <section className="card" data-testid="loops-panel">
      <h2>Background loops</h2>
      {!loops ? (
        <p className="muted">Loading…</p>
      ) : loops.length === 0 ? (
        <p className="muted">No loops are running.</p>
      ) : (
        <ul className="loops">
          {loops.map((l) => (
            <li
              key={l.name}
              data-testid={`loop-${l.name}`}
              data-state={l.last_error ? 'failing' : 'ok'}
            >
              <span className={`dot ${l.last_error ? 'dot-bad' : 'dot-ok'}`} aria-hidden="true" />
              <span className="loop-name">{l.name}</span>
              <span className="muted">
                every {l.interval_seconds} s · {l.ticks} runs · {l.failures} failures
              </span>
              {l.last_error ? <span className="loop-error">{l.last_error}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
