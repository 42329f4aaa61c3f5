import { SETTING_KEYS } from '../../src-main/shared/settings.js';
import { useConsole } from '../hooks/use-console.js';

/** How a setting value reads in the table. */
export function formatSetting(value: string | number | boolean | null): string {
  if (value === null) return '—';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (value === '') return '(empty)';
  return String(value);
}

export function SettingsTable() {
  const settings = useConsole((s) => s.settings);
  const changed = useConsole((s) => s.changed);
  return (
    <section className="card" data-testid="settings-panel">
      <h2>
        Settings <span className="muted count">{SETTING_KEYS.length}</span>
      </h2>
      {!settings ? (
        <p className="muted">Loading…</p>
      ) : (
        <table className="settings" data-testid="settings-table">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {SETTING_KEYS.map((key) => (
              // Re-keyed on every live change so the highlight animation replays.
              <tr
                key={`${key}:${changed[key] ?? 0}`}
                data-testid={`setting-row-${key}`}
                className={changed[key] ? 'flash' : undefined}
              >
                <td className="key">{key}</td>
                <td className="value" data-testid={`setting-value-${key}`}>
                  {formatSetting(settings[key])}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
