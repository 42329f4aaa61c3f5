// The desktop shell's own preferences (not control-plane settings: they belong to this desktop
// user, not to the fleet): muted notification kinds, whether "keeps running in the tray" was told,
// start at login. Plain Node so it is tested without Electron.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { NOTIFICATION_KINDS, type NotificationKind } from './notification-policy.js';

const MutedSchema = z
  .object(
    Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, z.boolean().catch(false)])) as Record<
      NotificationKind,
      z.ZodCatch<z.ZodBoolean>
    >,
  )
  .catch(() => Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, false])) as Muted);
type Muted = Record<NotificationKind, boolean>;

const PreferencesSchema = z.object({
  muted: MutedSchema.default(
    () => Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, false])) as Muted,
  ),
  close_to_tray_told: z.boolean().catch(false).default(false),
  open_at_login: z.boolean().catch(false).default(false),
});
export type ShellPreferences = z.infer<typeof PreferencesSchema>;

/** Reads preferences from JSON text; a missing, corrupt or partly wrong file keeps what is valid. */
export function parsePreferences(text: string | null): ShellPreferences {
  let raw: unknown = {};
  try {
    raw = text === null ? {} : JSON.parse(text);
  } catch {
    raw = {};
  }
  const r = PreferencesSchema.safeParse(raw);
  return r.success ? r.data : PreferencesSchema.parse({});
}

/** The preferences file (`<userData>/shell-preferences.json`), written atomically on each change. */
export class PreferencesFile {
  private prefs: ShellPreferences;

  constructor(
    private readonly file: string,
    private readonly onWriteError: (err: unknown) => void = () => undefined,
  ) {
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = null;
    }
    this.prefs = parsePreferences(text);
  }

  get(): ShellPreferences {
    return this.prefs;
  }

  update(change: (p: ShellPreferences) => ShellPreferences): ShellPreferences {
    this.prefs = change(this.prefs);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, JSON.stringify(this.prefs, null, 2));
      renameSync(`${this.file}.tmp`, this.file);
    } catch (err) {
      this.onWriteError(err);
    }
    return this.prefs;
  }
}
