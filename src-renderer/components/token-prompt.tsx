import { useState, type FormEvent } from 'react';
import { useConsole } from '../hooks/use-console.js';

/** Asks for the admin token when the server answers 401 (a browser on another machine). */
export function TokenPrompt() {
  const submitToken = useConsole((s) => s.submitToken);
  const rejected = useConsole((s) => s.tokenRejected);
  const [token, setToken] = useState('');
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (token.trim()) void submitToken(token);
  };
  return (
    <div
      className="overlay"
      role="dialog"
      aria-modal="true"
      aria-labelledby="token-title"
      data-testid="token-prompt"
      data-state={rejected ? 'rejected' : 'asking'}
    >
      <form className="card dialog" onSubmit={onSubmit}>
        <h2 id="token-title">Admin token required</h2>
        <p className="muted">
          This machine is not on a trusted network. Paste the admin token printed by{' '}
          <code>aerie serve</code> or shown in the desktop app.
        </p>
        {rejected ? (
          <p className="form-error" role="alert" data-testid="token-error">
            The server did not accept that token.
          </p>
        ) : null}
        <input
          type="password"
          autoComplete="off"
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="admin token"
          data-testid="token-input"
        />
        <button type="submit" disabled={!token.trim()} data-testid="token-submit">
          Connect
        </button>
      </form>
    </div>
  );
}
